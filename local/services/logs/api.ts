import type { Server } from 'node:http';
import type { StageCredentials } from '../../credentials';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../template/cloudformation';
import { functionArn } from '../../template/stage';
import { awsJsonServer, ServiceError } from '../aws-json-protocol';
import {
  booleanParameter,
  type Input,
  integerParameter,
  invalidParameter,
  pageOf,
  patternParameter,
  refuseUnsupported,
  requiredString,
  stringListParameter,
  stringParameter,
} from './api-input';
import { filterLogEvents, getLogEvents, MAX_PAGE_EVENTS } from './event-reads';
import type { LocalCloudWatchLogs } from './local-cloudwatch-logs';
import type { LogGroup, LogStream } from './log-store';

/**
 * The CloudWatch Logs API of the local stage, over real HTTP in its own protocol (AWS JSON 1.1, X-Amz-Target
 * `Logs_20140328.<Operation>`), signed with the stage's credentials, so that the AWS CLI and the SDKs read a
 * rehearsal's logs: DescribeLogGroups, DescribeLogStreams, GetLogEvents, FilterLogEvents and
 * DescribeSubscriptionFilters, with the parameters, errors and epoch-millisecond times of the API reference
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/Welcome.html).
 */

const DESCRIBE_LIMIT = 50;
const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;
const logGroupArn = (name: string) => `arn:aws:logs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:log-group:${name}`;
const byName = <T extends { name: string }>(item: T) => [item.name];

const notFound = (what: 'log group' | 'log stream') => new ServiceError('ResourceNotFoundException', `The specified ${what} does not exist.`);

/** The group a request names, by logGroupName or by logGroupIdentifier (a name or an ARN), one of the two. */
function groupOf(logs: LocalCloudWatchLogs, input: Input): LogGroup {
  const name = stringParameter(input, 'logGroupName');
  const identifier = stringParameter(input, 'logGroupIdentifier');
  if ((name === undefined) === (identifier === undefined)) throw invalidParameter('Give either logGroupName or logGroupIdentifier, not both');
  const resolved = name ?? /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:([^:]+)(?::\*)?$/.exec(identifier!)?.[1] ?? identifier!;
  const group = logs.store.group(resolved);
  if (!group) throw notFound('log group');
  return group;
}

function describeLogGroups(logs: LocalCloudWatchLogs, input: Input) {
  refuseUnsupported(input, ['accountIdentifiers', 'includeLinkedAccounts', 'logGroupClass', 'logGroupIdentifiers']);
  const prefix = stringParameter(input, 'logGroupNamePrefix');
  const pattern = patternParameter(input, 'logGroupNamePattern');
  if (prefix !== undefined && pattern !== undefined) throw invalidParameter('logGroupNamePrefix and logGroupNamePattern are mutually exclusive');
  // "a case-sensitive substring search"
  const groups = logs.store.allGroups().filter((group) => (prefix === undefined || group.name.startsWith(prefix)) && (pattern === undefined || group.name.includes(pattern)));
  const { page, nextToken } = pageOf(groups, byName, { limit: integerParameter(input, 'limit', 1, DESCRIBE_LIMIT) ?? DESCRIBE_LIMIT, nextToken: stringParameter(input, 'nextToken') });
  return {
    logGroups: page.map((group) => ({
      logGroupName: group.name,
      creationTime: group.creationTime,
      metricFilterCount: 0,
      arn: `${logGroupArn(group.name)}:*`,
      logGroupArn: logGroupArn(group.name),
      // What the group retains, counted as PutLogEvents counts events; CloudWatch reports its compressed storage.
      storedBytes: group.storedBytes,
      logGroupClass: 'STANDARD',
    })),
    ...(nextToken ? { nextToken } : {}),
  };
}

