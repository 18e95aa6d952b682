import { buildCandidate, removeCandidates } from './support/candidates';
import type { FaultName } from './support/fault-wrappers';
import { functionNamed } from './support/hook-runs';
import { startTestStage } from './support/local-parts';

/**
 * What a client of the API gets when the function fails outside its handler's code, each way Lambda fails:
 * API Gateway's 502 ("If the function runs but returns an error … API Gateway returns a 502",
 * https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html), rendered from the document's
 * DEFAULT_5XX as a problem that names only the request id. Each fault is served by the live alias and
 * strikes every user request; the hang meets a 3 s Timeout and the memory a 128 MB MemorySize, to be quick.
 */
let stage: Awaited<ReturnType<typeof startTestStage>>;
beforeAll(async () => {
  stage = await startTestStage('api-failures', { functionOverrides: { GetCompanyFunction: { timeoutSeconds: 3, memoryMb: 128 } } });
});
afterAll(async () => {
  await stage.stop();
  removeCandidates();
});

const FAILURES: Array<[FaultName, string]> = [
  ['throwsOutsideHandler', 'Error'],
  ['exitsRuntime', 'Runtime.ExitError'],
  ['hangsPastTimeout', 'Sandbox.Timedout'],
  ['exceedsMemory', 'Runtime.OutOfMemory'],
];

it.each(FAILURES)('a function that fails by %s answers 502 with an internal-error problem, and Lambda records %s', async (fault, errorType) => {
  const spec = functionNamed(stage, 'GetCompanyFunction');
  const version = stage.lambda.publishVersion(spec.functionName, await buildCandidate(spec, [{ entry: 'functions/get-company.ts', fault, strike: { every: 1 } }]));
  const previous = stage.lambda.getAlias(spec.functionName, 'live');
  stage.lambda.updateAlias(spec.functionName, 'live', { functionVersion: version, additionalVersionWeights: {} });
  const reports: string[] = [];
  const onEvent = (event: { functionName: string; version: string; message: string }) =>
    event.functionName === spec.functionName && event.version === version && event.message.includes('"platform.report"') && reports.push(event.message);
  stage.events.on('logEvent', onEvent);
  try {
    const response = await fetch(`${stage.url}/companies/6b1f0c52-1f0a-4c1e-9a54-3f5d2b8e7c10`);
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const requestId = response.headers.get('x-amzn-requestid');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toEqual({
      type: 'urn:company-canary:problem:internal',
      title: 'Internal error',
      detail: 'The request failed on our side; quote the requestId when you report it.',
      requestId,
    });
    for (let waited = 0; reports.length === 0 && waited < 2_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(JSON.parse(reports[0]!).record).toMatchObject({ status: errorType === 'Sandbox.Timedout' ? 'timeout' : expect.stringMatching(/^(failure|error)$/), errorType });
  } finally {
    stage.events.off('logEvent', onEvent);
    stage.lambda.updateAlias(spec.functionName, 'live', previous);
  }
}, 60_000);
