import type { LogEvent } from '../local/services/lambda/environment-log';
import type { FunctionVersion } from '../local/services/lambda/function-runtime';
import type { FunctionLogging } from '../local/template/stage';
import { testBundle } from './support/test-bundle';

/**
 * The log records CloudWatch Logs holds for a function, as Lambda writes them: one log stream per
 * environment, named as Lambda names it; the console's lines as the Node.js runtime formats and filters them,
 * raw writes (Powertools) as written; Lambda's own records in JSON or Text format, at the system log level.
 * What the code writes still reaches onLog as the code wrote it.
 */
const BUNDLE = `
exports.handler = async (event, context) => {
  if (event.kind === 'write') {
    console.debug('debugging %d', 1);
    console.info('hello %s', 'world');
    console.warn({ careful: true });
    console.error(new Error('shown'));
    process.stdout.write('{"level":"INFO","message":"from Powertools"}\\n');
  }
  if (event.kind === 'throw') throw new TypeError('bad input');
  if (event.kind === 'exit') process.exit(7);
  return {
    logStreamName: context.logStreamName,
    logGroupName: context.logGroupName,
    variables: ['AWS_LAMBDA_LOG_FORMAT', 'AWS_LAMBDA_LOG_LEVEL', 'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME'].map((name) => process.env[name]),
  };
};
`;

const bundle = testBundle('company-canary-runtime-logs-', { 'logs.js': BUNDLE });
const events: LogEvent[] = [];
const lines: string[] = [];

function versionWith(logging: Partial<FunctionLogging>): FunctionVersion {
  return bundle.version(
    { functionName: `Logs${bundle.versions.length}`, handler: 'logs.handler', logging },
    { onLog: (_fn, line) => lines.push(line), onLogEvent: (event) => events.push(event) },
  );
}

let requests = 0;
async function invoke(version: FunctionVersion, kind?: string) {
  const requestId = `request-${++requests}`;
  const result = await version.invoke({ kind }, requestId);
  return { requestId, answer: result.ok ? (JSON.parse(result.payload) as { logStreamName: string; logGroupName: string; variables: string[] }) : undefined };
}
const ofFunction = (version: FunctionVersion) => events.filter((event) => event.functionName === version.spec.functionName);
const messages = (version: FunctionVersion, source?: LogEvent['source']) => ofFunction(version).filter((event) => !source || event.source === source).map((event) => event.message);
const types = (version: FunctionVersion) => messages(version, 'platform').map((message) => (JSON.parse(message) as { type: string }).type);

describe('log streams', () => {
  const today = () => new Date().toISOString().slice(0, 10).replaceAll('-', '/');

  it("are named YYYY/MM/DD/[version]<32 hex digits> in Lambda's own group, one per environment", async () => {
    const version = versionWith({});
    const { answer } = await invoke(version);
    const stream = ofFunction(version)[0]!.logStream;
    expect(stream).toMatch(new RegExp(`^${today()}/\\[1\\][0-9a-f]{32}$`));
    expect(new Set(ofFunction(version).map((event) => `${event.logGroup} ${event.logStream}`))).toEqual(new Set([`/aws/lambda/${version.spec.functionName} ${stream}`]));
    // The code sees its stream and group as Lambda sets them.
    expect(answer).toMatchObject({ logStreamName: stream, logGroupName: `/aws/lambda/${version.spec.functionName}` });
    expect(answer!.variables.slice(2)).toEqual([`/aws/lambda/${version.spec.functionName}`, stream]);
  });

  it('are named YYYY/MM/DD/<function name>[version]<32 hex digits> in a log group of the template', async () => {
    const version = versionWith({ logGroup: '/company-canary/functions', customLogGroup: true });
    await invoke(version);
    const [event] = ofFunction(version);
    expect(event).toMatchObject({ logGroup: '/company-canary/functions', logStream: expect.stringMatching(new RegExp(`^${today()}/${version.spec.functionName}\\[1\\][0-9a-f]{32}$`)) });
  });
});

