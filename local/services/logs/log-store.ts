import { randomInt } from 'node:crypto';

/**
 * The log groups, streams and events of the local CloudWatch Logs, in memory and bounded: the stage runs for
 * hours under load, so each group keeps its newest events only (RetentionBound).
 */

/** One event as the local Lambda runtime writes it, one per CloudWatch Logs event. */
export interface LogRecord {
  logGroup: string;
  logStream: string;
  /** Epoch milliseconds, as CloudWatch Logs keeps time. */
  timestamp: number;
  message: string;
}

export interface StoredEvent {
  /** A long decimal string, as CloudWatch Logs' event ids are; the same id in FilterLogEvents and in subscriptions. */
  id: string;
  /** The id as a number: events sort by it, in timestamp order, then in the order they arrived. */
  position: bigint;
  timestamp: number;
  message: string;
  ingestionTime: number;
  /** What the event counts for in CloudWatch Logs' batch and page sizes: its message in UTF-8, plus 26 bytes. */
  size: number;
  stream: LogStream;
}

export interface LogStream {
  name: string;
  group: LogGroup;
  creationTime: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  /** Retained events in position order, from `start` on (earlier slots were dropped by the bound). */
  events: StoredEvent[];
  start: number;
}

export interface LogGroup {
  name: string;
  creationTime: number;
  streams: Map<string, LogStream>;
  /** Retained events in the order they arrived, from `start` on: the oldest goes first when the bound is reached. */
  arrivals: StoredEvent[];
  arrivalsStart: number;
  storedBytes: number;
}

/**
 * How much each log group keeps. 10,000 events is the most one GetLogEvents or FilterLogEvents page holds, and
 * more than a rehearsal writes to one group: at 23 requests per AWS second, a canary's 5 AWS minutes (bake
 * and afterwatch) are about 6,900 invocations over five functions, each writing its platform.start and
 * platform.report records (about 240–410 bytes each) and little else at INFO, so some 3,000 events per
 * function's group. 4 MiB is about what 10,000 such records take, so the byte bound only cuts in for larger
 * lines (a function logging 256 KB lines would otherwise keep 2.5 GB): with object overhead, at most about
 * 6 MB per group. CloudWatch itself keeps events for the group's retention period; here the bound plays its part.
 */
export interface RetentionBound {
  maxEventsPerGroup: number;
  maxBytesPerGroup: number;
}
export const DEFAULT_RETENTION: RetentionBound = { maxEventsPerGroup: 10_000, maxBytesPerGroup: 4 * 1024 * 1024 };

/** PutLogEvents counts each event as its message in UTF-8 plus 26 bytes (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html). */
export const EVENT_OVERHEAD_BYTES = 26;

/**
 * Event ids: the timestamp, then a sequence number unique in this store, then random digits, so ids are
 * unique, sort as their events do, and have the 56 digits of CloudWatch's (e.g. 31953106606966983378809025079804211143289615424298221568).
 */
const SEQUENCE_SCALE = 10n ** 22n;
const TIMESTAMP_SCALE = 10n ** 43n;

export class LogStore {
  private readonly groups = new Map<string, LogGroup>();
  private sequence = 0n;

  constructor(
    groupNames: string[],
    private readonly bound: RetentionBound = DEFAULT_RETENTION,
  ) {
    for (const name of groupNames) this.ensureGroup(name);
  }

  /** A group, made now if it does not exist: Lambda makes a function's group on its first write. */
  ensureGroup(name: string): LogGroup {
    let group = this.groups.get(name);
    if (!group) {
      group = { name, creationTime: Date.now(), streams: new Map(), arrivals: [], arrivalsStart: 0, storedBytes: 0 };
      this.groups.set(name, group);
    }
    return group;
  }

  group(name: string): LogGroup | undefined {
    return this.groups.get(name);
  }

