import type { Server } from 'node:http';
import { newStageCredentials } from '../local/credentials';
import { listenOnLoopback } from '../local/net';
import { createLogsServer } from '../local/services/logs/api';
import { LocalCloudWatchLogs } from '../local/services/logs/local-cloudwatch-logs';
import { awsEnvironment as environmentOf, describeWithTool, run } from './support/aws-cli';

/**
 * The local CloudWatch Logs API read by the real AWS CLI and boto3, whose strict parsers are the check that
 * it speaks CloudWatch Logs' protocol: requests signed with the stage's credentials, `--endpoint-url` the
 * local server. This machine ships both through python3; where one is missing, its part is skipped under
 * a name that says so and how to get it.
 */

const GROUP = '/aws/company-canary/UpdateCompany';
const STREAM_A = '2026/12/02/UpdateCompanyFunction[1]0123456789abcdef0123456789abcdef';
const STREAM_B = '2026/12/02/UpdateCompanyFunction[2]fedcba9876543210fedcba9876543210';
const T0 = Date.UTC(2026, 11, 2, 10, 0, 0);
const FAILED = '{ $.type = "platform.report" && $.record.status != "success" }';
const report = (n: number, status: string) => JSON.stringify({ type: 'platform.report', record: { requestId: `r-${n}`, status } });

const credentials = newStageCredentials();
let server: Server;
let endpoint: string;
let logs: LocalCloudWatchLogs;
const awsEnvironment = () => environmentOf(credentials);

beforeAll(async () => {
  logs = new LocalCloudWatchLogs(
    {
      logGroups: [{ logicalId: 'UpdateCompanyLogGroup', name: GROUP }],
      subscriptionFilters: [{ logicalId: 'UpdateCompanyFailures', name: 'company-canary-UpdateCompanyFailures', logGroup: GROUP, filterPattern: FAILED, destination: 'InvocationOutcomesFunction' }],
    },
    { deliver: async () => undefined, deliveryDelayMs: () => 60_000 },
  );
  for (let i = 0; i < 6; i++) logs.append({ logGroup: GROUP, logStream: STREAM_A, timestamp: T0 + i * 1000, message: report(i, i % 2 === 0 ? 'success' : 'error') });
  logs.append({ logGroup: GROUP, logStream: STREAM_B, timestamp: T0 + 10_000, message: 'START RequestId: r-9 Version: 2' });
  server = createLogsServer(logs, credentials);
  endpoint = await listenOnLoopback(server);
});
afterAll(async () => {
  logs.stop();
  await new Promise((resolve) => server.close(resolve));
});

describeWithTool('the AWS CLI', () => {
  const aws = (...args: string[]) => run('aws', ['logs', ...args, '--endpoint-url', endpoint, '--output', 'json'], { env: awsEnvironment() });
  const commands = {
    groups: ['describe-log-groups', '--log-group-name-prefix', '/aws/company-canary/'],
    streams: ['describe-log-streams', '--log-group-name', GROUP, '--order-by', 'LastEventTime', '--descending'],
    events: ['get-log-events', '--log-group-name', GROUP, '--log-stream-name', STREAM_A, '--start-from-head', '--limit', '2'],
    failed: ['filter-log-events', '--log-group-name', GROUP, '--filter-pattern', FAILED, '--page-size', '2'],
    filters: ['describe-subscription-filters', '--log-group-name', GROUP],
    missing: ['describe-log-streams', '--log-group-name', '/aws/lambda/Missing'],
  };
  // The CLI takes seconds to start: every command runs at once, and each test reads its answer.
  let answers: Record<keyof typeof commands, PromiseSettledResult<{ stdout: string; stderr: string }>>;
  beforeAll(async () => {
    const settled = await Promise.allSettled(Object.values(commands).map((args) => aws(...args)));
    answers = Object.fromEntries(Object.keys(commands).map((name, i) => [name, settled[i]])) as typeof answers;
  }, 60_000);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const answer = (name: keyof typeof commands): any => {
    const result = answers[name];
    if (result.status === 'rejected') throw result.reason;
    return JSON.parse(result.value.stdout);
  };

  it('describe-log-groups', () => {
    expect(answer('groups').logGroups).toEqual([
      expect.objectContaining({ logGroupName: GROUP, arn: `arn:aws:logs:us-east-1:000000000000:log-group:${GROUP}:*`, creationTime: expect.any(Number), storedBytes: expect.any(Number) }),
    ]);
  });

  it('describe-log-streams, latest first', () => {
    const { logStreams } = answer('streams');
    expect(logStreams.map((s: { logStreamName: string }) => s.logStreamName)).toEqual([STREAM_B, STREAM_A]);
    expect(logStreams[1]).toMatchObject({ firstEventTimestamp: T0, lastEventTimestamp: T0 + 5000 });
  });

  it('get-log-events, from the head', () => {
    const events = answer('events');
    expect(events.events.map((e: { timestamp: number }) => e.timestamp)).toEqual([T0, T0 + 1000]);
    expect(events.nextForwardToken).toMatch(/^f\/\d{56}$/);
    expect(events.nextBackwardToken).toMatch(/^b\/\d{56}$/);
  });

  it('filter-log-events, paging through nextToken two events at a time', () => {
    const { events } = answer('failed');
    expect(events.map((e: { message: string }) => JSON.parse(e.message).record.requestId)).toEqual(['r-1', 'r-3', 'r-5']);
    expect(events[0]).toMatchObject({ logStreamName: STREAM_A, timestamp: T0 + 1000, eventId: expect.stringMatching(/^\d{56}$/) });
  });

  it('describe-subscription-filters', () => {
    expect(answer('filters').subscriptionFilters).toEqual([
      {
        filterName: 'company-canary-UpdateCompanyFailures',
        logGroupName: GROUP,
        filterPattern: FAILED,
        destinationArn: 'arn:aws:lambda:us-east-1:000000000000:function:InvocationOutcomesFunction',
        distribution: 'ByLogStream',
        creationTime: expect.any(Number),
      },
    ]);
  });

  it('an unknown log group, as the CLI reports AWS errors', () => {
    expect(answers.missing).toMatchObject({
      status: 'rejected',
      reason: { stderr: expect.stringContaining('An error occurred (ResourceNotFoundException) when calling the DescribeLogStreams operation: The specified log group does not exist.') },
    });
  });
});

