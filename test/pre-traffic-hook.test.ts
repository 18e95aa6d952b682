import { buildCandidate, removeCandidates } from './support/candidates';
import { functionNamed, logLine, runHook, verdictLine } from './support/hook-runs';
import { startTestStage } from './support/local-parts';

/**
 * The PreTraffic hook, run as CodeDeploy runs it: invoked through the local Lambda service with a
 * lifecycle event, calling the local CodeDeploy and Lambda endpoints through the real SDK clients.
 * Every path reports exactly one status, and leaves the table as it found it.
 */

const COMPANY_FUNCTIONS = ['CreateCompanyFunction', 'GetCompanyFunction', 'ListCompaniesFunction', 'UpdateCompanyFunction', 'DeleteCompanyFunction'];

let stage: Awaited<ReturnType<typeof startTestStage>>;
const logs: string[] = [];
beforeAll(async () => {
  stage = await startTestStage('pre-traffic', { onLog: (fn, line) => fn.includes('PreTraffic') && logs.push(line) });
});
afterAll(async () => {
  await stage.stop();
  removeCandidates();
});
beforeEach(() => (logs.length = 0));

async function candidate(logicalId: string, file: string, find: string | RegExp, replace: string) {
  const spec = functionNamed(stage, logicalId);
  return stage.lambda.publishVersion(spec.functionName, await buildCandidate(spec, [{ file, find, replace }]));
}

it.each(COMPANY_FUNCTIONS)('passes the current build of %s and leaves no data behind', async (logicalId) => {
  const before = await stage.snapshot();
  const version = stage.lambda.publishVersion(functionNamed(stage, logicalId).functionName, functionNamed(stage, logicalId).bundleDir);
  const run = await runHook(stage, 'PreTrafficHook', functionNamed(stage, logicalId), version);
  const verdict = (await verdictLine(logs));
  expect(verdict).toMatchObject({ verdict: 'Succeeded', target: { targetVersion: version }, evidence: { failed: [], leftovers: [] } });
  expect(run.statuses).toEqual(['Succeeded']);
  expect(verdict.evidence.passed).toBeGreaterThanOrEqual(3);
  expect(await stage.snapshot()).toBe(before);
});

it('fails a version whose check fails, naming the check', async () => {
  const before = await stage.snapshot();
  const version = await candidate('GetCompanyFunction', 'functions/company/companies.ts', 'if (!company) throw new CompanyNotFound(companyId);', 'if (!company) return { companyId } as Company;');
  const run = await runHook(stage, 'PreTrafficHook', functionNamed(stage, 'GetCompanyFunction'), version);
  expect(run.statuses).toEqual(['Failed']);
  const verdict = (await verdictLine(logs));
  expect(verdict.evidence.failed).toEqual([expect.objectContaining({ check: 'an unknown id is a 404 problem', passed: false })]);
  expect(await stage.snapshot()).toBe(before);
});

it('fails a version that throws, and still removes its test data', async () => {
  const before = await stage.snapshot();
  const version = await candidate('UpdateCompanyFunction', 'functions/update-company.ts', /export const handler = .*/, "export const handler = async () => { throw new Error('candidate crashed'); };");
  const run = await runHook(stage, 'PreTrafficHook', functionNamed(stage, 'UpdateCompanyFunction'), version);
  expect(run.statuses).toEqual(['Failed']);
  expect(JSON.stringify((await verdictLine(logs)).evidence)).toContain('function error Unhandled');
  expect(await stage.snapshot()).toBe(before);
});

it('fails a version that creates what it should refuse, and removes that too', async () => {
  const before = await stage.snapshot();
  const version = await candidate('CreateCompanyFunction', 'functions/create-company.ts', 'jsonBody<CompanyFields>(validators, event)', 'JSON.parse(event.body ?? "{}")');
  const run = await runHook(stage, 'PreTrafficHook', functionNamed(stage, 'CreateCompanyFunction'), version);
  expect(run.statuses).toEqual(['Failed']);
  expect((await verdictLine(logs)).evidence.failed.map((f: { check: string }) => f.check)).toEqual(
    expect.arrayContaining(['an invalid body is a 400 problem', 'a read-only field is a 400 problem']),
  );
  // The faulty version stored companies the checks did not expect; nothing of them may stay.
  expect(await stage.snapshot()).toBe(before);
});

it('reports Failed for a deployment of a function it has no checks for', async () => {
  const hook = functionNamed(stage, 'PostTrafficHook');
  const run = await runHook(stage, 'PreTrafficHook', hook, '1');
  expect(run.statuses).toEqual(['Failed']);
  expect((await verdictLine(logs)).evidence.reason).toMatch(/no checks for function/);
});

it('reports once although CodeDeploy throttles the report twice', async () => {
  const before = await stage.snapshot();
  stage.codedeploy.throttle.set('PutLifecycleEventHookExecutionStatus', 2);
  const spec = functionNamed(stage, 'GetCompanyFunction');
  const run = await runHook(stage, 'PreTrafficHook', spec, '1');
  expect(run.statuses).toEqual(['Succeeded']);
  expect(stage.codedeploy.throttle.get('PutLifecycleEventHookExecutionStatus')).toBe(0);
  expect(await stage.snapshot()).toBe(before);
});

