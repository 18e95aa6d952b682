import { AwsClock } from '../local/services/cloudwatch/aws-clock';
import { alarmTiming } from '../local/services/cloudwatch/aws-timing';
import { functionNamed, registerDeployment } from './support/hook-runs';
import { startTestStage } from './support/local-parts';

/**
 * The canary judge, as EventBridge starts it: its built bundle invoked on a local stage with a deployment's
 * START event, reading both versions' metrics from the local CloudWatch through GetMetricData and stopping
 * the deployment through the local CodeDeploy. The stage keeps AWS time 100 times faster, so that a round
 * every 10 s takes 0.1 s, and the metrics are fed as the handlers publish them, per AWS second.
 */
let stage: Awaited<ReturnType<typeof startTestStage>>;
const logs: string[] = [];
const TIME_SCALE = 100;
let restoreInterval: () => Promise<void>;
beforeAll(async () => {
  stage = await startTestStage('judge', { onLog: (fn, line) => fn.startsWith('CanaryJudge') && logs.push(line) });
  stage.awsTime = { clock: new AwsClock(TIME_SCALE), timing: alarmTiming({ mode: 'instant' }) };
  restoreInterval = await stage.lambda.overrideEnvironment(functionNamed(stage, 'CanaryJudgeFunction').functionName, { JUDGE_INTERVAL_SECONDS: String(10 / TIME_SCALE) });
});
afterAll(async () => {
  await restoreInterval();
  await stage.stop();
});

const functionName = () => functionNamed(stage, 'GetCompanyFunction').functionName;

function deployment() {
  const ids = registerDeployment(stage, 'GetCompanyFunction');
  const allowTraffic = () => stage.codedeploy.handle('PutLifecycleEventHookExecutionStatus', { deploymentId: ids.deploymentId, lifecycleEventHookExecutionId: ids.preTraffic, status: 'Succeeded' });
  return { ...ids, allowTraffic };
}

/** Each AWS second (10 ms here): both versions' requests, 5xx answers and latencies, as the handlers publish them. */
function publish(perSecond: Record<'1' | '2', { requests: number; failureRate: number; latencyMs: number }>) {
  const timer = setInterval(() => {
    for (const [version, { requests, failureRate, latencyMs }] of Object.entries(perSecond)) {
      const dimensions = { FunctionName: functionName(), ExecutedVersion: version };
      const at = Date.now();
      for (let i = 0; i < requests; i++) {
        const point = { namespace: 'CompanyCanary', dimensions, at, storageResolution: 1 as const };
        stage.metrics.put({ ...point, name: 'Requests', value: 1 });
        stage.metrics.put({ ...point, name: 'Http5xx', value: Math.random() < failureRate ? 1 : 0 });
        stage.metrics.put({ ...point, name: 'Latency', value: latencyMs * (0.9 + 0.2 * Math.random()) });
      }
    }
  }, 1000 / TIME_SCALE);
  return () => clearInterval(timer);
}

const judge = (deploymentId: string) =>
  stage.lambda.invoke(functionNamed(stage, 'CanaryJudgeFunction').functionName, {
    source: 'aws.codedeploy',
    'detail-type': 'CodeDeploy Deployment State-change Notification',
    detail: { deploymentId, state: 'START' },
  });

/** The judge's decisions (its EMF lines aside). */
const entries = (from: number) =>
  logs
    .slice(from)
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, any>) // eslint-disable-line @typescript-eslint/no-explicit-any
    .filter((entry) => entry.service === 'company-canary-guard');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(condition: () => boolean) {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 10_000) throw new Error('waited 10 s in vain');
    await sleep(20);
  }
}

it('waits for the first shift, then stops a new version that fails far more than the old, with rollback, once', async () => {
  const from = logs.length;
  const d = deployment();
  const stopPublishing = publish({ '1': { requests: 18, failureRate: 0, latencyMs: 30 }, '2': { requests: 2, failureRate: 0.2, latencyMs: 30 } });
  try {
    const judging = judge(d.deploymentId);
    await until(() => entries(from).some((e) => e.message === 'no verdict: the new version has no traffic yet'));
    d.allowTraffic();
    const { result } = await judging;
    expect(result.ok).toBe(true);
  } finally {
    stopPublishing();
  }
  // Log lines reach the stage a moment after the invocation returns.
  await until(() => entries(from).some((e) => e.message === 'deployment stopped, rolling back'));
  const log = entries(from);
  // Before the first shift, and until 20 requests of the new version, no verdict: never a failure.
  expect(log[0]).toMatchObject({ message: 'no verdict: the new version has no traffic yet' });
  const verdicts = log.filter((e) => e.message === 'canary verdict');
  expect(verdicts.at(-1)).toMatchObject({ outcome: 'fail', results: [{ metric: 'failures', outcome: 'fail' }, { metric: 'latency' }] });
  expect(verdicts.slice(0, -1).every((v) => v.outcome !== 'fail')).toBe(true);
  expect(log.at(-1)).toMatchObject({ message: 'deployment stopped, rolling back', by: 'canary judge', deploymentId: d.deploymentId });
  expect(d.stops).toEqual([d.deploymentId]);
  expect(stage.codedeploy.handle('GetDeployment', { deploymentId: d.deploymentId })).toMatchObject({ deploymentInfo: { status: 'Stopped' } });
}, 30_000);