const BOTO3_SCRIPT = `
import boto3, json, sys
endpoint, group, stream = sys.argv[1:4]
logs = boto3.client('logs', endpoint_url=endpoint)
out = {}

messages, token = [], None
while True:
    page = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True, limit=2, **({'nextToken': token} if token else {}))
    messages += [json.loads(e['message'])['record']['requestId'] for e in page['events']]
    if page['nextForwardToken'] == token:
        break
    token = page['nextForwardToken']
out['forward'] = messages

pages = logs.get_paginator('filter_log_events').paginate(logGroupName=group, filterPattern=sys.argv[4], PaginationConfig={'PageSize': 2})
out['failed'] = [json.loads(e['message'])['record']['requestId'] for page in pages for e in page['events']]

pages = logs.get_paginator('describe_log_streams').paginate(logGroupName=group, PaginationConfig={'PageSize': 1})
streams = [s for page in pages for s in page['logStreams']]
out['streams'] = [s['logStreamName'] for s in streams]
out['timestampTypes'] = sorted({type(s[k]).__name__ for s in streams for k in ('creationTime', 'firstEventTimestamp', 'lastEventTimestamp')})

out['groups'] = [g['logGroupName'] for g in logs.describe_log_groups()['logGroups']]
out['filters'] = [f['filterName'] for f in logs.describe_subscription_filters(logGroupName=group)['subscriptionFilters']]

try:
    logs.describe_log_streams(logGroupName='/aws/lambda/Missing')
except logs.exceptions.ResourceNotFoundException as error:
    out['missing'] = error.response['Error']
try:
    logs.filter_log_events(logGroupName=group, filterPattern='[ip, user, status]')
except logs.exceptions.InvalidParameterException as error:
    out['refused'] = error.response['Error']['Message']
print(json.dumps(out))
`;

describeWithTool('boto3', () => {
  it('pages GetLogEvents, FilterLogEvents and DescribeLogStreams, reads the groups and filters, and raises the modelled errors', async () => {
    const { stdout } = await run('python3', ['-c', BOTO3_SCRIPT, endpoint, GROUP, STREAM_A, FAILED], { env: awsEnvironment() });
    expect(JSON.parse(stdout)).toEqual({
      forward: ['r-0', 'r-1', 'r-2', 'r-3', 'r-4', 'r-5'],
      failed: ['r-1', 'r-3', 'r-5'],
      streams: [STREAM_A, STREAM_B],
      timestampTypes: ['int'],
      groups: [GROUP],
      filters: ['company-canary-UpdateCompanyFailures'],
      missing: { Code: 'ResourceNotFoundException', Message: 'The specified log group does not exist.' },
      refused: expect.stringContaining('space-delimited patterns ([field, …]) are not supported locally'),
    });
  });
});