describe('JSON format', () => {
  it("writes each console call as the runtime's JSON, raw writes as written, and hands the code's own text to onLog", async () => {
    const version = versionWith({ format: 'JSON', applicationLogLevel: 'DEBUG' });
    lines.length = 0;
    const { requestId } = await invoke(version, 'write');
    const written = messages(version, 'function').map((message) => JSON.parse(message) as Record<string, unknown>);
    expect(written).toEqual([
      { timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/), level: 'DEBUG', requestId, message: 'debugging 1' },
      { timestamp: expect.any(String), level: 'INFO', requestId, message: 'hello world' },
      { timestamp: expect.any(String), level: 'WARN', requestId, message: { careful: true } },
      { timestamp: expect.any(String), level: 'ERROR', requestId, message: { errorType: 'Error', errorMessage: 'shown', stackTrace: expect.arrayContaining(['Error: shown']) } },
      { level: 'INFO', message: 'from Powertools' },
    ]);
    expect(lines.slice(0, 3)).toEqual(['debugging 1', 'hello world', '{ careful: true }']);
    expect(lines.at(-1)).toBe('{"level":"INFO","message":"from Powertools"}');
  });

  it('drops console calls below the application log level and tells the code the level and format', async () => {
    const version = versionWith({ format: 'JSON', applicationLogLevel: 'WARN' });
    const { answer } = await invoke(version);
    expect(answer!.variables.slice(0, 2)).toEqual(['JSON', 'WARN']);
    await invoke(version, 'write');
    expect(messages(version, 'function').map((message) => (JSON.parse(message) as { level: string }).level)).toEqual(['WARN', 'ERROR', 'INFO']);
  });

  it('writes start and report at system log level INFO, every record at DEBUG, and only what did not succeed at WARN', async () => {
    const info = versionWith({ format: 'JSON', systemLogLevel: 'INFO' });
    const debug = versionWith({ format: 'JSON', systemLogLevel: 'DEBUG' });
    const warn = versionWith({ format: 'JSON', systemLogLevel: 'WARN' });
    for (const version of [info, debug, warn]) {
      await invoke(version);
      await invoke(version, 'throw');
    }
    expect(types(info)).toEqual(['platform.start', 'platform.report', 'platform.start', 'platform.runtimeDone', 'platform.report']);
    expect(types(debug)).toEqual([
      'platform.initStart',
      'platform.initRuntimeDone',
      'platform.initReport',
      'platform.start',
      'platform.runtimeDone',
      'platform.report',
      'platform.start',
      'platform.runtimeDone',
      'platform.report',
    ]);
    expect(messages(warn, 'platform').map((message) => JSON.parse(message) as { type: string; record: { status: string } })).toEqual([
      expect.objectContaining({ type: 'platform.runtimeDone', record: expect.objectContaining({ status: 'failure', errorType: 'TypeError' }) }),
      expect.objectContaining({ type: 'platform.report', record: expect.objectContaining({ status: 'failure', errorType: 'TypeError' }) }),
    ]);
  });
});

describe('Text format', () => {
  it("writes START, the console's lines, END and REPORT, filtering nothing", async () => {
    const version = versionWith({ format: 'Text', applicationLogLevel: 'ERROR', systemLogLevel: 'WARN' });
    const { requestId, answer } = await invoke(version, 'write');
    // Lambda sets no log level where it filters nothing (JSON turns the unset level into null).
    expect(answer!.variables.slice(0, 2)).toEqual(['Text', null]);
    const time = '\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z';
    expect(messages(version)).toEqual([
      `START RequestId: ${requestId} Version: 1`,
      expect.stringMatching(new RegExp(`^${time}\\t${requestId}\\tDEBUG\\tdebugging 1$`)),
      expect.stringMatching(new RegExp(`^${time}\\t${requestId}\\tINFO\\thello world$`)),
      expect.stringMatching(new RegExp(`^${time}\\t${requestId}\\tWARN\\t\\{ careful: true \\}$`)),
      expect.stringMatching(new RegExp(`^${time}\\t${requestId}\\tERROR\\tError: shown\\n    at `)),
      '{"level":"INFO","message":"from Powertools"}',
      `END RequestId: ${requestId}`,
      expect.stringMatching(
        new RegExp(`^REPORT RequestId: ${requestId}\\tDuration: \\d+\\.\\d\\d ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB\\tInit Duration: \\d+\\.\\d\\d ms$`),
      ),
    ]);
  });

  it("writes a handler's error as the runtime's Invoke Error line, and names the status on REPORT only when the environment ended", async () => {
    const version = versionWith({ format: 'Text' });
    await invoke(version);
    const thrown = await invoke(version, 'throw');
    const exited = await invoke(version, 'exit');
    const all = messages(version);
    expect(all.filter((message) => message.includes('\tERROR\t'))).toEqual([
      expect.stringMatching(new RegExp(`\\t${thrown.requestId}\\tERROR\\tInvoke Error \\t\\{"errorType":"TypeError","errorMessage":"bad input","stack":\\["TypeError: bad input",`)),
    ]);
    const report = (requestId: string) => all.find((message) => message.startsWith(`REPORT RequestId: ${requestId}\t`))!;
    expect(report(thrown.requestId)).toMatch(/\tMax Memory Used: \d+ MB$/);
    expect(report(exited.requestId)).toMatch(/\tMax Memory Used: \d+ MB\tStatus: error\tError Type: Runtime\.ExitError$/);
    expect(all).toContain(`END RequestId: ${exited.requestId}`);
  });
});