function describeLogStreams(logs: LocalCloudWatchLogs, input: Input) {
  const group = groupOf(logs, input);
  const prefix = stringParameter(input, 'logStreamNamePrefix');
  const orderBy = stringParameter(input, 'orderBy') ?? 'LogStreamName';
  if (orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime') throw invalidParameter('orderBy must be LogStreamName or LastEventTime');
  if (orderBy === 'LastEventTime' && prefix !== undefined) throw invalidParameter('Cannot order by LastEventTime with a logStreamNamePrefix.');
  const streams = [...group.streams.values()].filter((stream) => prefix === undefined || stream.name.startsWith(prefix));
  // Assumption: a stream without events sorts as if its last event were at time 0.
  const keyOf = orderBy === 'LogStreamName' ? byName<LogStream> : (stream: LogStream) => [stream.lastEventTimestamp ?? 0, stream.name];
  const { page, nextToken } = pageOf(streams, keyOf, {
    descending: booleanParameter(input, 'descending') ?? false,
    limit: integerParameter(input, 'limit', 1, DESCRIBE_LIMIT) ?? DESCRIBE_LIMIT,
    nextToken: stringParameter(input, 'nextToken'),
  });
  return {
    logStreams: page.map((stream) => ({
      logStreamName: stream.name,
      creationTime: stream.creationTime,
      firstEventTimestamp: stream.firstEventTimestamp,
      lastEventTimestamp: stream.lastEventTimestamp,
      lastIngestionTime: stream.lastIngestionTime,
      arn: `${logGroupArn(group.name)}:log-stream:${stream.name}`,
      // "As of June 17, 2019, this parameter is no longer supported for log streams, and is always reported as zero."
      storedBytes: 0,
    })),
    ...(nextToken ? { nextToken } : {}),
  };
}

const timeRange = (input: Input) => ({ startTime: integerParameter(input, 'startTime', 0, MAX_TIMESTAMP), endTime: integerParameter(input, 'endTime', 0, MAX_TIMESTAMP) });

function readLogEvents(logs: LocalCloudWatchLogs, input: Input) {
  refuseUnsupported(input, ['unmask']);
  const group = groupOf(logs, input);
  const stream = group.streams.get(requiredString(input, 'logStreamName'));
  if (!stream) throw notFound('log stream');
  return getLogEvents(logs.store, stream, {
    ...timeRange(input),
    limit: integerParameter(input, 'limit', 1, MAX_PAGE_EVENTS),
    startFromHead: booleanParameter(input, 'startFromHead'),
    nextToken: stringParameter(input, 'nextToken'),
  });
}

function readFilteredEvents(logs: LocalCloudWatchLogs, input: Input) {
  refuseUnsupported(input, ['unmask']);
  // "As of June 17, 2019, this parameter is ignored and the value is assumed to be true."
  booleanParameter(input, 'interleaved');
  return filterLogEvents(logs.store, groupOf(logs, input), {
    ...timeRange(input),
    logStreamNames: stringListParameter(input, 'logStreamNames', 1, 100),
    logStreamNamePrefix: stringParameter(input, 'logStreamNamePrefix'),
    filterPattern: patternParameter(input, 'filterPattern'),
    limit: integerParameter(input, 'limit', 1, MAX_PAGE_EVENTS),
    nextToken: stringParameter(input, 'nextToken'),
  });
}

function describeSubscriptionFilters(logs: LocalCloudWatchLogs, input: Input) {
  const group = logs.store.group(requiredString(input, 'logGroupName'));
  if (!group) throw notFound('log group');
  const prefix = stringParameter(input, 'filterNamePrefix');
  const filters = logs.subscriptions.filters.filter((filter) => filter.logGroup === group.name && (prefix === undefined || filter.name.startsWith(prefix)));
  const { page, nextToken } = pageOf(filters, byName, { limit: integerParameter(input, 'limit', 1, DESCRIBE_LIMIT) ?? DESCRIBE_LIMIT, nextToken: stringParameter(input, 'nextToken') });
  return {
    subscriptionFilters: page.map((filter) => ({
      filterName: filter.name,
      logGroupName: filter.logGroup,
      filterPattern: filter.filterPattern,
      destinationArn: functionArn(filter.destination),
      // The API's default; it matters to Kinesis destinations only. A Lambda destination has no roleArn.
      distribution: 'ByLogStream',
      creationTime: logs.subscriptions.createdAt,
    })),
    ...(nextToken ? { nextToken } : {}),
  };
}

const OPERATIONS = new Map<string, (logs: LocalCloudWatchLogs, input: Input) => unknown>([
  ['DescribeLogGroups', describeLogGroups],
  ['DescribeLogStreams', describeLogStreams],
  ['GetLogEvents', readLogEvents],
  ['FilterLogEvents', readFilteredEvents],
  ['DescribeSubscriptionFilters', describeSubscriptionFilters],
]);

export function createLogsServer(logs: LocalCloudWatchLogs, credentials: StageCredentials): Server {
  return awsJsonServer(
    {
      contentType: 'application/x-amz-json-1.1',
      targetPrefix: 'Logs_20140328.',
      handle: (operation, input) => {
        const serve = OPERATIONS.get(operation);
        if (!serve) throw new ServiceError('UnknownOperationException', `Operation ${operation} is not served by the local CloudWatch Logs`);
        return serve(logs, input);
      },
    },
    credentials,
  );
}
