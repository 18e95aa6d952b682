import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CodeDeployClient,
  DeploymentAlreadyCompletedException,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { AwsClock } from '../local/services/cloudwatch/aws-clock';
import { alarmTiming } from '../local/services/cloudwatch/aws-timing';
import { InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { LOCAL_REGION } from '../local/template/cloudformation';
import { functionNamed } from './support/hook-runs';
import { startTestStage } from './support/local-parts';

/** The local Lambda and CodeDeploy endpoints, through the real SDK clients, in each service's own protocol. */

let stage: Awaited<ReturnType<typeof startTestStage>>;
let lambda: LambdaClient;
let codedeploy: CodeDeployClient;
beforeAll(async () => {
  stage = await startTestStage('services');
  const local = { region: LOCAL_REGION, credentials: stage.credentials };
  lambda = new LambdaClient({ ...local, endpoint: stage.endpoints.AWS_ENDPOINT_URL_LAMBDA, maxAttempts: 1 });
  codedeploy = new CodeDeployClient({ ...local, endpoint: stage.endpoints.AWS_ENDPOINT_URL_CODEDEPLOY, maxAttempts: 1 });
});
afterAll(async () => {
  lambda.destroy();
  codedeploy.destroy();
  await stage.stop();
});

const notFoundEvent = {
  httpMethod: 'GET',
  path: '/companies/3f0c2d9e-8a4b-4c1e-9f3a-2b6d7e8f9a01',
  pathParameters: { companyId: '3f0c2d9e-8a4b-4c1e-9f3a-2b6d7e8f9a01' },
  headers: {},
  requestContext: { requestId: 'r-1' },
};
const invoke = (FunctionName: string, Qualifier?: string, event: unknown = notFoundEvent) =>
  lambda.send(new InvokeCommand({ FunctionName, Qualifier, Payload: Buffer.from(JSON.stringify(event)) }));

describe('Lambda', () => {
  it('invokes a published version by Qualifier and says which version ran', async () => {
    const spec = functionNamed(stage, 'GetCompanyFunction');
    const second = stage.lambda.publishVersion(spec.functionName, spec.bundleDir);
    const result = await invoke(spec.functionName, second);
    expect(result.StatusCode).toBe(200);
    expect(result.ExecutedVersion).toBe(second);
    expect(JSON.parse(Buffer.from(result.Payload!).toString()).statusCode).toBe(404);
  });

  it('routes an alias by its weights, as Lambda does', async () => {
    const spec = functionNamed(stage, 'GetCompanyFunction');
    const second = stage.lambda.publishVersion(spec.functionName, spec.bundleDir);
    stage.lambda.updateAlias(spec.functionName, 'live', { functionVersion: '1', additionalVersionWeights: { [second]: 0.25 } });
    const executed = await Promise.all(Array.from({ length: 200 }, () => invoke(spec.functionName, 'live').then((r) => r.ExecutedVersion)));
    stage.lambda.updateAlias(spec.functionName, 'live', { functionVersion: '1', additionalVersionWeights: {} });
    const share = executed.filter((v) => v === second).length / executed.length;
    // 200 draws at 25 %: a share outside 8–42 % is over 5.5 standard deviations out, under 1 in 10 million runs.
    expect(share).toBeGreaterThan(0.08);
    expect(share).toBeLessThan(0.42);
    expect(new Set(executed)).toEqual(new Set(['1', second]));
  });

  it('reports a function error as Lambda does', async () => {
    const result = await invoke(functionNamed(stage, 'PreTrafficHook').functionName, undefined, 'not an object');
    expect(result.StatusCode).toBe(200);
    expect(result.FunctionError).toBeUndefined();
    const crash = await invoke('GetCompanyFunction', 'live', null);
    expect(crash.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(crash.Payload!).toString())).toMatchObject({ errorType: 'TypeError' });
  });

  it('answers unknown functions and operations in its own error shape', async () => {
    await expect(invoke('NoSuchFunction')).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
    await expect(invoke('GetCompanyFunction', '99')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(lambda.send(new ListFunctionsCommand({}))).rejects.toMatchObject({ name: 'UnknownOperationException' });
  });
});

describe('CodeDeploy', () => {
  const deployment = () =>
    stage.codedeploy.createDeployment({ functionName: 'GetCompanyFunction', alias: 'live', currentVersion: '1', targetVersion: '2', targetVersionWeight: 0 });

  it('describes a Lambda target and records one status per hook execution', async () => {
    const { deploymentId, preTraffic } = deployment();
    const targetId = 'GetCompanyFunction:live';
    const before = await codedeploy.send(new GetDeploymentTargetCommand({ deploymentId, targetId }));
    expect(before.deploymentTarget?.lambdaTarget?.lambdaFunctionInfo).toMatchObject({ functionName: 'GetCompanyFunction', currentVersion: '1', targetVersion: '2' });
    expect(before.deploymentTarget?.lambdaTarget?.lifecycleEvents?.[0]).toMatchObject({ lifecycleEventName: 'BeforeAllowTraffic', status: 'Pending' });

    await codedeploy.send(new PutLifecycleEventHookExecutionStatusCommand({ deploymentId, lifecycleEventHookExecutionId: preTraffic, status: 'Succeeded' }));
    await expect(
      codedeploy.send(new PutLifecycleEventHookExecutionStatusCommand({ deploymentId, lifecycleEventHookExecutionId: preTraffic, status: 'Failed' })),
    ).rejects.toMatchObject({ name: 'LifecycleEventAlreadyCompletedException' });
    expect(stage.codedeploy.statuses.filter((s) => s.lifecycleEventHookExecutionId === preTraffic).map((s) => s.status)).toEqual(['Succeeded']);
    const after = await codedeploy.send(new GetDeploymentTargetCommand({ deploymentId, targetId }));
    expect(after.deploymentTarget?.lambdaTarget?.lifecycleEvents?.[0]?.status).toBe('Succeeded');
  });

  it('lists, describes and stops deployments of a deployment group, telling whoever plays it', async () => {
    const group = { applicationName: 'local-App', deploymentGroupName: 'local-GetCompanyFunctionDeploymentGroup' };
    const { deploymentId } = stage.codedeploy.createDeployment({
      functionName: 'GetCompanyFunction',
      alias: 'live',
      currentVersion: '1',
      targetVersion: '2',
      targetVersionWeight: 0,
      application: group.applicationName,
      deploymentGroup: group.deploymentGroupName,
    });
    const stops: string[] = [];
    stage.codedeploy.onStop(deploymentId, (id) => stops.push(id));
    const inProgress = { ...group, includeOnlyStatuses: ['InProgress' as const] };
    expect((await codedeploy.send(new ListDeploymentsCommand(inProgress))).deployments).toEqual([deploymentId]);
    const info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo!;
    expect(info).toMatchObject({ deploymentId, ...group, status: 'InProgress', computePlatform: 'Lambda' });
    expect(Math.abs(info.createTime!.getTime() - Date.now())).toBeLessThan(60_000);

    expect(await codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }))).toMatchObject({ status: 'Pending' });
    expect(stops).toEqual([deploymentId]);
    expect((await codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo!.status).toBe('Stopped');
    expect((await codedeploy.send(new ListDeploymentsCommand(inProgress))).deployments).toEqual([]);
    await expect(codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }))).rejects.toBeInstanceOf(DeploymentAlreadyCompletedException);
    expect(stops).toHaveLength(1);
  });

  it('answers unknown deployments and operations in its own error shape', async () => {
    await expect(codedeploy.send(new GetDeploymentTargetCommand({ deploymentId: 'd-NOPE00000', targetId: 'x' }))).rejects.toMatchObject({ name: 'DeploymentDoesNotExistException' });
    await expect(codedeploy.send(new GetDeploymentCommand({ deploymentId: 'd-NOPE00000' }))).rejects.toMatchObject({ name: 'DeploymentDoesNotExistException' });
    await expect(codedeploy.send(new StopDeploymentCommand({ deploymentId: 'd-NOPE00000' }))).rejects.toMatchObject({ name: 'DeploymentDoesNotExistException' });
  });
});

