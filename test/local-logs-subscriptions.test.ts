import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LocalLambda } from '../local/services/lambda/local-lambda';
import { LocalCloudWatchLogs } from '../local/services/logs/local-cloudwatch-logs';
import { ROOT } from '../local/template/cloudformation';
import { type FunctionSpec, lambdaDefaultLogging, type SubscriptionFilterSpec } from '../local/template/stage';

/**
 * Subscription filters delivered to a real local Lambda function: CloudWatch Logs' payload, one batch per log
 * stream per filter, matching events only, after the delivery delay and not before, nothing after stop().
 * The function decodes what it is sent (base64, gunzip, JSON) and writes it to stdout, as a subscriber would.
 */

const SUBSCRIBER = `
const { gunzipSync } = require('node:zlib');
exports.handler = async (event) => {
  const data = JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8'));
  const logEvents = data.logEvents.map((e) => ({ ...e, message: e.message.length > 1000 ? e.message.length + ' characters' : e.message }));
  console.log('RECEIVED ' + JSON.stringify({ at: Date.now(), eventKeys: Object.keys(event), awslogsKeys: Object.keys(event.awslogs), data: { ...data, logEvents } }));
  return logEvents.length;
};
`;

const GROUP = '/aws/company-canary/GetCompany';
const STREAM_A = '2026/12/02/GetCompanyFunction[1]aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const STREAM_B = '2026/12/02/GetCompanyFunction[2]bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const REPORTS = '{ $.type = "platform.report" }';

interface Received {
  at: number;
  eventKeys: string[];
  awslogsKeys: string[];
  data: { messageType: string; owner: string; logGroup: string; logStream: string; subscriptionFilters: string[]; logEvents: Array<{ id: string; timestamp: number; message: string }> };
}

