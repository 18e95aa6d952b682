import { type InvokeCommandOutput, InvokeCommand, LambdaClient, type LogType } from '@aws-sdk/client-lambda';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newStageCredentials } from '../local/credentials';
import { listenOnLoopback } from '../local/net';
import type { LogEvent } from '../local/services/lambda/environment-log';
import { createLambdaApiServer } from '../local/services/lambda/lambda-api';
import { LocalLambda } from '../local/services/lambda/local-lambda';
import { LOG_TAIL_BYTES, logTail } from '../local/services/lambda/log-tail';
import { LOCAL_REGION } from '../local/template/cloudformation';
import { type FunctionLogging, lambdaDefaultLogging } from '../local/template/stage';
import { awsCli, describeWithTool } from './support/aws-cli';

/**
 * Invoke with LogType Tail answers as Lambda's does, through the real SDK client and the AWS CLI: X-Amz-Log-Result
 * holds the end of this invocation's log, base64-encoded, as its log stream holds it (JSON records under
 * LogFormat JSON, which template.yaml sets; START, END and REPORT lines in Text), no other invocation's, cut to
 * the last 4 KB on a whole character; no LogResult without Tail, and a LogType Lambda does not take is refused.
 */
const BUNDLE = `
exports.handler = async (event) => {
  if (event.say) console.info(event.say);
  for (let i = 0; i < (event.lines ?? 0); i++) console.info('line ' + i + ' ' + 'é'.repeat(40));
  if (event.throws) throw new TypeError(event.throws);
  return 'done';
};
`;
const JSON_FUNCTION = 'JsonTailFunction';
const TEXT_FUNCTION = 'TextTailFunction';

let dir: string;
let lambda: LocalLambda;
let server: Server;
let endpoint: string;
let client: LambdaClient;
const credentials = newStageCredentials();
const events: LogEvent[] = [];

function spec(functionName: string, logging: Partial<FunctionLogging>) {
  const defaults = { handler: 'tail.handler', bundleDir: dir, timeoutSeconds: 5, memoryMb: 128, environment: {} };
  return { logicalId: functionName, functionName, ...defaults, logging: { ...lambdaDefaultLogging(functionName), ...logging } };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'company-canary-log-tail-'));
  writeFileSync(join(dir, 'tail.js'), BUNDLE);
  // One environment per function, so that invocations at once share it, one after the other, as Lambda's would.
  lambda = new LocalLambda([spec(JSON_FUNCTION, { format: 'JSON' }), spec(TEXT_FUNCTION, { format: 'Text' })], {
    environment: () => ({}),
    onLogEvent: (event) => events.push(event),
    maxConcurrency: 1,
  });
  server = createLambdaApiServer(lambda, credentials);
  endpoint = await listenOnLoopback(server);
  client = new LambdaClient({ region: LOCAL_REGION, credentials, endpoint, maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
  await lambda.stop();
  rmSync(dir, { recursive: true, force: true });
});

const invoke = (FunctionName: string, event: Record<string, unknown>, LogType?: LogType) =>
  client.send(new InvokeCommand({ FunctionName, LogType, Payload: Buffer.from(JSON.stringify(event)) }));
const decoded = (answer: InvokeCommandOutput) => Buffer.from(answer.LogResult!, 'base64').toString('utf8');
const linesOf = (tail: string) => tail.split('\n').slice(0, -1);

const isRecordOf = (requestId: string) => (event: LogEvent) => event.source === 'platform' && event.message.includes(requestId);
const logStreamOf = (requestId: string) => events.find(isRecordOf(requestId))!.logStream;

/** What the invocation's log stream holds from its START to its REPORT: Lambda's records with its request id, and what lies between. */
function streamOfInvocation(requestId: string): string[] {
  const first = events.findIndex(isRecordOf(requestId));
  const last = events.findLastIndex(isRecordOf(requestId));
  return events.slice(first, last + 1).filter((event) => event.logStream === logStreamOf(requestId)).map((event) => event.message);
}

type JsonLine = { requestId?: string; message?: string; type?: string; record?: { requestId?: string; status?: string; errorType?: string } };
const jsonLines = (answer: InvokeCommandOutput) => linesOf(decoded(answer)).map((line) => JSON.parse(line) as JsonLine);
const requestIdsIn = (answer: InvokeCommandOutput) => new Set(jsonLines(answer).map((line) => line.requestId ?? line.record?.requestId));

