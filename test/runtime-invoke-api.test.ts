import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newStageCredentials } from '../local/credentials';
import { listenOnLoopback } from '../local/net';
import type { InvocationRecord } from '../local/services/cloudwatch/metrics';
import { createLambdaApiServer } from '../local/services/lambda/lambda-api';
import { LocalLambda } from '../local/services/lambda/local-lambda';
import { LOCAL_REGION } from '../local/template/cloudformation';
import { lambdaDefaultLogging } from '../local/template/stage';

/**
 * Lambda's Invoke API answers a failure of any kind as Lambda does, through the real SDK client: a 200 with
 * X-Amz-Function-Error and the error as the payload, the request id and executed version on every answer,
 * and the invocation counted as an error in Lambda's own metrics.
 */
const BUNDLE = `
exports.handler = async (event) => {
  if (event.kind === 'throw') throw new TypeError('bad input');
  if (event.kind === 'exit') process.exit(4);
  return 'fine';
};
`;

let dir: string;
let lambda: LocalLambda;
let server: Server;
let client: LambdaClient;
const invocations: InvocationRecord[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'company-canary-invoke-api-'));
  writeFileSync(join(dir, 'api.js'), BUNDLE);
  const spec = { logicalId: 'ApiFunction', functionName: 'ApiFunction', handler: 'api.handler', bundleDir: dir, timeoutSeconds: 5, memoryMb: 128, environment: {}, logging: lambdaDefaultLogging('ApiFunction') };
  lambda = new LocalLambda([spec], { environment: () => ({}), onInvocation: (record) => invocations.push(record), maxConcurrency: 1 });
  const credentials = newStageCredentials();
  server = createLambdaApiServer(lambda, credentials);
  client = new LambdaClient({ region: LOCAL_REGION, credentials, endpoint: await listenOnLoopback(server), maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
  await lambda.stop();
  rmSync(dir, { recursive: true, force: true });
});

const invoke = (kind: string, Qualifier?: string) => client.send(new InvokeCommand({ FunctionName: 'ApiFunction', Qualifier, Payload: Buffer.from(JSON.stringify({ kind })) }));
const payloadOf = (answer: Awaited<ReturnType<typeof invoke>>) => JSON.parse(Buffer.from(answer.Payload!).toString('utf8')) as unknown;

it("answers a runtime exit with a 200, X-Amz-Function-Error and Lambda's error, under the invocation's request id", async () => {
  const answer = await invoke('exit');
  const requestId = answer.$metadata.requestId!;
  expect(answer).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled', ExecutedVersion: '$LATEST' });
  expect(payloadOf(answer)).toEqual({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status 4` });
  expect(invocations.at(-1)).toMatchObject({ functionName: 'ApiFunction', executedVersion: '$LATEST', functionError: true });
});

it("answers a handler's error with its type, message and trace, and a success with the request id too", async () => {
  const thrown = await invoke('throw', '1');
  expect(thrown).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled', ExecutedVersion: '1' });
  expect(payloadOf(thrown)).toEqual({ errorType: 'TypeError', errorMessage: 'bad input', trace: expect.arrayContaining(['TypeError: bad input']) });
  const fine = await invoke('ok', '1');
  expect(fine.FunctionError).toBeUndefined();
  expect(fine.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(fine.$metadata.requestId).not.toBe(thrown.$metadata.requestId);
});

it('gives a refused call a request id as well', async () => {
  await expect(client.send(new InvokeCommand({ FunctionName: 'NoSuchFunction' }))).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
    $metadata: { httpStatusCode: 404, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
  });
});
