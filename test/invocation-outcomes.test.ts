import { gzipSync } from 'node:zlib';
import { outcomeDatums } from '../guard/outcomes/outcome-metrics';
import { decodePayload, type LogsPayload, outcomesOf, streamOwner } from '../guard/outcomes/platform-records';
import { functionNamed, logLine } from './support/hook-runs';
import { startTestStage } from './support/local-parts';

/**
 * The guard's view from outside a function's code: Lambda's platform records, as a CloudWatch Logs subscription
 * delivers them, turned into per-version invocations, failures and timeouts. The classifier alone, then the
 * built InvocationOutcomesFunction on a local stage, publishing through the local CloudWatch's PutMetricData.
 */
const STREAM = '2026/12/02/GetCompanyFunction[7]0123456789abcdef0123456789abcdef';

const report = (requestId: string, status: string, errorType?: string, time = '2026-12-02T10:00:00.250Z') =>
  JSON.stringify({ time, type: 'platform.report', record: { requestId, status, ...(errorType && { errorType }), metrics: { durationMs: 12.5, billedDurationMs: 13, memorySizeMB: 512, maxMemoryUsedMB: 90 } } });

const payload = (messages: string[], stream = STREAM, messageType = 'DATA_MESSAGE'): LogsPayload => ({
  messageType,
  logGroup: 'company-canary-GetCompanyLogGroup-AbC',
  logStream: stream,
  logEvents: messages.map((message, i) => ({ id: String(38_000_000_000_000_000_000_000_000_000_000 + i), timestamp: Date.parse('2026-12-02T10:00:00Z'), message })),
});
const encode = (body: LogsPayload) => ({ awslogs: { data: gzipSync(Buffer.from(JSON.stringify(body))).toString('base64') } });

describe('reading platform records', () => {
  it("finds the function and version in the stream's name, for a group of the template's own and for Lambda's own", () => {
    expect(streamOwner('any-group', STREAM)).toEqual({ functionName: 'GetCompanyFunction', version: '7' });
    expect(streamOwner('/aws/lambda/GetCompanyFunction', '2026/12/02/[$LATEST]0123456789abcdef0123456789abcdef')).toEqual({ functionName: 'GetCompanyFunction', version: '$LATEST' });
    expect(streamOwner('any-group', '2026/12/02/[7]0123456789abcdef0123456789abcdef')).toBeUndefined();
    expect(streamOwner('any-group', 'not a lambda stream')).toBeUndefined();
  });

  it('names each way an invocation ends, and counts only reports', () => {
    const outcomes = outcomesOf(
      payload([
        JSON.stringify({ time: '2026-12-02T10:00:00.100Z', type: 'platform.start', record: { requestId: 'a', version: '7' } }),
        report('a', 'success'),
        report('b', 'failure', 'Error'),
        report('c', 'error', 'Runtime.ExitError'),
        report('d', 'timeout'),
        report('e', 'error', 'Runtime.OutOfMemory'),
        report('f', 'error', 'Runtime.ImportModuleError'),
        report('g', 'error', 'Runtime.UnhandledPromiseRejection'),
        JSON.stringify({ time: '2026-12-02T10:00:00.200Z', type: 'platform.initReport', record: { initializationType: 'on-demand', phase: 'invoke', status: 'error', errorType: 'Error' } }),
        report('h', 'error', 'Error'),
        report('i', 'error', 'Error'),
        '{"level":"INFO","message":"a line of the function\'s own"}',
        'START RequestId: z Version: 7',
      ]),
    );
    expect(outcomes.map((o) => [o.requestId, o.kind])).toEqual([
      ['a', 'success'],
      ['b', 'function-error'],
      ['c', 'runtime-exit'],
      ['d', 'timeout'],
      ['e', 'out-of-memory'],
      ['f', 'init-failure'],
      ['g', 'unhandled-error'],
      // A module that throws while loading reports its own error type; the failed init before it says which it is.
      ['h', 'init-failure'],
      ['i', 'unhandled-error'],
    ]);
    expect(outcomes[0]).toMatchObject({ functionName: 'GetCompanyFunction', version: '7', at: Date.parse('2026-12-02T10:00:00.250Z'), durationMs: 12.5 });
  });

  it("reads nothing from a control message, nor from a stream Lambda did not name", () => {
    expect(outcomesOf(payload([report('a', 'success')], STREAM, 'CONTROL_MESSAGE'))).toEqual([]);
    expect(outcomesOf(payload([report('a', 'success')], 'some/other/stream'))).toEqual([]);
  });

  it('decodes the payload CloudWatch Logs sends: base64 of gzip of JSON', () => {
    const body = payload([report('a', 'success')]);
    expect(decodePayload(encode(body).awslogs.data)).toEqual(body);
  });

  it('counts per version and second, with zeros where nothing failed', () => {
    const outcomes = outcomesOf(
      payload([report('a', 'success', undefined, '2026-12-02T10:00:00.100Z'), report('b', 'timeout', undefined, '2026-12-02T10:00:00.900Z'), report('c', 'success', undefined, '2026-12-02T10:00:01.100Z')]),
    );
    const datums = outcomeDatums(outcomes).map((d) => [d.MetricName, d.Timestamp!.toISOString(), d.Value, d.StorageResolution]);
    expect(datums).toEqual([
      ['Invocations', '2026-12-02T10:00:00.000Z', 2, 1],
      ['FailedInvocations', '2026-12-02T10:00:00.000Z', 1, 1],
      ['TimedOutInvocations', '2026-12-02T10:00:00.000Z', 1, 1],
      ['Invocations', '2026-12-02T10:00:01.000Z', 1, 1],
      ['FailedInvocations', '2026-12-02T10:00:01.000Z', 0, 1],
      ['TimedOutInvocations', '2026-12-02T10:00:01.000Z', 0, 1],
    ]);
  });
});

