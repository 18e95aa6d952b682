import type { LogEvent } from '../local/services/lambda/environment-log';
import type { FunctionVersion } from '../local/services/lambda/function-runtime';
import type { FunctionLogging } from '../local/template/stage';
import { testBundle } from './support/test-bundle';

/**
 * An init that fails, as the Node.js runtime classifies it and Lambda reports it: the invocation gets the
 * init's error; Lambda's INIT_REPORT (platform.initReport) says the init failed and why; the report of the
 * invocation says error with the same type; the environment is thrown away and the next invocation
 * initialises a new one, in a new log stream.
 */
const BUNDLES: Record<string, string> = {
  'throws.js': "throw new Error('no configuration');\nexports.handler = async () => 'never';\n",
  'syntax.js': 'exports.handler = async (event => event;\n',
  'needs.js': "require('./not-there');\nexports.handler = async () => 'never';\n",
  'ok.js': 'exports.handler = async () => "ok";\nexports.count = 42;\n',
  'exits.js': 'process.exit(2);\n',
  // A slow load: the module spins for SLOW_INIT_MS (its environment's variable) before it exports its handler.
  'slow.js': 'const until = Date.now() + Number(process.env.SLOW_INIT_MS);\nwhile (Date.now() < until);\nexports.handler = async () => "loaded";\n',
};

const bundle = testBundle('company-canary-init-', BUNDLES);
const events: LogEvent[] = [];

function versionOf(handler: string, logging: Partial<FunctionLogging> = { format: 'JSON' }): FunctionVersion {
  return bundle.version({ functionName: `Init${bundle.versions.length}`, handler, logging }, { onLogEvent: (event) => events.push(event) });
}

const inStream = (stream: string) => events.filter((event) => event.logStream === stream);
const streamOf = (requestId: string) => events.find((event) => event.message.includes(requestId))!.logStream;
const parsed = (event: LogEvent) => JSON.parse(event.message) as { type?: string; level?: string; requestId?: string; record?: Record<string, unknown>; message?: unknown };

it.each([
  ['a module that throws while loading', 'throws.handler', 'Error', /^no configuration$/],
  ['a module that does not parse', 'syntax.handler', 'Runtime.UserCodeSyntaxError', /^SyntaxError: /],
  ['a module that needs one that is not there', 'needs.handler', 'Runtime.ImportModuleError', /^Error: Cannot find module '\.\/not-there'/],
  ['a module that is not there', 'missing.handler', 'Runtime.ImportModuleError', /^Error: Cannot find module /],
  ['a handler the module does not export', 'ok.nothing', 'Runtime.HandlerNotFound', /^ok\.nothing is undefined or not exported$/],
  ['an export that is not a function', 'ok.count', 'Runtime.HandlerNotFound', /^ok\.count is not a function$/],
  ['a handler name without a dot', 'ok', 'Runtime.MalformedHandlerName', /^Bad handler$/],
])('fails the invocation with %s, reports the failed init, and initialises a new environment next', async (_case, handler, errorType, message) => {
  const version = versionOf(handler);
  const first = await version.invoke({}, `${handler}-1`);
  expect(first).toMatchObject({ ok: false, error: { errorType, errorMessage: expect.stringMatching(message) } });

  const stream = inStream(streamOf(`${handler}-1`)).map(parsed);
  // The runtime logs the error it could not load past, before any invocation: no request id.
  expect(stream.find((line) => line.level === 'ERROR')).toEqual({ timestamp: expect.any(String), level: 'ERROR', message: expect.objectContaining({ errorMessage: expect.stringMatching(message) }) });
  expect(stream.filter((line) => line.type).map(({ type, record }) => [type, record!.status, record!.errorType])).toEqual([
    ['platform.initRuntimeDone', 'error', errorType],
    ['platform.initReport', 'error', errorType],
    ['platform.start', undefined, undefined],
    ['platform.runtimeDone', 'error', errorType],
    ['platform.report', 'error', errorType],
  ]);
  expect(stream.find((line) => line.type === 'platform.report')!.record!.metrics).toMatchObject({ initDurationMs: expect.any(Number) });

  await version.invoke({}, `${handler}-2`);
  expect(streamOf(`${handler}-2`)).not.toBe(streamOf(`${handler}-1`));
});

it('fails the invocation with Runtime.ExitError when the code exits during init', async () => {
  const version = versionOf('exits.handler');
  const result = await version.invoke({}, 'exits-1');
  expect(result).toEqual({ ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: 'RequestId: exits-1 Error: Runtime exited with error: exit status 2' } });
  const initReport = inStream(streamOf('exits-1')).map(parsed).find((line) => line.type === 'platform.initReport');
  expect(initReport!.record).toMatchObject({ phase: 'init', status: 'error', errorType: 'Runtime.ExitError', metrics: { durationMs: expect.any(Number) } });
});

it('writes INIT_REPORT in Text format, then the invocation START, END and REPORT with its status', async () => {
  const version = versionOf('ok.nothing', { format: 'Text' });
  await version.invoke({}, 'text-init');
  const lines = inStream(streamOf('text-init')).map((event) => event.message);
  expect(lines).toEqual([
    expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z\tundefined\tERROR\tUncaught Exception \t\{"errorType":"Runtime\.HandlerNotFound","errorMessage":"ok\.nothing is undefined or not exported","stack":\["Runtime\.HandlerNotFound: ok\.nothing/),
    expect.stringMatching(/^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: error\tError Type: Runtime\.HandlerNotFound$/),
    'START RequestId: text-init Version: 1',
    'END RequestId: text-init',
    expect.stringMatching(
      /^REPORT RequestId: text-init\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\tStatus: error\tError Type: Runtime\.HandlerNotFound$/,
    ),
  ]);
});

describe('an init that takes long', () => {
  const slowVersion = (initMs: number) =>
    bundle.version(
      { functionName: `Slow${bundle.versions.length}`, handler: 'slow.handler', timeoutSeconds: 1, environment: { SLOW_INIT_MS: String(initMs) }, logging: { format: 'JSON' } },
      { onLogEvent: (event) => events.push(event) },
    );

  it('does not use up the invocation\'s timeout: the function runs its full timeout after a 1.5 s init', async () => {
    const started = Date.now();
    expect(await slowVersion(1_500).invoke({}, 'slow-init')).toEqual({ ok: true, payload: '"loaded"' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    const report = inStream(streamOf('slow-init')).map(parsed).find((line) => line.type === 'platform.report')!;
    expect(report.record).toMatchObject({ status: 'success', metrics: { initDurationMs: expect.any(Number) } });
    expect((report.record!.metrics as { initDurationMs: number }).initDurationMs).toBeGreaterThanOrEqual(1_500);
  });

  it('past Lambda\'s 10 s for an init, goes on under the function\'s timeout, and times out at it', async () => {
    const started = Date.now();
    const result = await slowVersion(15_000).invoke({}, 'endless-init');
    const took = Date.now() - started;
    expect(result).toMatchObject({ ok: false, error: { errorType: 'Sandbox.Timedout' } });
    expect(took).toBeGreaterThanOrEqual(11_000);
    expect(took).toBeLessThan(13_000);
  }, 20_000);
});
