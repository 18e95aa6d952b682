import type { StageModel } from '../../template/stage';
import { DEFAULT_RETENTION, type LogRecord, LogStore, type RetentionBound } from './log-store';
import { type DeliverToFunction, SubscriptionDelivery } from './subscriptions';

/**
 * CloudWatch Logs for the local stage: the template's log groups, and the groups Lambda makes on a function's
 * first write (/aws/lambda/<function>, or a LoggingConfig.LogGroup the template does not declare: "If no log
 * group exists with the name you enter, Lambda will create a new log group",
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html); a stream for each
 * name the runtime writes to (one per execution environment, named as Lambda names it); every event the
 * runtime writes, within RetentionBound; and the template's subscription filters, delivered to their functions.
 * Its API is served by createLogsServer (api.ts).
 */
export interface LocalCloudWatchLogsOptions {
  /** Invokes a subscription's function asynchronously, as Lambda's Invoke with InvocationType Event. */
  deliver: DeliverToFunction;
  /** Wall-clock milliseconds between a batch's first event and its delivery: the stage computes it from its AWS clock. */
  deliveryDelayMs: () => number;
  /** A delivery the function's service refused; CloudWatch Logs would retry, the local stage reports it. */
  onDeliveryError?: (message: string) => void;
  retention?: RetentionBound;
}

export class LocalCloudWatchLogs {
  readonly store: LogStore;
  readonly subscriptions: SubscriptionDelivery;

  /** Throws, as CloudFormation would fail, for a third filter on a group; and for a pattern the stage cannot match. */
  constructor(model: Pick<StageModel, 'logGroups' | 'subscriptionFilters'>, options: LocalCloudWatchLogsOptions) {
    this.subscriptions = new SubscriptionDelivery(model.subscriptionFilters, options);
    // A filter's group exists: CloudFormation could not have created the filter on a missing one.
    const groups = [...model.logGroups.map((group) => group.name), ...model.subscriptionFilters.map((filter) => filter.logGroup)];
    this.store = new LogStore(groups, options.retention ?? DEFAULT_RETENTION);
  }

  /** One event the local Lambda runtime wrote: stored, and offered to the subscription filters of its group. */
  append(record: LogRecord): void {
    this.subscriptions.offer(this.store.append(record));
  }

  /** Delivers nothing more; the events stay readable through the API. */
  stop(): void {
    this.subscriptions.stop();
  }
}