it('reports Failed when CodeDeploy keeps throttling the target look-up', async () => {
  const before = await stage.snapshot();
  stage.codedeploy.throttle.set('ListDeploymentTargets', 50);
  const run = await runHook(stage, 'PreTrafficHook', functionNamed(stage, 'GetCompanyFunction'), '1');
  stage.codedeploy.throttle.delete('ListDeploymentTargets');
  expect(run.statuses).toEqual(['Failed']);
  expect((await verdictLine(logs)).evidence.error).toBe('ThrottlingException');
  expect(await stage.snapshot()).toBe(before);
});

describe('with manual gates on (ManualGates=Enabled)', () => {
  let restore: () => Promise<void>;
  beforeAll(async () => {
    restore = await stage.lambda.overrideEnvironment(functionNamed(stage, 'PreTrafficHook').functionName, { MANUAL_GATES: 'Enabled' });
  });
  afterAll(() => restore());

  it('leaves a passing version\'s status to an operator: reports nothing, and records the execution id and the deadline', async () => {
    const before = await stage.snapshot();
    const spec = functionNamed(stage, 'GetCompanyFunction');
    const version = stage.lambda.publishVersion(spec.functionName, spec.bundleDir);
    const started = Date.now();
    let ids = { deploymentId: '', preTraffic: '' };
    const run = await runHook(stage, 'PreTrafficHook', spec, version, (d) => (ids = d));
    expect(run.result.ok).toBe(true);
    expect(run.statuses).toEqual([]);
    const gate = await logLine(logs, (entry) => entry.message === 'waiting for approval');
    const { deploymentId, preTraffic } = ids;
    expect(gate).toMatchObject({
      hook: 'PreTraffic',
      lifecycleEvent: 'BeforeAllowTraffic',
      deploymentId,
      lifecycleEventHookExecutionId: preTraffic,
      target: { targetVersion: version },
      evidence: { failed: [], leftovers: [] },
    });
    // The operator reports with the recorded id, as the hook would have: CodeDeploy takes it once.
    expect(stage.codedeploy.handle('PutLifecycleEventHookExecutionStatus', { deploymentId, lifecycleEventHookExecutionId: preTraffic, status: 'Succeeded' })).toEqual({ lifecycleEventHookExecutionId: preTraffic });
    // CodeDeploy's hour from the hook's start, which falls within the invocation.
    expect(Date.parse(gate.failsAt)).toBeGreaterThanOrEqual(started + 3_600_000);
    expect(Date.parse(gate.failsAt)).toBeLessThanOrEqual(started + run.elapsedMs + 3_600_000);
    expect(await stage.snapshot()).toBe(before);
  });

  it('reports a failing version at once, waiting for nobody', async () => {
    const version = await candidate('GetCompanyFunction', 'functions/company/companies.ts', 'if (!company) throw new CompanyNotFound(companyId);', 'if (!company) return { companyId } as Company;');
    const run = await runHook(stage, 'PreTrafficHook', functionNamed(stage, 'GetCompanyFunction'), version);
    expect(run.statuses).toEqual(['Failed']);
    expect(logs.some((line) => line.includes('waiting for approval'))).toBe(false);
  });
});

it('reports nothing, and says why, for an event without lifecycle ids', async () => {
  const reportedBefore = stage.codedeploy.statuses.length;
  const { result } = await stage.lambda.invoke(functionNamed(stage, 'PreTrafficHook').functionName, { hello: 'world' });
  expect(result.ok).toBe(true);
  await logLine(logs, (entry) => String(entry.message).includes('lifecycle event lacks DeploymentId or LifecycleEventHookExecutionId'));
  expect(stage.codedeploy.statuses.length).toBe(reportedBefore);
});

describe('a target that hangs', () => {
  let short: Awaited<ReturnType<typeof startTestStage>>;
  const shortLogs: string[] = [];
  beforeAll(async () => {
    // A hook with a 6 s timeout, against a target allowed to run far longer than that.
    short = await startTestStage('pre-traffic-hang', {
      functionOverrides: { PreTrafficHook: { timeoutSeconds: 6 }, GetCompanyFunction: { timeoutSeconds: 60 } },
      onLog: (fn, line) => fn.includes('PreTraffic') && shortLogs.push(line),
    });
  });
  afterAll(() => short.stop());

  it('is failed at the deadline, reported once before the hook times out, with its test data removed', async () => {
    const before = await short.snapshot();
    const spec = functionNamed(short, 'GetCompanyFunction');
    const hanging = short.lambda.publishVersion(spec.functionName, await buildCandidate(spec, [
      { file: 'functions/get-company.ts', find: /export const handler = .*/, replace: 'export const handler = () => new Promise(() => undefined);' },
    ]));
    const run = await runHook(short, 'PreTrafficHook', spec, hanging);
    expect(run.result.ok).toBe(true);
    expect(run.statuses).toEqual(['Failed']);
    expect(run.elapsedMs).toBeLessThan(6_000);
    expect((await verdictLine(shortLogs)).evidence.reason).toMatch(/no verdict within the hook's deadline/);
    expect(await short.snapshot()).toBe(before);
  }, 30_000);
});
