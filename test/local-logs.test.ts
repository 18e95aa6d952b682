import type { Server } from 'node:http';
import { newStageCredentials } from '../local/credentials';
import { listenOnLoopback } from '../local/net';
import { createLogsServer } from '../local/services/logs/api';
import { LocalCloudWatchLogs } from '../local/services/logs/local-cloudwatch-logs';
import type { LogRecord, RetentionBound } from '../local/services/logs/log-store';
import { functionArn, loadStage, type StageModel, type SubscriptionFilterSpec } from '../local/template/stage';
import { signedAwsJsonClient } from './support/signed-aws-json';

/**
 * The local CloudWatch Logs on its own: the template's groups and the ones Lambda makes on first write,
 * streams made on first event, the bound on what a group keeps, and its API over real signed HTTP, answering
 * as the CloudWatch Logs API reference says.
 */

const GROUP = '/aws/company-canary/ListCompanies';
const T0 = Date.UTC(2026, 11, 2, 10, 0, 0);
const STREAM_A = '2026/12/02/ListCompaniesFunction[1]0f5e8a0c9a3c4b1d8e2f6a7b9c0d1e2f';
const STREAM_B = '2026/12/02/ListCompaniesFunction[2]7a1c3e5f7b9d4f2a8c6e0b1d3f5a7c9e';

const model = (filters: SubscriptionFilterSpec[] = []): Pick<StageModel, 'logGroups' | 'subscriptionFilters'> => ({
  logGroups: [{ logicalId: 'ListCompaniesLogGroup', name: GROUP }],
  subscriptionFilters: filters,
});
const filter = (name: string, filterPattern = '', logGroup = GROUP): SubscriptionFilterSpec => ({ logicalId: `${name}Resource`, name, logGroup, filterPattern, destination: 'GuardFunction' });
const quietLogs = (retention?: RetentionBound, filters: SubscriptionFilterSpec[] = []) =>
  new LocalCloudWatchLogs(model(filters), { deliver: async () => undefined, deliveryDelayMs: () => 60_000, retention });
const record = (logStream: string, timestamp: number, message: string, logGroup = GROUP): LogRecord => ({ logGroup, logStream, timestamp, message });

