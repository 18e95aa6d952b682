import { createServer, request, type Server } from 'node:http';
import { journeyPasses } from '../hooks/journey';
import { listHidesJourneyCompanies } from './support/candidate-patches';
import { buildCandidate, removeCandidates, type SourcePatch } from './support/candidates';
import { functionNamed, runHook, verdictLine } from './support/hook-runs';
import { startTestStage } from './support/local-parts';

/**
 * The PostTraffic hook as CodeDeploy runs it: it starts the journey state machine on the local Step
 * Functions endpoint, which walks the local API. One status is reported on every path, and no journey
 * company is left in the table.
 */

let stage: Awaited<ReturnType<typeof startTestStage>>;
const logs: string[] = [];
beforeAll(async () => {
  // The journey alone here; the final bake after it has tests of its own below.
  stage = await startTestStage('post-traffic', { onLog: (fn, line) => fn.includes('PostTraffic') && logs.push(line), environment: { PostTrafficHook: { FINAL_BAKE_SECONDS: '0' } } });
});
afterAll(async () => {
  await stage.stop();
  removeCandidates();
});
beforeEach(() => (logs.length = 0));

/** As many passes as the hook asks the journey for. */
const PASSES = journeyPasses().length;

/** Builds a candidate of `logicalId` with one change and points the live alias at it, as a full shift does. */
async function serveCandidate(logicalId: string, patch: SourcePatch) {
  const spec = functionNamed(stage, logicalId);
  const previous = stage.lambda.getAlias(spec.functionName, 'live');
  const version = stage.lambda.publishVersion(spec.functionName, await buildCandidate(spec, [patch]));
  stage.lambda.updateAlias(spec.functionName, 'live', { functionVersion: version, additionalVersionWeights: {} });
  return { spec, version, restore: () => stage.lambda.updateAlias(spec.functionName, 'live', previous) };
}

it('succeeds when the journey passes through the live API, leaving the table as it was', async () => {
  const before = await stage.snapshot();
  const run = await runHook(stage, 'PostTrafficHook', functionNamed(stage, 'GetCompanyFunction'), '1');
  const verdict = await verdictLine(logs);
  expect(verdict).toMatchObject({ verdict: 'Succeeded', evidence: { status: 'SUCCEEDED', passes: PASSES } });
  expect(run.statuses).toEqual(['Succeeded']);
  expect(await stage.snapshot()).toBe(before);
});

it('fails when the new version breaks the journey, naming the step, and the journey cleans up', async () => {
  const before = await stage.snapshot();
  const candidate = await serveCandidate('ListCompaniesFunction', listHidesJourneyCompanies);
  try {
    const run = await runHook(stage, 'PostTrafficHook', candidate.spec, candidate.version);
    const verdict = await verdictLine(logs);
    expect(verdict.evidence.status).toBe('FAILED');
    expect(`${verdict.evidence.error} ${verdict.evidence.cause}`).toMatch(/List/);
    // Every pass misses its company, each after looking for it five times, a second apart.
    expect(verdict.evidence).toMatchObject({ failedStep: 'ListCompanies', httpStatus: 200, failedPasses: PASSES, passes: PASSES });
    expect(run.statuses).toEqual(['Failed']);
  } finally {
    candidate.restore();
  }
  expect(await stage.snapshot()).toBe(before);
}, 60_000);

it('fails when the new version answers the update wrongly', async () => {
  const before = await stage.snapshot();
  const candidate = await serveCandidate('UpdateCompanyFunction', { file: 'functions/update-company.ts', find: 'return companyResponse(200,', replace: 'return companyResponse(201,' });
  try {
    const run = await runHook(stage, 'PostTrafficHook', candidate.spec, candidate.version);
    const verdict = await verdictLine(logs);
    expect(verdict.evidence.cause).toMatch(/UpdateCompany/);
    expect(verdict.evidence.cause).toMatch(/201/);
    expect(verdict.evidence).toMatchObject({ failedStep: 'UpdateCompany', httpStatus: 201, failedPasses: PASSES, passes: PASSES });
    expect(run.statuses).toEqual(['Failed']);
  } finally {
    candidate.restore();
  }
  expect(await stage.snapshot()).toBe(before);
});

describe('when Step Functions throttles', () => {
  let proxy: Server;
  let throttled = 0;
  let throttleNext = 0;

  beforeAll(async () => {
    // A proxy in front of the local Step Functions endpoint that answers ThrottlingException on demand.
    const target = new URL(stage.endpoints.AWS_ENDPOINT_URL_SFN!);
    proxy = createServer((req, res) => {
      if (throttleNext > 0) {
        throttleNext--;
        throttled++;
        res.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
        return;
      }
      const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    // The hook's environment starts on its next cold start with the proxy as its Step Functions endpoint.
    await stage.lambda.restart(functionNamed(stage, 'PostTrafficHook').functionName);
    stage.endpoints.AWS_ENDPOINT_URL_SFN = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((resolve) => proxy.close(resolve)));

  it('retries, and reports Succeeded once the journey runs', async () => {
    throttleNext = 2;
    throttled = 0;
    const run = await runHook(stage, 'PostTrafficHook', functionNamed(stage, 'GetCompanyFunction'), '1');
    expect(throttled).toBe(2);
    expect(run.statuses).toEqual(['Succeeded']);
  });

  it('reports Failed once when the throttling does not stop', async () => {
    throttleNext = 1_000;
    const before = await stage.snapshot();
    const run = await runHook(stage, 'PostTrafficHook', functionNamed(stage, 'GetCompanyFunction'), '1');
    throttleNext = 0;
    expect((await verdictLine(logs)).evidence).toMatchObject({ error: 'ThrottlingException' });
    expect(run.statuses).toEqual(['Failed']);
    expect(await stage.snapshot()).toBe(before);
  });
});
