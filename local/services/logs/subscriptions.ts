import { gzipSync } from 'node:zlib';
import { LOCAL_ACCOUNT } from '../../template/cloudformation';
import type { SubscriptionFilterSpec } from '../../template/stage';
import { compileFilterPattern } from './filter-pattern';
import { FilterPatternError, type MessageMatcher } from './matcher';
import type { StoredEvent } from './log-store';

/**
 * The template's subscription filters: each event of a filter's log group that matches its pattern goes to
 * the filter's function, as CloudWatch Logs sends it to Lambda
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html): in batches of one log
 * stream's events, as `{ "awslogs": { "data": base64(gzip(JSON)) } }`, invoked asynchronously. A batch opens
 * with its first matching event and is delivered once the delivery delay after that event has passed, with
 * every matching event of its stream that arrived meanwhile. AWS gives no figure for that delay, only "soon
 * after being ingested, usually less than three minutes" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Subscriptions.html),
 * so the stage chooses it.
 */

/** What a Lambda destination receives. */
export interface SubscriptionPayload {
  awslogs: { data: string };
}

/** An asynchronous invocation of a function; a rejection is a failed delivery. */
export type DeliverToFunction = (functionName: string, payload: SubscriptionPayload) => Promise<unknown>;

export interface SubscriptionOptions {
  deliver: DeliverToFunction;
  /** Wall-clock milliseconds from a batch's first event to its delivery, asked as each batch opens. */
  deliveryDelayMs: () => number;
  onDeliveryError?: (message: string) => void;
}

/** "Each log group can have up to two subscription filters associated with it." (Subscriptions.html above) */
export const MAX_FILTERS_PER_GROUP = 2;

/**
 * AWS documents no batch limit for Lambda destinations. Assumption: a batch carries at most what one
 * PutLogEvents call may, 10,000 events and 1,048,576 bytes (messages in UTF-8 plus 26 bytes each,
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html). Gzipped, such a
 * batch of log text fits Lambda's 1 MB limit on an asynchronous invocation's payload
 * (https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html). A full batch is delivered at its own time,
 * and the stream's next matching event opens another.
 */
export const MAX_BATCH_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;

interface Subscription {
  spec: SubscriptionFilterSpec;
  matches: MessageMatcher;
}

interface Batch {
  subscription: Subscription;
  logGroup: string;
  logStream: string;
  events: StoredEvent[];
  bytes: number;
  timer: NodeJS.Timeout;
}

export class SubscriptionDelivery {
  private readonly byGroup = new Map<string, Subscription[]>();
  /** The batch of each filter and stream still taking events. */
  private readonly open = new Map<string, Batch>();
  /** Every batch waiting for its delivery time, open or full. */
  private readonly waiting = new Set<Batch>();
  private stopped = false;
  /** When the filters were made: with the stage. */
  readonly createdAt = Date.now();

  /** Refuses what CloudFormation would fail to create, and patterns the local stage cannot match. */
  constructor(
    readonly filters: SubscriptionFilterSpec[],
    private readonly options: SubscriptionOptions,
  ) {
    for (const spec of filters) {
      let matches: MessageMatcher;
      try {
        matches = compileFilterPattern(spec.filterPattern);
      } catch (error) {
        if (!(error instanceof FilterPatternError)) throw error;
        throw new Error(`Subscription filter ${spec.name} (${spec.logicalId}) on ${spec.logGroup}: its pattern ${JSON.stringify(spec.filterPattern)} is refused: ${error.message}`, { cause: error });
      }
      const group = this.byGroup.get(spec.logGroup) ?? [];
      group.push({ spec, matches });
      this.byGroup.set(spec.logGroup, group);
    }
    for (const [logGroup, subscriptions] of this.byGroup) {
      if (subscriptions.length > MAX_FILTERS_PER_GROUP) {
        const names = subscriptions.map(({ spec }) => `${spec.name} (${spec.logicalId})`).join(', ');
        throw new Error(`Log group ${logGroup} has ${subscriptions.length} subscription filters (${names}); CloudWatch Logs allows at most ${MAX_FILTERS_PER_GROUP} per log group, so CloudFormation would fail to create the others`);
      }
    }
  }

  /** Adds a newly stored event to the batch of every filter of its group it matches. */
  offer(event: StoredEvent): void {
    if (this.stopped) return;
    const logGroup = event.stream.group.name;
    for (const subscription of this.byGroup.get(logGroup) ?? []) {
      if (!subscription.matches(event.message)) continue;
      // A filter's name is unique within its group only.
      const key = `${logGroup}\n${subscription.spec.name}\n${event.stream.name}`;
      let batch = this.open.get(key);
      if (batch && (batch.events.length >= MAX_BATCH_EVENTS || batch.bytes + event.size > MAX_BATCH_BYTES)) {
        this.open.delete(key);
        batch = undefined;
      }
      if (!batch) {
        const opened: Batch = { subscription, logGroup, logStream: event.stream.name, events: [], bytes: 0, timer: setTimeout(() => this.send(key, opened), this.options.deliveryDelayMs()) };
        // A batch waiting must not keep the process alive: the stage ends when everything else has.
        opened.timer.unref();
        batch = opened;
        this.open.set(key, batch);
        this.waiting.add(batch);
      }
      batch.events.push(event);
      batch.bytes += event.size;
    }
  }

  /** Cancels every batch not yet delivered; nothing is delivered after this. */
  stop(): void {
    this.stopped = true;
    for (const batch of this.waiting) clearTimeout(batch.timer);
    this.waiting.clear();
    this.open.clear();
  }

  private send(key: string, batch: Batch): void {
    this.waiting.delete(batch);
    if (this.open.get(key) === batch) this.open.delete(key);
    const { spec } = batch.subscription;
    const message = {
      messageType: 'DATA_MESSAGE',
      owner: LOCAL_ACCOUNT,
      logGroup: batch.logGroup,
      logStream: batch.logStream,
      subscriptionFilters: [spec.name],
      logEvents: batch.events.map(({ id, timestamp, message }) => ({ id, timestamp, message })),
    };
    const payload: SubscriptionPayload = { awslogs: { data: gzipSync(JSON.stringify(message)).toString('base64') } };
    Promise.resolve()
      .then(() => this.options.deliver(spec.destination, payload))
      .catch((error: Error) =>
        this.options.onDeliveryError?.(
          `CloudWatch Logs could not deliver ${batch.events.length} event${batch.events.length === 1 ? '' : 's'} of ${batch.logGroup} ${batch.logStream} to ${spec.destination} (subscription filter ${spec.name}): ${error.message}`,
        ),
      );
  }
}