describe('the store', () => {
  it("holds the template's log groups from the start", () => {
    const stage = loadStage();
    const logs = new LocalCloudWatchLogs(stage, { deliver: async () => undefined, deliveryDelayMs: () => 60_000 });
    expect(stage.logGroups.length).toBeGreaterThan(0);
    expect(logs.store.allGroups().map((group) => group.name)).toEqual(expect.arrayContaining(stage.logGroups.map((group) => group.name)));
    logs.stop();
  });

  it('makes a group on its first write, as Lambda makes /aws/lambda/<function>, and a stream on its first event', () => {
    const logs = quietLogs();
    expect(logs.store.group('/aws/lambda/StopDeploymentFunction')).toBeUndefined();
    logs.append(record('2026/12/02/[1]abc', T0, 'START', '/aws/lambda/StopDeploymentFunction'));
    const group = logs.store.group('/aws/lambda/StopDeploymentFunction')!;
    expect([...group.streams.keys()]).toEqual(['2026/12/02/[1]abc']);
    expect(logs.store.group(GROUP)!.streams.size).toBe(0);
  });

  it('gives each event a unique id of 56 digits, ordered as the events are', () => {
    const logs = quietLogs();
    for (let i = 0; i < 50; i++) logs.append(record(STREAM_A, T0 + (i % 5), `event ${i}`));
    const events = logs.store.events(logs.store.group(GROUP)!.streams.get(STREAM_A)!);
    expect(new Set(events.map((e) => e.id)).size).toBe(50);
    for (const event of events) expect(event.id).toMatch(/^[1-9]\d{55}$/);
    // Timestamp order, then arrival order within a millisecond.
    expect(events.map((e) => e.message)).toEqual([...Array(50).keys()].sort((a, b) => (a % 5) - (b % 5) || a - b).map((i) => `event ${i}`));
  });

  it('drops the oldest events of a group past its event bound, and a stream left without any', () => {
    const logs = quietLogs({ maxEventsPerGroup: 5, maxBytesPerGroup: 1_000_000 });
    logs.append(record(STREAM_B, T0, 'b0'));
    for (let i = 1; i <= 6; i++) logs.append(record(STREAM_A, T0 + i, `a${i}`));
    logs.append(record(STREAM_A, T0, 'other group', '/aws/lambda/Other'));
    const group = logs.store.group(GROUP)!;
    expect(logs.store.retainedCount(group)).toBe(5);
    expect(logs.store.events(group.streams.get(STREAM_A)!).map((e) => e.message)).toEqual(['a2', 'a3', 'a4', 'a5', 'a6']);
    expect(group.streams.has(STREAM_B)).toBe(false);
    expect(logs.store.retainedCount(logs.store.group('/aws/lambda/Other')!)).toBe(1);
  });

  it('drops the oldest events past its byte bound, counted as CloudWatch counts them (UTF-8 plus 26 bytes), keeping the newest', () => {
    // Each event: 100 bytes of message + 26.
    const logs = quietLogs({ maxEventsPerGroup: 1000, maxBytesPerGroup: 3 * 126 });
    for (let i = 0; i < 5; i++) logs.append(record(STREAM_A, T0 + i, String(i).repeat(100)));
    const group = logs.store.group(GROUP)!;
    expect(logs.store.events(group.streams.get(STREAM_A)!).map((e) => e.message[0])).toEqual(['2', '3', '4']);
    expect(group.storedBytes).toBe(3 * 126);
    logs.append(record(STREAM_A, T0 + 9, 'é'.repeat(1000)));
    expect(logs.store.events(group.streams.get(STREAM_A)!).map((e) => e.message.length)).toEqual([1000]);
  });

  it('stays within its bound under a long run', () => {
    const logs = quietLogs({ maxEventsPerGroup: 1000, maxBytesPerGroup: 1_000_000 });
    for (let i = 0; i < 50_000; i++) logs.append(record(`stream-${i % 40}`, T0 + i, `event ${i}`));
    const group = logs.store.group(GROUP)!;
    expect(logs.store.retainedCount(group)).toBe(1000);
    expect(group.arrivals.length).toBeLessThan(2100);
    for (const stream of group.streams.values()) expect(stream.events.length).toBeLessThan(2100);
  });
});

describe('construction', () => {
  it('refuses a third subscription filter on one log group, naming the group, as CloudFormation would fail', () => {
    expect(() => quietLogs(undefined, [filter('One'), filter('Two'), filter('Three')])).toThrow(
      `Log group ${GROUP} has 3 subscription filters (One (OneResource), Two (TwoResource), Three (ThreeResource)); CloudWatch Logs allows at most 2 per log group`,
    );
    expect(() => quietLogs(undefined, [filter('One'), filter('Two'), filter('Elsewhere', '', '/aws/lambda/Other')])).not.toThrow();
  });

  it('refuses a pattern the local stage cannot match, naming the filter and what is not supported', () => {
    expect(() => quietLogs(undefined, [filter('Requests', '[ip, user, status = 5*]')])).toThrow(
      /Subscription filter Requests \(RequestsResource\) on \/aws\/company-canary\/ListCompanies: its pattern "\[ip, user, status = 5\*\]" is refused: space-delimited patterns .* not supported locally/,
    );
  });
});