describe('CloudWatch', () => {
  // A function of its own, so that the other tests' invocations add nothing to it.
  const dimensions = { FunctionName: 'MetricDataTestFunction', ExecutedVersion: '2' };
  const query = (Period: number) => ({
    Id: 'requests',
    MetricStat: { Metric: { Namespace: 'CompanyCanary', MetricName: 'Requests', Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) }, Period, Stat: 'Sum' },
  });

  it('answers GetMetricData per aligned period, and with AWS timing only once a period has arrived', async () => {
    const cloudwatch = new CloudWatchClient({ region: LOCAL_REGION, credentials: stage.credentials, endpoint: stage.endpoints.AWS_ENDPOINT_URL_CLOUDWATCH, maxAttempts: 1 });
    const previous = stage.awsTime;
    try {
      const now = Date.now();
      // The newest 10 s period whose data has arrived (EMF's 10 s after it ends), and the one after it.
      const arrived = Math.floor((now - 10_000) / 10_000) * 10_000 - 10_000;
      const pending = arrived + 10_000;
      for (const at of [arrived + 1_000, arrived + 2_000, arrived + 9_999, pending + 1_000, pending + 5_000]) {
        stage.metrics.put({ namespace: 'CompanyCanary', name: 'Requests', dimensions, value: 1, at, storageResolution: 1 });
      }
      const read = (Period: number) =>
        cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: [query(Period)], StartTime: new Date(arrived - 30_000), EndTime: new Date(now + 1_000), ScanBy: 'TimestampAscending' }));
      stage.awsTime = { clock: new AwsClock(1), timing: alarmTiming({ emfMetricDelaySeconds: 10 }) };
      const tenSeconds = (await read(10)).MetricDataResults![0]!;
      expect(tenSeconds.Values).toEqual([3]);
      expect(tenSeconds.Timestamps!.map((t) => t.getTime())).toEqual([arrived]);
      stage.awsTime = { clock: new AwsClock(1), timing: alarmTiming({ mode: 'instant' }) };
      expect((await read(10)).MetricDataResults![0]!.Values).toEqual([3, 2]);
      await expect(cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: [{ Id: 'x', Expression: 'requests * 2' }], StartTime: new Date(arrived), EndTime: new Date(now) }))).rejects.toMatchObject({
        name: 'InvalidParameterValueException',
      });
    } finally {
      stage.awsTime = previous;
      cloudwatch.destroy();
    }
  });
});

