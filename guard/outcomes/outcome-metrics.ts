import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { InvocationOutcome } from './platform-records';

/**
 * The per-version metrics the guard publishes from Lambda's own records, at 1-second resolution, by the same
 * FunctionName and ExecutedVersion as the handlers' metrics, so that 10-second alarms and the canary judge
 * read both side by side: every invocation, every one that failed in any way (a function error, an error
 * outside the handler, a runtime exit, a timeout, memory over MemorySize, an init failure), and the timeouts.
 */
export const OUTCOME_METRICS = {
  namespace: 'CompanyCanary',
  invocations: 'Invocations',
  failures: 'FailedInvocations',
  timeouts: 'TimedOutInvocations',
} as const;

/** PutMetricData takes up to 1,000 datums a request. https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html */
export const MAX_DATUMS_PER_REQUEST = 1000;

/**
 * One datum per metric, version and second in which the version was invoked, zeros included, so that a
 * second with invocations and no failure reads as 0 failures, not as missing data.
 */
export function outcomeDatums(outcomes: InvocationOutcome[]): MetricDatum[] {
  const seconds = new Map<string, { functionName: string; version: string; second: number; invocations: number; failures: number; timeouts: number }>();
  for (const outcome of outcomes) {
    const second = Math.floor(outcome.at / 1000) * 1000;
    const key = `${outcome.functionName}\u0000${outcome.version}\u0000${second}`;
    const counts = seconds.get(key) ?? { functionName: outcome.functionName, version: outcome.version, second, invocations: 0, failures: 0, timeouts: 0 };
    counts.invocations++;
    if (outcome.kind !== 'success') counts.failures++;
    if (outcome.kind === 'timeout') counts.timeouts++;
    seconds.set(key, counts);
  }
  return [...seconds.values()].flatMap((counts) =>
    (['invocations', 'failures', 'timeouts'] as const).map((metric) => ({
      MetricName: OUTCOME_METRICS[metric],
      Dimensions: [
        { Name: 'FunctionName', Value: counts.functionName },
        { Name: 'ExecutedVersion', Value: counts.version },
      ],
      Timestamp: new Date(counts.second),
      Value: counts[metric],
      Unit: 'Count',
      StorageResolution: 1,
    })),
  );
}
