import {
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  GetApplicationCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  ListApplicationsCommand,
  ListDeploymentGroupsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { LOCAL_REGION } from '../local/template/cloudformation';
import { awsCli, boto3, describeWithTool } from './support/aws-cli';
import { functionNamed } from './support/hook-runs';
import { startTestStage } from './support/local-parts';

/**
 * What an operator reads of the stage's CodeDeploy, as CodeDeploy answers it: applications, deployment groups
 * and their configs, deployments (one at a time or in a batch) with how they ended, and a target's weight as
 * traffic shifts. Through the project's SDK, the real AWS CLI and boto3.
 */
let stage: Awaited<ReturnType<typeof startTestStage>>;
let client: CodeDeployClient;
let group: { applicationName: string; deploymentGroupName: string };
beforeAll(async () => {
  stage = await startTestStage('codedeploy-reads');
  client = new CodeDeployClient({ region: LOCAL_REGION, credentials: stage.credentials, endpoint: stage.endpoints.AWS_ENDPOINT_URL_CODEDEPLOY, maxAttempts: 1 });
  const deployment = stage.model.deploymentOf('GetCompanyFunction', '1')!;
  group = { applicationName: deployment.application, deploymentGroupName: deployment.deploymentGroup };
});
afterAll(async () => {
  client.destroy();
  await stage.stop();
});

/** A deployment of GetCompany's group from version 1 to 2, as the rehearsal starts one. */
function startDeployment() {
  const { functionName } = functionNamed(stage, 'GetCompanyFunction');
  const { deploymentId } = stage.codedeploy.createDeployment({
    functionName,
    alias: 'live',
    currentVersion: '1',
    targetVersion: '2',
    targetVersionWeight: 0,
    application: group.applicationName,
    deploymentGroup: group.deploymentGroupName,
  });
  return { deploymentId, targetId: `${functionName}:live` };
}

describe('the SDK', () => {
  it("finds the stack's application, its deployment groups and the canary config they use", async () => {
    expect((await client.send(new ListApplicationsCommand({}))).applications).toEqual([group.applicationName]);
    expect((await client.send(new GetApplicationCommand({ applicationName: group.applicationName }))).application).toMatchObject({ computePlatform: 'Lambda' });
    const groups = (await client.send(new ListDeploymentGroupsCommand({ applicationName: group.applicationName }))).deploymentGroups;
    expect(groups).toContain(group.deploymentGroupName);
    expect(groups).toHaveLength(5);
    const { deploymentGroupInfo } = await client.send(new GetDeploymentGroupCommand(group));
    // No DeploymentNotificationTopicArn given: no triggers (test/local-sns.test.ts gives one).
    expect(deploymentGroupInfo!.triggerConfigurations).toEqual([]);
    const { deploymentConfigInfo } = await client.send(new GetDeploymentConfigCommand({ deploymentConfigName: deploymentGroupInfo!.deploymentConfigName }));
    expect(deploymentConfigInfo!.trafficRoutingConfig).toEqual({ type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 1 } });
    await expect(client.send(new GetDeploymentConfigCommand({ deploymentConfigName: 'NoSuchConfig' }))).rejects.toMatchObject({ name: 'DeploymentConfigDoesNotExistException' });
    await expect(client.send(new GetApplicationCommand({ applicationName: 'NoSuchApp' }))).rejects.toMatchObject({ name: 'ApplicationDoesNotExistException' });
  });

  it("follows a deployment: its target's weight as traffic shifts, and how and why it ended once stopped", async () => {
    const { deploymentId, targetId } = startDeployment();
    stage.codedeploy.shift(deploymentId, 0.1);
    const shifted = (await client.send(new GetDeploymentTargetCommand({ deploymentId, targetId }))).deploymentTarget!.lambdaTarget!;
    expect(shifted).toMatchObject({ status: 'InProgress', lambdaFunctionInfo: { targetVersionWeight: 0.1 } });
    const running = (await client.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo!;
    expect(running).toMatchObject({ status: 'InProgress', deploymentConfigName: expect.stringContaining('Canary10Percent1Minute'), creator: 'user' });
    expect(running.startTime).toEqual(running.createTime);
    expect(running.errorInformation).toBeUndefined();

    await client.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
    const stopped = (await client.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo!;
    expect(stopped).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' } });
    expect((await client.send(new GetDeploymentTargetCommand({ deploymentId, targetId }))).deploymentTarget!.lambdaTarget!.status).toBe('Failed');

    const other = startDeployment();
    const batch = (await client.send(new BatchGetDeploymentsCommand({ deploymentIds: [deploymentId, other.deploymentId] }))).deploymentsInfo!;
    expect(batch.map((d) => [d.deploymentId, d.status])).toEqual([
      [deploymentId, 'Stopped'],
      [other.deploymentId, 'InProgress'],
    ]);
  });

  it('tells a malformed deployment id from one that does not exist, as CodeDeploy does', async () => {
    await expect(client.send(new GetDeploymentCommand({ deploymentId: 'not-an-id' }))).rejects.toMatchObject({ name: 'InvalidDeploymentIdException' });
    await expect(client.send(new GetDeploymentCommand({ deploymentId: 'd-ABCDEF123' }))).rejects.toMatchObject({ name: 'DeploymentDoesNotExistException' });
  });
});

describeWithTool('the AWS CLI', () => {
  const deploy = (...args: string[]) => awsCli('deploy', stage.endpoints.AWS_ENDPOINT_URL_CODEDEPLOY!, stage.credentials, ...args);

  it('list-applications, list-deployment-groups, get-deployment-config, get-deployment and batch-get-deployments', async () => {
    expect((await deploy('list-applications')).applications).toEqual([group.applicationName]);
    expect((await deploy('list-deployment-groups', '--application-name', group.applicationName)).deploymentGroups).toContain(group.deploymentGroupName);
    const { deploymentGroupInfo } = await deploy('get-deployment-group', '--application-name', group.applicationName, '--deployment-group-name', group.deploymentGroupName);
    expect((await deploy('get-deployment-config', '--deployment-config-name', deploymentGroupInfo.deploymentConfigName)).deploymentConfigInfo.trafficRoutingConfig.type).toBe('TimeBasedCanary');
    const { deploymentId } = startDeployment();
    expect((await deploy('get-deployment', '--deployment-id', deploymentId)).deploymentInfo).toMatchObject({ status: 'InProgress', creator: 'user' });
    expect((await deploy('batch-get-deployments', '--deployment-ids', deploymentId)).deploymentsInfo).toHaveLength(1);
  }, 60_000);
});

describeWithTool('boto3', () => {
  it('raises its typed InvalidDeploymentIdException for a malformed id', async () => {
    const script = ['try:', "    client.get_deployment(deploymentId='not-an-id')", 'except client.exceptions.InvalidDeploymentIdException:', "    print('typed')"];
    expect(await boto3('codedeploy', stage.endpoints.AWS_ENDPOINT_URL_CODEDEPLOY!, stage.credentials, script)).toEqual(['typed']);
  }, 30_000);
});
