import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { logger } from './logger';
import { MAX_DATUMS_PER_REQUEST, OUTCOME_METRICS, outcomeDatums } from './outcomes/outcome-metrics';
import { decodePayload, type InvocationOutcome, outcomesOf } from './outcomes/platform-records';

/**
 * What Lambda itself says about each invocation of a Company function, whatever its code did: a CloudWatch
 * Logs subscription filter on each function's log group delivers Lambda's platform records here, and this
 * publishes per-version invocations, failures and timeouts at 1-second resolution (outcomes/), for the
 * guard's alarms and the canary judge. A crash outside the handler, a runtime that exits, a hang past the
 * timeout, memory over MemorySize and a failed init never reach the handler's own metrics; they reach these.
 *
 * A payload it cannot read is logged and dropped: CloudWatch Logs retries only failed deliveries, and a
 * malformed one would fail again. A PutMetricData that fails after the SDK's own retries throws, so that
 * Lambda retries the asynchronous invocation; CloudWatch Logs delivers asynchronously.
 */
interface SubscriptionEvent {
  awslogs?: { data?: unknown };
}

/** How many failed invocations one log line names by request id: enough to find them, bounded. */
const NAMED_FAILURES = 10;

export function invocationOutcomes(cloudwatch: CloudWatchClient) {
  return async (event: SubscriptionEvent): Promise<void> => {
    const data = event?.awslogs?.data;
    let outcomes: InvocationOutcome[];
    try {
      if (typeof data !== 'string') throw new Error('the event carries no awslogs.data');
      outcomes = outcomesOf(decodePayload(data));
    } catch (error) {
      return void logger.error('not a CloudWatch Logs subscription payload: nothing published', { error: (error as Error).message });
    }
    const datums = outcomeDatums(outcomes);
    for (let start = 0; start < datums.length; start += MAX_DATUMS_PER_REQUEST) {
      await cloudwatch.send(new PutMetricDataCommand({ Namespace: OUTCOME_METRICS.namespace, MetricData: datums.slice(start, start + MAX_DATUMS_PER_REQUEST) }));
    }
    const failed = outcomes.filter((outcome) => outcome.kind !== 'success');
    if (failed.length === 0) return;
    const kinds: Record<string, number> = {};
    for (const outcome of failed) kinds[outcome.kind] = (kinds[outcome.kind] ?? 0) + 1;
    logger.warn('invocations failed', {
      functionName: failed[0]!.functionName,
      versions: [...new Set(failed.map((outcome) => outcome.version))],
      invocations: outcomes.length,
      failures: kinds,
      examples: failed.slice(0, NAMED_FAILURES).map(({ requestId, version, kind, errorType }) => ({ requestId, version, kind, errorType })),
    });
  };
}

export const handler = invocationOutcomes(new CloudWatchClient({}));