describe('LogType Tail, through the SDK', () => {
  it("answers this invocation's log in JSON format: the code's line between the start and report records of its request id", async () => {
    await invoke(JSON_FUNCTION, { say: 'an earlier invocation' }, 'Tail');
    const answer = await invoke(JSON_FUNCTION, { say: 'hello from the tail' }, 'Tail');
    const requestId = answer.$metadata.requestId!;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.ExecutedVersion).toBe('$LATEST');
    expect(linesOf(decoded(answer))).toEqual(streamOfInvocation(requestId));
    expect(jsonLines(answer)).toEqual([
      expect.objectContaining({ type: 'platform.start', record: expect.objectContaining({ requestId }) }),
      expect.objectContaining({ level: 'INFO', requestId, message: 'hello from the tail' }),
      expect.objectContaining({ type: 'platform.report', record: expect.objectContaining({ requestId, status: 'success' }) }),
    ]);
  });

  it("keeps each invocation's own lines when two run at once in one environment", async () => {
    const [first, second] = await Promise.all(['first at once', 'second at once'].map((say) => invoke(JSON_FUNCTION, { say }, 'Tail')));
    for (const [answer, own, other] of [
      [first!, 'first at once', 'second at once'],
      [second!, 'second at once', 'first at once'],
    ] as const) {
      expect(requestIdsIn(answer)).toEqual(new Set([answer.$metadata.requestId]));
      expect(decoded(answer)).toContain(own);
      expect(decoded(answer)).not.toContain(other);
    }
    expect(first!.$metadata.requestId).not.toBe(second!.$metadata.requestId);
    expect(logStreamOf(first!.$metadata.requestId!)).toBe(logStreamOf(second!.$metadata.requestId!));
  });

  it("shows a handler's error: the runtime's error line and a report of the failure", async () => {
    const answer = await invoke(JSON_FUNCTION, { throws: 'bad input' }, 'Tail');
    const requestId = answer.$metadata.requestId!;
    expect(answer.FunctionError).toBe('Unhandled');
    expect(jsonLines(answer)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'ERROR', requestId, message: expect.objectContaining({ errorType: 'TypeError', errorMessage: 'bad input' }) }),
        expect.objectContaining({ type: 'platform.report', record: expect.objectContaining({ requestId, status: 'failure', errorType: 'TypeError' }) }),
      ]),
    );
  });

  it('keeps the last 4 KB of a longer log, its end, on a whole character', async () => {
    const answer = await invoke(JSON_FUNCTION, { lines: 100 }, 'Tail');
    const whole = streamOfInvocation(answer.$metadata.requestId!).map((message) => `${message}\n`).join('');
    const tail = decoded(answer);
    expect(Buffer.byteLength(whole)).toBeGreaterThan(3 * LOG_TAIL_BYTES);
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(LOG_TAIL_BYTES);
    expect(Buffer.byteLength(tail)).toBeGreaterThan(LOG_TAIL_BYTES - 4);
    expect(whole.endsWith(tail)).toBe(true);
    expect(tail).not.toContain('\uFFFD');
    expect(JSON.parse(linesOf(tail).at(-1)!)).toMatchObject({ type: 'platform.report' });
  });

  it("answers Lambda's START, END and REPORT lines around the code's line in Text format", async () => {
    const answer = await invoke(TEXT_FUNCTION, { say: 'plain text' }, 'Tail');
    const requestId = answer.$metadata.requestId!;
    const lines = linesOf(decoded(answer));
    expect(lines).toEqual(streamOfInvocation(requestId));
    expect(lines[0]).toBe(`START RequestId: ${requestId} Version: $LATEST`);
    expect(lines[1]).toMatch(new RegExp(`^\\S+Z\\t${requestId}\\tINFO\\tplain text$`));
    expect(lines[2]).toBe(`END RequestId: ${requestId}`);
    expect(lines[3]).toMatch(new RegExp(`^REPORT RequestId: ${requestId}\\tDuration: `));
    expect(lines).toHaveLength(4);
  });

  it('answers no LogResult for LogType None or none given', async () => {
    for (const logType of ['None', undefined] as const) {
      const answer = await invoke(JSON_FUNCTION, { say: 'not asked for' }, logType);
      expect(answer).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
      expect(answer.LogResult).toBeUndefined();
    }
  });

  it('refuses another LogType with InvalidParameterValueException, running nothing', async () => {
    const before = events.length;
    await expect(invoke(JSON_FUNCTION, { say: 'never run' }, 'Everything' as LogType)).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      $metadata: { httpStatusCode: 400, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
    expect(events.length).toBe(before);
  });
});

describe('the cut', () => {
  it('keeps the last 4,096 bytes, or fewer when that would split a character', () => {
    const cut = (messages: string[]) => Buffer.from(logTail(messages), 'base64');
    // 'é' is two bytes: 3,000 of them and the newline end on an even count, so the cut would fall inside one.
    expect(cut(['é'.repeat(3000)]).toString('utf8')).toBe(`${'é'.repeat(2047)}\n`);
    expect(cut(['a'.repeat(5000)]).toString('utf8')).toBe(`${'a'.repeat(4095)}\n`);
    expect(cut(['short', 'log'])).toEqual(Buffer.from('short\nlog\n'));
    expect(cut([])).toEqual(Buffer.alloc(0));
  });
});

describeWithTool('the AWS CLI', () => {
  const lambdaCli = (...args: string[]) => awsCli('lambda', endpoint, credentials, ...args);

  it('invoke --log-type Tail --query LogResult: the base64 of the log, the code’s line and the report of one request', async () => {
    const args = ['--function-name', JSON_FUNCTION, '--payload', JSON.stringify({ say: 'from the CLI' }), '--log-type', 'Tail', '--query', 'LogResult'];
    const logResult: string = await lambdaCli('invoke', ...args, join(dir, 'cli-out.json'));
    const lines = linesOf(Buffer.from(logResult, 'base64').toString('utf8')).map((line) => JSON.parse(line) as JsonLine);
    const report = lines.find((line) => line.type === 'platform.report');
    expect(lines).toContainEqual(expect.objectContaining({ message: 'from the CLI', requestId: report?.record?.requestId }));
    expect(report?.record?.requestId).toMatch(/^[0-9a-f-]{36}$/);
  }, 30_000);

  it('names the error for a LogType Lambda does not take', async () => {
    await expect(lambdaCli('invoke', '--function-name', JSON_FUNCTION, '--log-type', 'Everything', join(dir, 'cli-refused.json'))).rejects.toMatchObject({
      stderr: expect.stringContaining('(InvalidParameterValueException) when calling the Invoke operation'),
    });
  }, 30_000);
});
