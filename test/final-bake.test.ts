import { functionNamed, runHook, verdictLine } from './support/hook-runs';
import { startTestStage } from './support/local-parts';

/**
 * The final bake, as CodeDeploy runs it: the PostTraffic hook's built bundle on a local stage, its journey
 * through the local API, then FINAL_BAKE_SECONDS (6 here) of watching the deployment and its group's alarms
 * through the local CodeDeploy and CloudWatch. It passes when the time is up, fails at once on trouble, and
 * reports once either way.
 */
const BAKE_SECONDS = 6;

let stage: Awaited<ReturnType<typeof startTestStage>>;
const logs: string[] = [];
beforeAll(async () => {
  stage = await startTestStage('final-bake', {
    onLog: (fn, line) => fn.includes('PostTraffic') && logs.push(line),
    environment: { PostTrafficHook: { FINAL_BAKE_SECONDS: String(BAKE_SECONDS) } },
  });
});
afterAll(() => stage.stop());
beforeEach(() => (logs.length = 0));

const getCompany = () => functionNamed(stage, 'GetCompanyFunction');
const alarmsOfGetCompany = () => stage.model.deploymentOf('GetCompanyFunction', '1')!.alarms.map((alarm) => alarm.name);

/** Resolves when the hook logs that its bake has begun (the journey before it takes a few seconds). */
async function bakeStarted(): Promise<number> {
  for (let waited = 0; waited < 30_000; waited += 50) {
    if (logs.some((line) => line.includes('"final bake started"'))) return Date.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the bake never started:\n${logs.join('\n')}`);
}

it('holds the deployment for the bake after a passing journey, watching every alarm of its group, then succeeds', async () => {
  const hook = runHook(stage, 'PostTrafficHook', getCompany(), '1');
  const started = await bakeStarted();
  const run = await hook;
  expect(Date.now() - started).toBeGreaterThanOrEqual(BAKE_SECONDS * 1000 - 100);
  const verdict = await verdictLine(logs);
  expect(verdict).toMatchObject({ verdict: 'Succeeded', evidence: { status: 'SUCCEEDED', bake: { alarms: alarmsOfGetCompany() } } });
  expect(verdict.evidence.bake.watchedMs).toBeGreaterThanOrEqual(BAKE_SECONDS * 1000);
  expect(verdict.evidence.bake.checks).toBeGreaterThanOrEqual(2);
  expect(run.statuses).toEqual(['Succeeded']);
}, 60_000);

it('fails, naming the alarm, as soon as one of the group goes into ALARM during the bake', async () => {
  const alarm = alarmsOfGetCompany().find((name) => name.includes('InvocationErrors'))!;
  const hook = runHook(stage, 'PostTrafficHook', getCompany(), '1');
  const started = await bakeStarted();
  stage.alarms.setState(alarm, 'ALARM', 'a test sets it');
  try {
    const run = await hook;
    // The next check, at most 5 s after, sees it: before the bake's time is up.
    expect(Date.now() - started).toBeLessThan(BAKE_SECONDS * 1000);
    const verdict = await verdictLine(logs);
    expect(verdict).toMatchObject({ verdict: 'Failed', evidence: { status: 'SUCCEEDED', bake: { reason: 'an alarm went into ALARM during the final bake', alarms: [alarm] } } });
    expect(run.statuses).toEqual(['Failed']);
  } finally {
    stage.alarms.setState(alarm, 'OK', 'the test is over');
  }
}, 60_000);

it('fails when the deployment is stopped during the bake (by the stopper, the judge or an operator)', async () => {
  let deploymentId = '';
  const hook = runHook(stage, 'PostTrafficHook', getCompany(), '1', (deployment) => (deploymentId = deployment.deploymentId));
  await bakeStarted();
  stage.codedeploy.handle('StopDeployment', { deploymentId });
  const run = await hook;
  const verdict = await verdictLine(logs);
  expect(verdict).toMatchObject({ verdict: 'Failed', evidence: { bake: { reason: 'the deployment is Stopped: stopped during the final bake' } } });
  expect(run.statuses).toEqual(['Failed']);
}, 60_000);

it('passes nothing it could not watch: without the deployment group it reads no alarms and fails', async () => {
  // A deployment registered in no group (as one made by hand would be): GetDeploymentGroup has nothing to answer.
  const spec = getCompany();
  const deployment = stage.codedeploy.createDeployment({ functionName: spec.functionName, alias: 'live', currentVersion: '1', targetVersion: '1', targetVersionWeight: 0 });
  const { result } = await stage.lambda.invoke(functionNamed(stage, 'PostTrafficHook').functionName, {
    DeploymentId: deployment.deploymentId,
    LifecycleEventHookExecutionId: deployment.postTraffic,
  });
  expect(result.ok).toBe(true);
  const verdict = await verdictLine(logs);
  expect(verdict.verdict).toBe('Failed');
  expect(verdict.evidence.bake.reason).toMatch(/^could not read the deployment or its alarms during the bake/);
  expect(stage.codedeploy.statusOf(deployment.postTraffic)).toBe('Failed');
}, 60_000);