let dir: string;
let lambda: LocalLambda;
let received: Received[] = [];
const services: LocalCloudWatchLogs[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms; received: ${JSON.stringify(received)}`);
    await sleep(10);
  }
}

const filter = (name: string, filterPattern: string, destination = 'Subscriber'): SubscriptionFilterSpec => ({ logicalId: `${name}Filter`, name, logGroup: GROUP, filterPattern, destination });

function subscribedLogs(filters: SubscriptionFilterSpec[], deliveryDelayMs: () => number, onDeliveryError?: (message: string) => void): LocalCloudWatchLogs {
  const logs = new LocalCloudWatchLogs(
    { logGroups: [{ logicalId: 'GetCompanyLogGroup', name: GROUP }], subscriptionFilters: filters },
    { deliver: (functionName, payload) => lambda.invoke(functionName, payload), deliveryDelayMs, onDeliveryError },
  );
  services.push(logs);
  return logs;
}

const report = (n: number, status = 'error') => JSON.stringify({ time: new Date().toISOString(), type: 'platform.report', record: { requestId: `r-${n}`, status, errorType: 'Runtime.ExitError' } });
const write = (logs: LocalCloudWatchLogs, logStream: string, message: string) => logs.append({ logGroup: GROUP, logStream, timestamp: Date.now(), message });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'company-canary-subscriber-'));
  writeFileSync(join(dir, 'subscriber.js'), SUBSCRIBER);
  const spec: FunctionSpec = {
    logicalId: 'Subscriber',
    functionName: 'Subscriber',
    handler: 'subscriber.handler',
    bundleDir: dir,
    timeoutSeconds: 10,
    memoryMb: 256,
    environment: {},
    logging: lambdaDefaultLogging('Subscriber'),
  };
  lambda = new LocalLambda([spec], {
    environment: () => ({}),
    maxConcurrency: 1,
    onLog: (_functionName, line) => {
      if (line.includes('RECEIVED ')) received.push(JSON.parse(line.slice(line.indexOf('RECEIVED ') + 'RECEIVED '.length)));
    },
  });
  // A warm environment, so that a delivery's time is the delay's and not a cold start's.
  const warm = subscribedLogs([filter('Warm', '')], () => 0);
  write(warm, STREAM_A, 'warm up');
  await until(() => received.length === 1);
});
beforeEach(() => {
  received = [];
});
afterEach(() => services.forEach((logs) => logs.stop()));
afterAll(async () => {
  await lambda.stop();
  rmSync(dir, { recursive: true, force: true });
});

it("delivers a stream's matching events in CloudWatch Logs' payload once the delay after the first has passed", async () => {
  const logs = subscribedLogs([filter('FailedReports', REPORTS)], () => 500);
  const first = Date.now();
  write(logs, STREAM_A, report(1));
  write(logs, STREAM_A, 'START RequestId: r-2 Version: 1');
  await sleep(150);
  write(logs, STREAM_A, '{"type":"platform.start","record":{"requestId":"r-2"}}');
  write(logs, STREAM_A, report(2));
  await sleep(250);
  expect(received).toEqual([]);
  await until(() => received.length === 1);
  await sleep(300);

  expect(received).toHaveLength(1);
  const [delivery] = received as [Received];
  expect(delivery.at - first).toBeGreaterThanOrEqual(500);
  expect(delivery.at - first).toBeLessThan(1_500);
  expect(delivery.eventKeys).toEqual(['awslogs']);
  expect(delivery.awslogsKeys).toEqual(['data']);
  const stored = logs.store.events(logs.store.group(GROUP)!.streams.get(STREAM_A)!).filter((e) => e.message.includes('platform.report'));
  expect(delivery.data).toEqual({
    messageType: 'DATA_MESSAGE',
    owner: '000000000000',
    logGroup: GROUP,
    logStream: STREAM_A,
    subscriptionFilters: ['FailedReports'],
    logEvents: stored.map((e) => ({ id: e.id, timestamp: e.timestamp, message: e.message })),
  });
  expect(delivery.data.logEvents.map((e) => JSON.parse(e.message).record.requestId)).toEqual(['r-1', 'r-2']);
  for (const { id } of delivery.data.logEvents) expect(id).toMatch(/^\d{56}$/);
});

it('delivers one batch per log stream, each naming its stream and holding only its events', async () => {
  const logs = subscribedLogs([filter('FailedReports', REPORTS)], () => 300);
  write(logs, STREAM_A, report(1));
  write(logs, STREAM_B, report(2));
  write(logs, STREAM_A, report(3));
  write(logs, STREAM_B, report(4));
  await until(() => received.length === 2);
  await sleep(300);
  expect(received).toHaveLength(2);
  const byStream = Object.fromEntries(received.map((r) => [r.data.logStream, r.data.logEvents.map((e) => JSON.parse(e.message).record.requestId)]));
  expect(byStream).toEqual({ [STREAM_A]: ['r-1', 'r-3'], [STREAM_B]: ['r-2', 'r-4'] });
});

it("delivers for each of a group's two filters on its own, with that filter's name and matching events only", async () => {
  const logs = subscribedLogs([filter('FailedReports', '{ $.type = "platform.report" && $.record.status != "success" }'), filter('Errors', 'ERROR')], () => 200);
  write(logs, STREAM_A, report(1, 'success'));
  write(logs, STREAM_A, report(2, 'failure'));
  write(logs, STREAM_A, '2026-12-02T10:00:00.000Z\tr-3\tERROR\tInvoke Error');
  write(logs, STREAM_A, 'INFO nothing to see');
  await until(() => received.length === 2);
  await sleep(300);
  expect(received).toHaveLength(2);
  const byFilter = Object.fromEntries(received.map((r) => [r.data.subscriptionFilters.join(), r.data.logEvents.map((e) => e.message)]));
  expect(byFilter).toEqual({ FailedReports: [expect.stringContaining('"requestId":"r-2"')], Errors: [expect.stringContaining('\tr-3\tERROR')] });
});

it('opens the next batch with the next matching event, at the delay then in force', async () => {
  let delayMs = 200;
  const logs = subscribedLogs([filter('FailedReports', REPORTS)], () => delayMs);
  write(logs, STREAM_A, report(1));
  await until(() => received.length === 1);
  delayMs = 700;
  const second = Date.now();
  write(logs, STREAM_A, report(2));
  await sleep(500);
  expect(received).toHaveLength(1);
  await until(() => received.length === 2);
  expect(received[1]!.at - second).toBeGreaterThanOrEqual(700);
  expect(received.map((r) => r.data.logEvents.map((e) => JSON.parse(e.message).record.requestId))).toEqual([['r-1'], ['r-2']]);
});

it('closes a batch at 10,000 events or 1,048,576 bytes, and delivers each at its own time', async () => {
  const logs = subscribedLogs([filter('Everything', '')], () => 300);
  for (let i = 0; i < 10_001; i++) write(logs, STREAM_A, `event ${i}`);
  // 400,000 characters + 26 bytes each: two fit in 1,048,576 bytes, a third does not.
  for (const letter of ['x', 'y', 'z']) write(logs, STREAM_B, letter.repeat(400_000));
  await until(() => received.length === 4, 10_000);
  const sizes = Object.fromEntries(['A', 'B'].map((s) => [s, received.filter((r) => r.data.logStream === (s === 'A' ? STREAM_A : STREAM_B)).map((r) => r.data.logEvents.length)]));
  expect(sizes).toEqual({ A: [10_000, 1], B: [2, 1] });
}, 20_000);

it('delivers nothing after stop(), neither what was waiting nor what comes later', async () => {
  const logs = subscribedLogs([filter('FailedReports', REPORTS)], () => 300);
  write(logs, STREAM_A, report(1));
  await sleep(100);
  logs.stop();
  write(logs, STREAM_A, report(2));
  await sleep(600);
  expect(received).toEqual([]);
  // Stopped delivers nothing, but what was written is still there to read.
  expect(logs.store.retainedCount(logs.store.group(GROUP)!)).toBe(2);
});

it('reports a delivery that fails through its error callback, without throwing', async () => {
  const errors: string[] = [];
  const logs = subscribedLogs([filter('ToNowhere', '', 'MissingFunction')], () => 50, (message) => errors.push(message));
  write(logs, STREAM_A, 'anything');
  await until(() => errors.length === 1);
  expect(errors[0]).toBe(
    `CloudWatch Logs could not deliver 1 event of ${GROUP} ${STREAM_A} to MissingFunction (subscription filter ToNowhere): Function not found: MissingFunction`,
  );
});

it('does not keep the process alive while a batch waits for its delivery', async () => {
  const script = `
    const { LocalCloudWatchLogs } = require('./local/services/logs/local-cloudwatch-logs');
    const logs = new LocalCloudWatchLogs(
      { logGroups: [], subscriptionFilters: [{ logicalId: 'F', name: 'F', logGroup: 'g', filterPattern: '', destination: 'Fn' }] },
      { deliver: async () => console.log('delivered'), deliveryDelayMs: () => 60000 },
    );
    logs.append({ logGroup: 'g', logStream: 's', timestamp: Date.now(), message: 'waiting' });
    console.log('appended');
  `;
  const started = Date.now();
  const { stdout } = await promisify(execFile)(join(ROOT, 'node_modules', '.bin', 'tsx'), ['-e', script], { cwd: ROOT, timeout: 30_000 });
  expect(stdout.trim()).toBe('appended');
  // A timer that held the process would keep it for the whole 60-second delay.
  expect(Date.now() - started).toBeLessThan(20_000);
}, 40_000);
