import { invalidParameter } from './api-input';
import { compileFilterPattern } from './filter-pattern';
import type { LogGroup, LogStore, LogStream, StoredEvent } from './log-store';
import { FilterPatternError, type MessageMatcher } from './matcher';

/**
 * GetLogEvents and FilterLogEvents, as the CloudWatch Logs API reference describes them
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html,
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html).
 */

/** "Each page returned can contain up to 1 MB of log events or up to 10,000 log events." */
export const MAX_PAGE_EVENTS = 10_000;
const MAX_PAGE_BYTES = 1_048_576;

/** As many events as `limit` and 1 MB allow, from the front of `events`; always at least one. */
function fill(events: StoredEvent[], limit: number): StoredEvent[] {
  let bytes = 0;
  let count = 0;
  while (count < events.length && count < limit && (count === 0 || bytes + events[count]!.size <= MAX_PAGE_BYTES)) bytes += events[count++]!.size;
  return events.slice(0, count);
}

/**
 * GetLogEvents' tokens are shaped as AWS's, `f/` or `b/` and 56 digits: the position of an event (its id),
 * reading forward from after it or backward from before it. "If you have reached the end of the stream, it
 * returns the same token you passed in."
 */
type StreamToken = { direction: 'f' | 'b'; position: bigint };
const formatToken = ({ direction, position }: StreamToken) => `${direction}/${position.toString().padStart(56, '0')}`;

function parseStreamToken(token: string): StreamToken {
  const match = /^([fb])\/(\d{1,60})$/.exec(token);
  if (!match) throw invalidParameter('The specified nextToken is invalid.');
  return { direction: match[1] as 'f' | 'b', position: BigInt(match[2]!) };
}

export interface GetLogEventsQuery {
  startTime?: number;
  endTime?: number;
  limit?: number;
  startFromHead?: boolean;
  nextToken?: string;
}

/**
 * Events from `startTime` (included) to `endTime` (excluded). Without a token, from the head of the stream
 * when `startFromHead`, else its tail; a token reads in its own direction. (AWS asks for startFromHead true
 * with a forward token; what it does otherwise is undocumented, and here the token decides.) Events come
 * oldest first either way.
 */
export function getLogEvents(store: LogStore, stream: LogStream, query: GetLogEventsQuery) {
  const all = store.events(stream);
  const inRange = all.filter((e) => (query.startTime === undefined || e.timestamp >= query.startTime) && (query.endTime === undefined || e.timestamp < query.endTime));
  const token = query.nextToken === undefined ? undefined : parseStreamToken(query.nextToken);
  const forward = token ? token.direction === 'f' : query.startFromHead === true;
  const limit = query.limit ?? MAX_PAGE_EVENTS;
  const events = forward
    ? fill(inRange.filter((e) => !token || e.position > token.position), limit)
    : fill(inRange.filter((e) => !token || e.position < token.position).reverse(), limit).reverse();
  const first = events[0];
  const last = events.at(-1);
  // An empty page stays where it was: at the token's position, or at the end of the stream for a first read.
  const here = token?.position ?? all.at(-1)?.position ?? 0n;
  return {
    events: events.map(({ timestamp, message, ingestionTime }) => ({ timestamp, message, ingestionTime })),
    nextForwardToken: last ? formatToken({ direction: 'f', position: last.position }) : token?.direction === 'f' ? query.nextToken : formatToken({ direction: 'f', position: here }),
    nextBackwardToken: first ? formatToken({ direction: 'b', position: first.position }) : token?.direction === 'b' ? query.nextToken : formatToken({ direction: 'b', position: here }),
  };
}

export interface FilterLogEventsQuery {
  logStreamNames?: string[];
  logStreamNamePrefix?: string;
  filterPattern?: string;
  startTime?: number;
  endTime?: number;
  limit?: number;
  nextToken?: string;
}

function matcherOf(filterPattern: string | undefined): MessageMatcher {
  try {
    return compileFilterPattern(filterPattern ?? '');
  } catch (error) {
    if (error instanceof FilterPatternError) throw invalidParameter(`Invalid filter pattern: ${error.message}`);
    throw error;
  }
}

function positionAfter(nextToken: string): bigint {
  const digits = Buffer.from(nextToken, 'base64url').toString('utf8');
  if (!/^\d{1,60}$/.test(digits)) throw invalidParameter('The specified nextToken is invalid.');
  return BigInt(digits);
}

/**
 * The group's matching events, interleaved across its streams in timestamp order, from `startTime` to
 * `endTime`, both included ("Events with a timestamp before this time are not returned", "later than this
 * time are not returned"). The token holds the last event returned; "If the results don't include a
 * nextToken, then pagination is finished."
 */
export function filterLogEvents(store: LogStore, group: LogGroup, query: FilterLogEventsQuery) {
  if (query.logStreamNames && query.logStreamNamePrefix !== undefined) throw invalidParameter('logStreamNames and logStreamNamePrefix cannot both be given');
  const matches = matcherOf(query.filterPattern);
  const after = query.nextToken === undefined ? undefined : positionAfter(query.nextToken);
  const streams = [...group.streams.values()].filter(
    (stream) => (!query.logStreamNames || query.logStreamNames.includes(stream.name)) && (query.logStreamNamePrefix === undefined || stream.name.startsWith(query.logStreamNamePrefix)),
  );
  const candidates = streams
    .flatMap((stream) => store.events(stream))
    .filter(
      (e) =>
        (after === undefined || e.position > after) &&
        (query.startTime === undefined || e.timestamp >= query.startTime) &&
        (query.endTime === undefined || e.timestamp <= query.endTime) &&
        matches(e.message),
    )
    .sort((a, b) => (a.position < b.position ? -1 : 1));
  const events = fill(candidates, query.limit ?? MAX_PAGE_EVENTS);
  const last = events.at(-1);
  return {
    events: events.map((e) => ({ logStreamName: e.stream.name, timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime, eventId: e.id })),
    // "As of May 15, 2020, this parameter is no longer supported. This parameter returns an empty list."
    searchedLogStreams: [],
    ...(last && candidates.length > events.length ? { nextToken: Buffer.from(last.id).toString('base64url') } : {}),
  };
}
