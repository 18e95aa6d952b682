import type { LogEvent } from '../local/services/lambda/environment-log';
import type { FunctionVersion, InvokeResult } from '../local/services/lambda/function-runtime';
import { testBundle } from './support/test-bundle';

/**
 * Every way an invocation fails, as Lambda fails it: what the caller gets, the platform.report Lambda
 * writes (its status and error type), the runtime's own error line, and what becomes of the environment.
 * A handler's error leaves the environment as it was; an error nothing awaited, a runtime exit, memory over
 * MemorySize and a timeout reset it, so the next invocation starts cold: a new log stream, an init duration.
 */
const BUNDLE = `
const environmentId = Math.random().toString(36).slice(2);
exports.handler = (event) => {
  switch (event.kind) {
    case 'throw':
      throw new TypeError('bad input');
    case 'reject':
      return Promise.reject(new RangeError('out of range'));
    case 'uncaught':
      setTimeout(() => { throw new Error('thrown in a timer'); }, 1);
      return new Promise(() => {});
    case 'unhandled':
      Promise.reject(new Error('nobody awaits this'));
      return new Promise(() => {});
    case 'exit':
      process.exit(3);
    case 'memory': {
      const kept = [];
      for (let i = 0; ; i++) kept.push(new Array(4 << 20).fill(i));
    }
    case 'hang':
      return new Promise(() => {});
    default:
      return Promise.resolve({ environmentId });
  }
};
`;
const MEMORY_MB = 64;

const bundle = testBundle('company-canary-failures-', { 'failures.js': BUNDLE });
const events: LogEvent[] = [];

function failuresVersion(timeoutSeconds: number): FunctionVersion {
  return bundle.version(
    { functionName: `Failures${bundle.versions.length}`, handler: 'failures.handler', timeoutSeconds, memoryMb: MEMORY_MB, logging: { format: 'JSON' } },
    { onLogEvent: (event) => events.push(event) },
  );
}

let requests = 0;
async function invoke(version: FunctionVersion, kind: string) {
  const requestId = `${kind}-${++requests}`;
  return { requestId, result: await version.invoke({ kind }, requestId) };
}
const errorOf = (result: InvokeResult) => (result.ok ? undefined : result.error);

type Record = { time: string; type: string; record: { requestId?: string; status?: string; errorType?: string; metrics?: { [name: string]: number } } };
const platformRecords = (requestId: string) =>
  events.filter((event) => event.source === 'platform').map((event) => JSON.parse(event.message) as Record).filter((entry) => entry.record.requestId === requestId);
const reportOf = (requestId: string) => platformRecords(requestId).find((entry) => entry.type === 'platform.report')!.record;
const streamOf = (requestId: string) => events.find((event) => event.source === 'platform' && event.message.includes(`"requestId":"${requestId}"`))!.logStream;
const runtimeLinesOf = (requestId: string) =>
  events.filter((event) => event.source === 'runtime').map((event) => JSON.parse(event.message) as { level: string; requestId?: string; message: { errorType: string; errorMessage: string; stackTrace: string[] } }).filter((line) => line.requestId === requestId);

/** After a failure: a warm invocation in the same environment and log stream, or a cold one in a new environment. */
async function nextInvocationAfter(version: FunctionVersion, failedRequestId: string, firstEnvironment: string) {
  const { requestId, result } = await invoke(version, 'ok');
  const { environmentId } = JSON.parse((result as { payload: string }).payload) as { environmentId: string };
  return {
    sameEnvironment: environmentId === firstEnvironment,
    sameStream: streamOf(requestId) === streamOf(failedRequestId),
    initDurationMs: reportOf(requestId).metrics!.initDurationMs,
  };
}

async function warmVersion(timeoutSeconds = 10) {
  const version = failuresVersion(timeoutSeconds);
  const { result } = await invoke(version, 'ok');
  return { version, environmentId: (JSON.parse((result as { payload: string }).payload) as { environmentId: string }).environmentId };
}

describe.each([
  ['throw', 'TypeError', 'bad input'],
  ['reject', 'RangeError', 'out of range'],
])("a handler's error (%s)", (kind, errorType, errorMessage) => {
  it('is answered with its type and message, logged by the runtime, reported as a failure, and the environment goes on', async () => {
    const { version, environmentId } = await warmVersion();
    const { requestId, result } = await invoke(version, kind);
    expect(errorOf(result)).toMatchObject({ errorType, errorMessage });
    expect(errorOf(result)!.trace![0]).toBe(`${errorType}: ${errorMessage}`);
    expect(reportOf(requestId)).toMatchObject({ status: 'failure', errorType });
    expect(runtimeLinesOf(requestId)).toEqual([expect.objectContaining({ level: 'ERROR', message: expect.objectContaining({ errorType, errorMessage }) })]);
    expect(await nextInvocationAfter(version, requestId, environmentId)).toEqual({ sameEnvironment: true, sameStream: true, initDurationMs: undefined });
  });
});