it('passes a new version no worse than the old under the noise both share, goes on after a throttled round, and stops judging when the deployment ends', async () => {
  const from = logs.length;
  const d = deployment();
  d.allowTraffic();
  // The SDK's three attempts, all throttled: the first round has no verdict, and judging goes on.
  stage.codedeploy.throttle.set('GetDeployment', 3);
  const stopPublishing = publish({ '1': { requests: 18, failureRate: 0.01, latencyMs: 30 }, '2': { requests: 2, failureRate: 0.01, latencyMs: 30 } });
  try {
    const judging = judge(d.deploymentId);
    // About six rounds after the throttled one: the canary minute.
    await until(() => entries(from).filter((e) => e.message === 'canary verdict').length >= 6);
    stage.codedeploy.finish(d.deploymentId, 'Succeeded');
    expect((await judging).result.ok).toBe(true);
  } finally {
    stopPublishing();
  }
  await until(() => entries(from).some((e) => e.message === 'deployment ended: judging stopped'));
  const log = entries(from);
  expect(log[0]).toMatchObject({ level: 'WARN', message: 'no verdict: could not read the deployment or its metrics', round: 1, error: 'ThrottlingException' });
  const verdicts = log.filter((e) => e.message === 'canary verdict');
  expect(verdicts.length).toBeGreaterThanOrEqual(3);
  expect(verdicts.map((v) => v.outcome)).not.toContain('fail');
  expect(verdicts.at(-1)!.outcome).toBe('pass');
  expect(log.at(-1)).toMatchObject({ message: 'deployment ended: judging stopped', status: 'Succeeded' });
  expect(d.stops).toEqual([]);
}, 30_000);

it('logs a deployment it cannot read and fails the invocation, judging nothing', async () => {
  const from = logs.length;
  const { result } = await judge('d-NOSUCHDPL');
  // Without its target it fails the invocation: Lambda's retry of an asynchronous invocation is the second chance.
  expect(result.ok).toBe(false);
  await until(() => entries(from).length > 0);
  expect(entries(from)).toEqual([expect.objectContaining({ message: 'could not read the deployment: not judging', error: 'DeploymentDoesNotExistException', deploymentId: 'd-NOSUCHDPL' })]);
}, 30_000);

describe('a deployment that outlasts the judge\'s own invocation (a gated one waits up to an hour at a gate)', () => {
  let short: Awaited<ReturnType<typeof startTestStage>>;
  const shortLogs: string[] = [];
  beforeAll(async () => {
    // 20 s of Lambda time: its last round must begin 15 s (ROUND_MARGIN_MS) before the end, so it hands over after about 5 s.
    short = await startTestStage('judge-hand-over', {
      functionOverrides: { CanaryJudgeFunction: { timeoutSeconds: 20 } },
      onLog: (fn, line) => fn.startsWith('CanaryJudge') && shortLogs.push(line),
    });
  });
  afterAll(() => short.stop());

  const decisions = () =>
    shortLogs
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, string>)
      .filter((entry) => entry.service === 'company-canary-guard');

  it('is handed to a new invocation of the judge, which finds the deployment again and stops once it ends', async () => {
    const d = registerDeployment(short, 'GetCompanyFunction');
    const first = await short.lambda.invoke(functionNamed(short, 'CanaryJudgeFunction').functionName, {
      source: 'aws.codedeploy',
      'detail-type': 'CodeDeploy Deployment State-change Notification',
      detail: { deploymentId: d.deploymentId, state: 'START' },
    });
    expect(first.result.ok).toBe(true);
    await until(() => decisions().some((e) => e.message === 'out of time before the deployment ended: judging handed over to a new invocation'));
    const firstRequest = decisions().find((e) => e.message?.startsWith('out of time'))!.function_request_id;
    // The new invocation starts as the first did: no traffic yet, so it looks for the first shift.
    await until(() => decisions().some((e) => e.message === 'no verdict: the new version has no traffic yet' && e.function_request_id !== firstRequest));
    short.codedeploy.finish(d.deploymentId, 'Succeeded');
    await until(() => decisions().some((e) => e.message === 'deployment ended: judging stopped'));
    expect(decisions().filter((e) => e.level === 'ERROR')).toEqual([]);
    expect(d.stops).toEqual([]);
  }, 60_000);
});
