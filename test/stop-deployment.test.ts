import { ServiceError } from '../local/services/aws-json-protocol';
import { functionNamed, logLine, registerDeployment } from './support/hook-runs';
import { startTestStage } from './support/local-parts';

/**
 * The stopper, as EventBridge runs it: its built bundle invoked on a local stage with alarm state-change
 * events, against the local CodeDeploy. On every path it logs one decision and returns, never throws.
 */
let stage: Awaited<ReturnType<typeof startTestStage>>;
/** What the stage logged since the latest stopper invocation began. */
let logs: string[] = [];
beforeAll(async () => {
  stage = await startTestStage('stopper', { onLog: (_fn, line) => logs.push(line) });
});
afterAll(() => stage.stop());

const deploymentOf = (logicalId: string) => stage.model.deploymentOf(logicalId, '2')!;
const alarmOf = (logicalId: string, kind: 'Errors' | 'Http5xx' | 'Latency') => deploymentOf(logicalId).alarms.find((a) => a.logicalId.endsWith(`${kind}Alarm`))!.name;

const deployment = (logicalId: string) => registerDeployment(stage, logicalId);

async function stopper(alarmName: string | undefined, state = 'ALARM') {
  logs = [];
  const { result } = await stage.lambda.invoke(functionNamed(stage, 'StopDeploymentFunction').functionName, {
    version: '0',
    source: 'aws.cloudwatch',
    'detail-type': 'CloudWatch Alarm State Change',
    detail: { alarmName, state: { value: state }, previousState: { value: 'OK' } },
  });
  expect(result.ok).toBe(true);
  return logLine(logs, (entry) => entry.service === 'company-canary-guard');
}

it('stops the deployment of the alarm group in progress, with rollback, once', async () => {
  const { deploymentId, stops } = deployment('GetCompanyFunction');
  const decision = await stopper(alarmOf('GetCompanyFunction', 'Http5xx'));
  expect(decision).toMatchObject({ message: 'deployment stopped, rolling back', deploymentId, deploymentGroup: deploymentOf('GetCompanyFunction').deploymentGroup });
  expect(stops).toEqual([deploymentId]);
  // The same alarm again (EventBridge delivers at least once): nothing left to stop.
  expect((await stopper(alarmOf('GetCompanyFunction', 'Http5xx'))).message).toBe('no deployment in progress: nothing to stop');
  expect(stops).toHaveLength(1);
});

it("leaves other groups' deployments alone", async () => {
  const list = deployment('ListCompaniesFunction');
  const update = deployment('UpdateCompanyFunction');
  expect((await stopper(alarmOf('UpdateCompanyFunction', 'Latency'))).deploymentId).toBe(update.deploymentId);
  expect(update.stops).toEqual([update.deploymentId]);
  expect(list.stops).toEqual([]);
  stage.codedeploy.finish(list.deploymentId, 'Succeeded');
});

it('does nothing when no deployment is in progress, for an alarm it does not know, or for a state other than ALARM', async () => {
  expect((await stopper(alarmOf('DeleteCompanyFunction', 'Errors'))).message).toBe('no deployment in progress: nothing to stop');
  expect((await stopper('some-other-alarm')).message).toBe('alarm of no deployment group: nothing stopped');
  const { stops, deploymentId } = deployment('CreateCompanyFunction');
  expect((await stopper(alarmOf('CreateCompanyFunction', 'Errors'), 'OK')).message).toBe('not an alarm going into ALARM: nothing to stop');
  expect((await stopper(undefined)).message).toBe('not an alarm going into ALARM: nothing to stop');
  expect(stops).toEqual([]);
  stage.codedeploy.finish(deploymentId, 'Succeeded');
});

it('logs and gives up when CodeDeploy keeps throttling, or fails, rather than looping', async () => {
  const { deploymentId, stops } = deployment('DeleteCompanyFunction');
  stage.codedeploy.throttle.set('ListDeployments', 10);
  expect(await stopper(alarmOf('DeleteCompanyFunction', 'Errors'))).toMatchObject({ level: 'ERROR', message: 'could not list deployments: nothing stopped', error: 'ThrottlingException' });
  stage.codedeploy.throttle.set('ListDeployments', 0);
  stage.codedeploy.throttle.set('StopDeployment', 10);
  expect(await stopper(alarmOf('DeleteCompanyFunction', 'Errors'))).toMatchObject({ level: 'ERROR', message: 'could not stop the deployment', deploymentId, error: 'ThrottlingException' });
  stage.codedeploy.throttle.set('StopDeployment', 0);
  expect(stops).toEqual([]);
  // Once CodeDeploy answers again, the next alarm event stops it.
  expect((await stopper(alarmOf('DeleteCompanyFunction', 'Errors'))).message).toBe('deployment stopped, rolling back');
  expect(stops).toEqual([deploymentId]);
}, 30_000);

it('logs a deployment that ended between its listing and its stop, and any other CodeDeploy error, and returns', async () => {
  const raced = deployment('GetCompanyFunction');
  stage.codedeploy.beforeNext.set('StopDeployment', () => stage.codedeploy.finish(raced.deploymentId, 'Succeeded'));
  expect(await stopper(alarmOf('GetCompanyFunction', 'Errors'))).toMatchObject({ level: 'INFO', message: 'deployment had already ended', deploymentId: raced.deploymentId });
  const refused = deployment('GetCompanyFunction');
  stage.codedeploy.beforeNext.set('StopDeployment', () => {
    throw new ServiceError('AccessDeniedException', 'not authorized to perform codedeploy:StopDeployment');
  });
  expect(await stopper(alarmOf('GetCompanyFunction', 'Latency'))).toMatchObject({
    level: 'ERROR',
    message: 'could not stop the deployment',
    deploymentId: refused.deploymentId,
    error: 'AccessDeniedException',
  });
  expect([raced.stops, refused.stops]).toEqual([[], []]);
  stage.codedeploy.finish(refused.deploymentId, 'Succeeded');
});