describe('an error nothing awaited', () => {
  it('(an uncaught exception) is posted for the invocation, logged, reported as an error, and the environment reset', async () => {
    const { version, environmentId } = await warmVersion();
    const { requestId, result } = await invoke(version, 'uncaught');
    expect(errorOf(result)).toMatchObject({ errorType: 'Error', errorMessage: 'thrown in a timer' });
    expect(reportOf(requestId)).toMatchObject({ status: 'error', errorType: 'Error' });
    expect(runtimeLinesOf(requestId)).toEqual([expect.objectContaining({ level: 'ERROR', message: expect.objectContaining({ errorType: 'Error', errorMessage: 'thrown in a timer' }) })]);
    expect(await nextInvocationAfter(version, requestId, environmentId)).toEqual({ sameEnvironment: false, sameStream: false, initDurationMs: expect.any(Number) });
  });

  it('(an unhandled rejection) is posted as Runtime.UnhandledPromiseRejection, logged, reported as an error, and the environment reset', async () => {
    const { version, environmentId } = await warmVersion();
    const { requestId, result } = await invoke(version, 'unhandled');
    expect(errorOf(result)).toMatchObject({ errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: 'Error: nobody awaits this' });
    expect(reportOf(requestId)).toMatchObject({ status: 'error', errorType: 'Runtime.UnhandledPromiseRejection' });
    // In JSON format the runtime's line names the error's class, as its console does for any Error.
    expect(runtimeLinesOf(requestId)).toEqual([
      expect.objectContaining({ level: 'ERROR', message: expect.objectContaining({ errorType: 'UnhandledPromiseRejection', errorMessage: 'Error: nobody awaits this' }) }),
    ]);
    expect(await nextInvocationAfter(version, requestId, environmentId)).toEqual({ sameEnvironment: false, sameStream: false, initDurationMs: expect.any(Number) });
  });
});

it('answers process.exit() as a Runtime.ExitError at once, reports it, and resets the environment', async () => {
  const { version, environmentId } = await warmVersion();
  const started = Date.now();
  const { requestId, result } = await invoke(version, 'exit');
  expect(Date.now() - started).toBeLessThan(2000);
  expect(errorOf(result)).toEqual({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status 3` });
  expect(reportOf(requestId)).toMatchObject({ status: 'error', errorType: 'Runtime.ExitError' });
  expect(await nextInvocationAfter(version, requestId, environmentId)).toEqual({ sameEnvironment: false, sameStream: false, initDurationMs: expect.any(Number) });
});

it('answers memory over MemorySize as Runtime.OutOfMemory at once, reports the memory used up, and resets the environment', async () => {
  const { version, environmentId } = await warmVersion();
  const { requestId, result } = await invoke(version, 'memory');
  expect(errorOf(result)).toEqual({ errorType: 'Runtime.OutOfMemory', errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: signal: killed` });
  expect(reportOf(requestId)).toMatchObject({ status: 'error', errorType: 'Runtime.OutOfMemory', metrics: { memorySizeMB: MEMORY_MB, maxMemoryUsedMB: MEMORY_MB } });
  expect(await nextInvocationAfter(version, requestId, environmentId)).toEqual({ sameEnvironment: false, sameStream: false, initDurationMs: expect.any(Number) });
});

it('answers a timeout as Sandbox.Timedout, reports it as a timeout, and resets the environment', async () => {
  const { version, environmentId } = await warmVersion(1);
  const { requestId, result } = await invoke(version, 'hang');
  expect(errorOf(result)).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: Task timed out after 1.00 seconds` });
  expect(reportOf(requestId)).toMatchObject({ status: 'timeout', errorType: 'Sandbox.Timedout' });
  // The whole timeout, less the moment by which a timer may fire early.
  expect(reportOf(requestId).metrics!.durationMs).toBeGreaterThan(990);
  expect(await nextInvocationAfter(version, requestId, environmentId)).toEqual({ sameEnvironment: false, sameStream: false, initDurationMs: expect.any(Number) });
});

it('reports every invocation with its metrics, the first of an environment with its init duration', async () => {
  const { version } = await warmVersion();
  const { requestId } = await invoke(version, 'ok');
  const first = events.find((event) => event.logStream === streamOf(requestId) && event.message.includes('"platform.report"'))!;
  const { metrics } = (JSON.parse(first.message) as Record).record;
  expect(metrics).toEqual({ durationMs: expect.any(Number), billedDurationMs: Math.ceil(metrics!.durationMs!), memorySizeMB: MEMORY_MB, maxMemoryUsedMB: expect.any(Number), initDurationMs: expect.any(Number) });
  expect(metrics!.maxMemoryUsedMB).toBeGreaterThan(0);
  expect(reportOf(requestId)).toEqual({
    requestId,
    status: 'success',
    metrics: { durationMs: expect.any(Number), billedDurationMs: expect.any(Number), memorySizeMB: MEMORY_MB, maxMemoryUsedMB: expect.any(Number) },
  });
  expect(platformRecords(requestId).map((entry) => entry.type)).toEqual(['platform.start', 'platform.report']);
  expect(platformRecords(requestId)[0]!.record).toEqual({ requestId, version: '1' });
});