describe('InvocationOutcomesFunction on a local stage', () => {
  let stage: Awaited<ReturnType<typeof startTestStage>>;
  const logs: string[] = [];
  beforeAll(async () => {
    stage = await startTestStage('outcomes', { onLog: (_fn, line) => logs.push(line) });
  });
  afterAll(() => stage.stop());

  const sum = (name: string, from: number, to: number) =>
    stage.metrics.statistic({ namespace: 'CompanyCanary', name, dimensions: { FunctionName: 'GetCompanyFunction', ExecutedVersion: '7' }, from, to, statistic: 'Sum' });

  it('publishes what the records say through PutMetricData, at 1-second resolution, and names the failures it saw', async () => {
    const now = Date.now();
    const at = (ms: number) => new Date(now - 3_000 + ms).toISOString();
    const delivered = encode(payload([report('ok-1', 'success', undefined, at(0)), report('crash-1', 'error', 'Runtime.ExitError', at(100)), report('hang-1', 'timeout', undefined, at(200))]));
    const { result } = await stage.lambda.invoke(functionNamed(stage, 'InvocationOutcomesFunction').functionName, delivered);
    expect(result.ok).toBe(true);
    expect([sum('Invocations', now - 10_000, now + 1), sum('FailedInvocations', now - 10_000, now + 1), sum('TimedOutInvocations', now - 10_000, now + 1)]).toEqual([3, 2, 1]);
    expect(stage.metrics.storageResolution({ namespace: 'CompanyCanary', name: 'FailedInvocations', dimensions: { FunctionName: 'GetCompanyFunction', ExecutedVersion: '7' } })).toBe(1);
    const line = await logLine(logs, (entry) => entry.message === 'invocations failed');
    expect(line).toMatchObject({ functionName: 'GetCompanyFunction', versions: ['7'], invocations: 3, failures: { 'runtime-exit': 1, timeout: 1 } });
    expect(line.examples.map((e: { requestId: string }) => e.requestId)).toEqual(['crash-1', 'hang-1']);
  });

  it('logs a payload it cannot read and publishes nothing, without failing (a retry would fail the same way)', async () => {
    const sums = () => ['Invocations', 'FailedInvocations', 'TimedOutInvocations'].map((name) => sum(name, Date.now() - 60_000, Date.now() + 1));
    const before = sums();
    const { result } = await stage.lambda.invoke(functionNamed(stage, 'InvocationOutcomesFunction').functionName, { awslogs: { data: 'bm90IGd6aXA=' } });
    expect(result.ok).toBe(true);
    expect(await logLine(logs, (entry) => entry.message === 'not a CloudWatch Logs subscription payload: nothing published')).toBeDefined();
    expect(sums()).toEqual(before);
  });
});