describe("every local AWS endpoint serves only requests signed with the stage's credentials", () => {
  const endpoints = () => Object.entries(stage.endpoints).filter(([name]) => name !== 'AWS_ENDPOINT_URL_DYNAMODB');

  it('refuses unsigned requests, as AWS does, on Lambda, CodeDeploy, Step Functions, Secrets Manager, CloudWatch, CloudWatch Logs, CloudFormation and SNS', async () => {
    expect(endpoints().map(([name]) => name).sort()).toEqual([
      'AWS_ENDPOINT_URL_CLOUDFORMATION',
      'AWS_ENDPOINT_URL_CLOUDWATCH',
      'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS',
      'AWS_ENDPOINT_URL_CODEDEPLOY',
      'AWS_ENDPOINT_URL_LAMBDA',
      'AWS_ENDPOINT_URL_SECRETS_MANAGER',
      'AWS_ENDPOINT_URL_SFN',
      'AWS_ENDPOINT_URL_SNS',
    ]);
    for (const [, url] of endpoints()) {
      const response = await fetch(`${url}/2015-03-31/functions/GetCompanyFunction/invocations`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('Missing Authentication Token');
    }
  });

  it('refuses a signature made with another secret, or for another body', async () => {
    const forged = new LambdaClient({ region: LOCAL_REGION, endpoint: stage.endpoints.AWS_ENDPOINT_URL_LAMBDA, maxAttempts: 1, credentials: { ...stage.credentials, secretAccessKey: 'guessed' } });
    await expect(forged.send(new InvokeCommand({ FunctionName: 'GetCompanyFunction', Payload: Buffer.from('{}') }))).rejects.toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } });
    forged.destroy();
    const stranger = new LambdaClient({ region: LOCAL_REGION, endpoint: stage.endpoints.AWS_ENDPOINT_URL_LAMBDA, maxAttempts: 1, credentials: { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'x' } });
    await expect(stranger.send(new InvokeCommand({ FunctionName: 'GetCompanyFunction', Payload: Buffer.from('{}') }))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    stranger.destroy();
    // A body swapped after signing: the payload hash in the signature no longer matches.
    const tampering = new LambdaClient({ region: LOCAL_REGION, endpoint: stage.endpoints.AWS_ENDPOINT_URL_LAMBDA, maxAttempts: 1, credentials: stage.credentials });
    tampering.middlewareStack.add((next) => async (args) => {
      const request = args.request as { body?: unknown; headers: Record<string, string> };
      request.body = Buffer.from('{"planted":true}');
      request.headers['content-length'] = String((request.body as Buffer).length);
      return next(args);
    }, { step: 'finalizeRequest', priority: 'low', name: 'swapBodyAfterSigning' });
    await expect(tampering.send(new InvokeCommand({ FunctionName: 'GetCompanyFunction', Payload: Buffer.from('{"original":true}') }))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    tampering.destroy();
  });
});