describe('the API', () => {
  const credentials = newStageCredentials();
  let server: Server;
  let endpoint: string;
  let logs: LocalCloudWatchLogs;
  const call = (operation: string, input: Record<string, unknown>) => signedAwsJsonClient(endpoint, credentials, 'logs', 'Logs_20140328')(operation, input);
  const ok = async (operation: string, input: Record<string, unknown>) => {
    const answer = await call(operation, input);
    if (answer.status !== 200) throw new Error(`${operation}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };

  beforeAll(async () => {
    logs = quietLogs(undefined, [filter('FailedInvocations', '{ $.type = "platform.report" && $.record.status != "success" }'), filter('Everything')]);
    for (const name of ['/aws/lambda/Zeta', '/aws/lambda/Alpha', '/aws/other']) logs.append(record('s', T0, 'x', name));
    // Stream A: events at T0+0, +10, … +90; stream B: at T0+5, +15, +25, later than A's last event.
    for (let i = 0; i < 10; i++) logs.append(record(STREAM_A, T0 + i * 10, JSON.stringify({ type: i % 3 === 0 ? 'platform.report' : 'app', n: i })));
    for (let i = 0; i < 3; i++) logs.append(record(STREAM_B, T0 + 5 + i * 10 + 100, `plain ${i}`));
    server = createLogsServer(logs, credentials);
    endpoint = await listenOnLoopback(server);
  });
  afterAll(async () => {
    logs.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  it("refuses requests not signed with the stage's credentials, with AWS's 403", async () => {
    const unsigned = await fetch(endpoint, { method: 'POST', headers: { 'x-amz-target': 'Logs_20140328.DescribeLogGroups', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    const other = await signedAwsJsonClient(endpoint, newStageCredentials(), 'logs', 'Logs_20140328')('DescribeLogGroups', {});
    expect(other).toMatchObject({ status: 403, body: { __type: 'UnrecognizedClientException' } });
  });

  it('DescribeLogGroups lists groups in ASCII order by prefix, a page at a time', async () => {
    const all = await ok('DescribeLogGroups', { logGroupNamePrefix: '/aws/lambda/' });
    expect(all.logGroups.map((g: { logGroupName: string }) => g.logGroupName)).toEqual(['/aws/lambda/Alpha', '/aws/lambda/Zeta']);
    expect(all.logGroups[0]).toEqual({
      logGroupName: '/aws/lambda/Alpha',
      creationTime: expect.any(Number),
      metricFilterCount: 0,
      arn: 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/Alpha:*',
      logGroupArn: 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/Alpha',
      storedBytes: 27,
      logGroupClass: 'STANDARD',
    });
    expect(all.nextToken).toBeUndefined();
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ok('DescribeLogGroups', { limit: 1, nextToken });
      expect(page.logGroups).toHaveLength(1);
      names.push(page.logGroups[0].logGroupName);
      nextToken = page.nextToken;
    } while (nextToken);
    expect(names).toEqual([GROUP, '/aws/lambda/Alpha', '/aws/lambda/Zeta', '/aws/other'].sort());
    expect((await ok('DescribeLogGroups', { logGroupNamePattern: 'lambda/Z' })).logGroups).toHaveLength(1);
  });

  it('DescribeLogStreams orders by name or by last event time, either way, a page at a time', async () => {
    const byName = await ok('DescribeLogStreams', { logGroupName: GROUP });
    expect(byName.logStreams.map((s: { logStreamName: string }) => s.logStreamName)).toEqual([STREAM_A, STREAM_B]);
    expect(byName.logStreams[0]).toEqual({
      logStreamName: STREAM_A,
      creationTime: expect.any(Number),
      firstEventTimestamp: T0,
      lastEventTimestamp: T0 + 90,
      lastIngestionTime: expect.any(Number),
      arn: `arn:aws:logs:us-east-1:000000000000:log-group:${GROUP}:log-stream:${STREAM_A}`,
      storedBytes: 0,
    });
    const latestFirst = await ok('DescribeLogStreams', { logGroupIdentifier: `arn:aws:logs:us-east-1:000000000000:log-group:${GROUP}`, orderBy: 'LastEventTime', descending: true });
    expect(latestFirst.logStreams.map((s: { logStreamName: string }) => s.logStreamName)).toEqual([STREAM_B, STREAM_A]);
    const first = await ok('DescribeLogStreams', { logGroupName: GROUP, descending: true, limit: 1 });
    expect(first.logStreams[0].logStreamName).toBe(STREAM_B);
    const second = await ok('DescribeLogStreams', { logGroupName: GROUP, descending: true, limit: 1, nextToken: first.nextToken });
    expect(second.logStreams[0].logStreamName).toBe(STREAM_A);
    expect(second.nextToken).toBeUndefined();
    expect((await ok('DescribeLogStreams', { logGroupName: GROUP, logStreamNamePrefix: '2026/12/02/ListCompaniesFunction[2]' })).logStreams).toHaveLength(1);
  });

  it('answers the errors AWS names', async () => {
    await expect(call('DescribeLogStreams', { logGroupName: '/aws/lambda/Missing' })).resolves.toEqual({
      status: 400,
      body: { __type: 'ResourceNotFoundException', message: 'The specified log group does not exist.' },
    });
    await expect(call('GetLogEvents', { logGroupName: GROUP, logStreamName: 'missing' })).resolves.toMatchObject({ body: { __type: 'ResourceNotFoundException', message: 'The specified log stream does not exist.' } });
    await expect(call('DescribeLogStreams', { logGroupName: GROUP, orderBy: 'LastEventTime', logStreamNamePrefix: '2026' })).resolves.toMatchObject({
      status: 400,
      body: { __type: 'InvalidParameterException' },
    });
    await expect(call('DescribeLogStreams', { logGroupName: GROUP, logGroupIdentifier: GROUP })).resolves.toMatchObject({ body: { __type: 'InvalidParameterException' } });
    await expect(call('GetLogEvents', { logGroupName: GROUP, logStreamName: STREAM_A, nextToken: 'x/1' })).resolves.toMatchObject({ body: { __type: 'InvalidParameterException' } });
    await expect(call('DescribeLogGroups', { limit: 51 })).resolves.toMatchObject({ body: { __type: 'InvalidParameterException' } });
    await expect(call('DescribeLogGroups', { logGroupClass: 'INFREQUENT_ACCESS' })).resolves.toMatchObject({
      body: { __type: 'InvalidParameterException', message: 'logGroupClass is not supported by the local CloudWatch Logs' },
    });
    await expect(call('PutLogEvents', {})).resolves.toMatchObject({ body: { __type: 'UnknownOperationException' } });
    await expect(call('constructor', {})).resolves.toMatchObject({ body: { __type: 'UnknownOperationException' } });
  });

  it('GetLogEvents reads from the tail by default and from the head on request, oldest first either way', async () => {
    const tail = await ok('GetLogEvents', { logGroupName: GROUP, logStreamName: STREAM_A, limit: 3 });
    expect(tail.events.map((e: { timestamp: number }) => e.timestamp - T0)).toEqual([70, 80, 90]);
    expect(tail.events[0]).toEqual({ timestamp: T0 + 70, message: '{"type":"app","n":7}', ingestionTime: expect.any(Number) });
    const head = await ok('GetLogEvents', { logGroupName: GROUP, logStreamName: STREAM_A, limit: 3, startFromHead: true });
    expect(head.events.map((e: { timestamp: number }) => e.timestamp - T0)).toEqual([0, 10, 20]);
    expect(head.nextForwardToken).toMatch(/^f\/\d{56}$/);
    expect(head.nextBackwardToken).toMatch(/^b\/\d{56}$/);
  });

  it('GetLogEvents pages forward and backward with its tokens, and answers the same token at the end', async () => {
    const read = (input: Record<string, unknown>) => ok('GetLogEvents', { logGroupName: GROUP, logStreamName: STREAM_A, limit: 4, ...input });
    const forward: number[] = [];
    let token: string | undefined;
    for (;;) {
      const page = await read({ startFromHead: true, nextToken: token });
      forward.push(...page.events.map((e: { timestamp: number }) => e.timestamp - T0));
      if (page.nextForwardToken === token) break;
      token = page.nextForwardToken;
    }
    expect(forward).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    const end = await read({ startFromHead: true, nextToken: token });
    expect(end).toMatchObject({ events: [], nextForwardToken: token });

    const backward: number[] = [];
    token = undefined;
    for (;;) {
      const page = await read({ nextToken: token });
      backward.unshift(...page.events.map((e: { timestamp: number }) => e.timestamp - T0));
      if (page.nextBackwardToken === token) break;
      token = page.nextBackwardToken;
    }
    expect(backward).toEqual(forward);

  });

  it("GetLogEvents' forward token from the tail reads the events written after it", async () => {
    const read = (nextToken?: string) => ok('GetLogEvents', { logGroupName: '/aws/other', logStreamName: 's', startFromHead: true, nextToken });
    const tail = await ok('GetLogEvents', { logGroupName: '/aws/other', logStreamName: 's' });
    expect(tail.events.map((e: { message: string }) => e.message)).toEqual(['x']);
    expect((await read(tail.nextForwardToken)).events).toEqual([]);
    logs.append(record('s', T0 + 1, 'late', '/aws/other'));
    expect((await read(tail.nextForwardToken)).events.map((e: { message: string }) => e.message)).toEqual(['late']);
  });

  it('GetLogEvents takes startTime in and endTime out', async () => {
    const page = await ok('GetLogEvents', { logGroupName: GROUP, logStreamName: STREAM_A, startTime: T0 + 20, endTime: T0 + 50, startFromHead: true });
    expect(page.events.map((e: { timestamp: number }) => e.timestamp - T0)).toEqual([20, 30, 40]);
  });

  it('FilterLogEvents interleaves the streams by time and matches the pattern', async () => {
    const everything = await ok('FilterLogEvents', { logGroupName: GROUP, startTime: T0 + 80, endTime: T0 + 115 });
    expect(everything.events.map((e: { logStreamName: string; timestamp: number }) => [e.logStreamName === STREAM_A ? 'A' : 'B', e.timestamp - T0])).toEqual([
      ['A', 80],
      ['A', 90],
      ['B', 105],
      ['B', 115],
    ]);
    expect(everything.events[0]).toEqual({ logStreamName: STREAM_A, timestamp: T0 + 80, message: '{"type":"app","n":8}', ingestionTime: expect.any(Number), eventId: expect.stringMatching(/^\d{56}$/) });
    expect(everything.searchedLogStreams).toEqual([]);
    expect(everything.nextToken).toBeUndefined();
    const reports = await ok('FilterLogEvents', { logGroupName: GROUP, filterPattern: '{ $.type = "platform.report" }' });
    expect(reports.events.map((e: { message: string }) => JSON.parse(e.message).n)).toEqual([0, 3, 6, 9]);
    const plain = await ok('FilterLogEvents', { logGroupName: GROUP, filterPattern: '?plain ?app', logStreamNames: [STREAM_B] });
    expect(plain.events.map((e: { message: string }) => e.message)).toEqual(['plain 0', 'plain 1', 'plain 2']);
    const byPrefix = await ok('FilterLogEvents', { logGroupName: GROUP, logStreamNamePrefix: '2026/12/02/ListCompaniesFunction[1]', filterPattern: '?plain ?"\\"n\\":5"' });
    expect(byPrefix.events.map((e: { message: string }) => e.message)).toEqual(['{"type":"app","n":5}']);
  });

  it('FilterLogEvents pages with nextToken until it gives none', async () => {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await ok('FilterLogEvents', { logGroupName: GROUP, limit: 4, nextToken });
      expect(page.events.length).toBeLessThanOrEqual(4);
      ids.push(...page.events.map((e: { eventId: string }) => e.eventId));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(ids).toHaveLength(13);
    expect(new Set(ids).size).toBe(13);
  });

  it('FilterLogEvents refuses a pattern the local stage does not match, and both stream selectors at once', async () => {
    await expect(call('FilterLogEvents', { logGroupName: GROUP, filterPattern: '[ip, user]' })).resolves.toMatchObject({
      status: 400,
      body: { __type: 'InvalidParameterException', message: expect.stringContaining('space-delimited patterns ([field, …]) are not supported locally') },
    });
    await expect(call('FilterLogEvents', { logGroupName: GROUP, logStreamNames: [STREAM_A], logStreamNamePrefix: '2026' })).resolves.toMatchObject({
      body: { __type: 'InvalidParameterException' },
    });
  });

  it("DescribeSubscriptionFilters gives the group's filters with their function's ARN", async () => {
    const answer = await ok('DescribeSubscriptionFilters', { logGroupName: GROUP });
    expect(answer.subscriptionFilters).toEqual([
      { filterName: 'Everything', logGroupName: GROUP, filterPattern: '', destinationArn: functionArn('GuardFunction'), distribution: 'ByLogStream', creationTime: expect.any(Number) },
      {
        filterName: 'FailedInvocations',
        logGroupName: GROUP,
        filterPattern: '{ $.type = "platform.report" && $.record.status != "success" }',
        destinationArn: functionArn('GuardFunction'),
        distribution: 'ByLogStream',
        creationTime: expect.any(Number),
      },
    ]);
    expect((await ok('DescribeSubscriptionFilters', { logGroupName: GROUP, filterNamePrefix: 'Fail' })).subscriptionFilters).toHaveLength(1);
    expect((await ok('DescribeSubscriptionFilters', { logGroupName: '/aws/other' })).subscriptionFilters).toEqual([]);
  });
});