  /** Every group, in the ASCII order of their names, as DescribeLogGroups lists them. */
  allGroups(): LogGroup[] {
    return [...this.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Stores one event, creating its group and stream on first use, and drops the group's oldest past the bound. */
  append(record: LogRecord): StoredEvent {
    if (!Number.isFinite(record.timestamp)) throw new TypeError(`A log event's timestamp must be epoch milliseconds, not ${record.timestamp}`);
    const group = this.ensureGroup(record.logGroup);
    let stream = group.streams.get(record.logStream);
    if (!stream) {
      stream = { name: record.logStream, group, creationTime: Date.now(), events: [], start: 0 };
      group.streams.set(stream.name, stream);
    }
    const position = BigInt(Math.max(0, Math.trunc(record.timestamp))) * TIMESTAMP_SCALE + ++this.sequence * SEQUENCE_SCALE + randomDigits();
    const event: StoredEvent = {
      id: position.toString(),
      position,
      timestamp: record.timestamp,
      message: record.message,
      ingestionTime: Date.now(),
      size: Buffer.byteLength(record.message, 'utf8') + EVENT_OVERHEAD_BYTES,
      stream,
    };
    insertInOrder(stream, event);
    stream.firstEventTimestamp = Math.min(stream.firstEventTimestamp ?? event.timestamp, event.timestamp);
    stream.lastEventTimestamp = Math.max(stream.lastEventTimestamp ?? event.timestamp, event.timestamp);
    stream.lastIngestionTime = event.ingestionTime;
    group.arrivals.push(event);
    group.storedBytes += event.size;
    this.enforceBound(group);
    return event;
  }

  /** The retained events of a stream, in position order. */
  events(stream: LogStream): StoredEvent[] {
    return stream.events.slice(stream.start);
  }

  retainedCount(group: LogGroup): number {
    return group.arrivals.length - group.arrivalsStart;
  }

  /** Drops the oldest events while the group holds more than the bound, always keeping the newest. */
  private enforceBound(group: LogGroup): void {
    while (this.retainedCount(group) > 1 && (this.retainedCount(group) > this.bound.maxEventsPerGroup || group.storedBytes > this.bound.maxBytesPerGroup)) {
      const oldest = group.arrivals[group.arrivalsStart]!;
      // The slot is cleared so that the dropped event can be collected; the array is compacted below.
      group.arrivals[group.arrivalsStart++] = undefined as unknown as StoredEvent;
      group.storedBytes -= oldest.size;
      removeEvent(oldest.stream, oldest);
    }
    if (group.arrivalsStart > 1024 && group.arrivalsStart * 2 > group.arrivals.length) {
      group.arrivals = group.arrivals.slice(group.arrivalsStart);
      group.arrivalsStart = 0;
    }
  }
}

function randomDigits(): bigint {
  // Two draws: randomInt takes ranges below 2^48 only.
  return BigInt(randomInt(10 ** 11)) * 10n ** 11n + BigInt(randomInt(10 ** 11));
}

/** Events nearly always arrive in order, so the search for their place starts at the end. */
function insertInOrder(stream: LogStream, event: StoredEvent): void {
  let at = stream.events.length;
  while (at > stream.start && stream.events[at - 1]!.position > event.position) at--;
  stream.events.splice(at, 0, event);
}

/**
 * Removes a dropped event from its stream (nearly always its first), and the stream once it holds none: an
 * assumption, as CloudWatch keeps an emptied stream, but streams then stay bounded by events, where one
 * per execution environment ever started would grow for as long as the stage runs.
 */
function removeEvent(stream: LogStream, event: StoredEvent): void {
  if (stream.events[stream.start] === event) stream.events[stream.start++] = undefined as unknown as StoredEvent;
  else stream.events.splice(stream.events.indexOf(event, stream.start), 1);
  if (stream.start === stream.events.length) {
    stream.group.streams.delete(stream.name);
  } else if (stream.start > 1024 && stream.start * 2 > stream.events.length) {
    stream.events = stream.events.slice(stream.start);
    stream.start = 0;
  }
}
