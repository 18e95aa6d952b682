import { CreateTopicCommand, GetTopicAttributesCommand, ListTopicsCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { CodeDeployClient, GetDeploymentGroupCommand, ListApplicationsCommand, ListDeploymentGroupsCommand } from '@aws-sdk/client-codedeploy';
import { MESSAGES_KEPT } from '../local/services/sns';
import { LOCAL_REGION } from '../local/template/cloudformation';
import { awsCli, describeWithTool } from './support/aws-cli';
import { startTestStage } from './support/local-parts';

/**
 * The local SNS, at AWS_ENDPOINT_URL_SNS in SNS's Query protocol: the topic the stack's
 * DeploymentNotificationTopicArn names, Publish to it through the real SDK and the AWS CLI, what it keeps of
 * the messages and the line `npm start` prints of each; refusals as SNS answers them, unsigned requests included.
 */
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:company-deployments';
let stage: Awaited<ReturnType<typeof startTestStage>>;
let sns: SNSClient;
const printed: string[] = [];

beforeAll(async () => {
  stage = await startTestStage('sns', { parameterOverrides: { DeploymentNotificationTopicArn: TOPIC } });
  stage.events.on('log', (source, line) => source === 'SNS' && printed.push(line));
  sns = new SNSClient({ region: LOCAL_REGION, credentials: stage.credentials, endpoint: stage.endpoints.AWS_ENDPOINT_URL_SNS, maxAttempts: 1 });
});
afterAll(async () => {
  sns.destroy();
  await stage.stop();
});

it('serves the topic the stack parameter names, and publishes to it through the SDK', async () => {
  expect((await sns.send(new ListTopicsCommand({}))).Topics).toEqual([{ TopicArn: TOPIC }]);
  expect((await sns.send(new GetTopicAttributesCommand({ TopicArn: TOPIC }))).Attributes).toEqual({ TopicArn: TOPIC, Owner: '000000000000' });
  const { MessageId } = await sns.send(new PublishCommand({ TopicArn: TOPIC, Subject: 'hello', Message: '{"a":"<b> & c"}' }));
  expect(MessageId).toMatch(/^[0-9a-f-]{36}$/);
  expect(stage.sns.messages(TOPIC).at(-1)).toMatchObject({ messageId: MessageId, subject: 'hello', message: '{"a":"<b> & c"}' });
  expect(printed.at(-1)).toBe(`${TOPIC} hello {"a":"<b> & c"}`);
});

it('answers a topic it does not have with NotFound, an empty message with InvalidParameter, another action with InvalidAction', async () => {
  await expect(sns.send(new PublishCommand({ TopicArn: `${TOPIC}-other`, Message: 'x' }))).rejects.toMatchObject({ name: 'NotFoundException', $metadata: { httpStatusCode: 404 } });
  await expect(sns.send(new GetTopicAttributesCommand({ TopicArn: `${TOPIC}-other` }))).rejects.toMatchObject({ name: 'NotFoundException' });
  await expect(sns.send(new PublishCommand({ TopicArn: TOPIC, Message: '' }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
  await expect(sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'x'.repeat(262_145) }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
  await expect(sns.send(new CreateTopicCommand({ Name: 'another' }))).rejects.toMatchObject({ Code: 'InvalidAction', $metadata: { httpStatusCode: 400 } });
});

it(`keeps the last ${MESSAGES_KEPT} messages of a topic, oldest first`, async () => {
  for (let i = 0; i < MESSAGES_KEPT + 5; i++) stage.sns.publish(TOPIC, `message ${i}`);
  const kept = stage.sns.messages(TOPIC);
  expect(kept).toHaveLength(MESSAGES_KEPT);
  expect([kept[0]!.message, kept.at(-1)!.message]).toEqual(['message 5', `message ${MESSAGES_KEPT + 4}`]);
});

it('refuses unsigned requests and a signature made with another secret, as SNS does', async () => {
  const unsigned = await fetch(stage.endpoints.AWS_ENDPOINT_URL_SNS!, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ Action: 'Publish', Version: '2010-03-31', TopicArn: TOPIC, Message: 'x' }).toString(),
  });
  expect(unsigned.status).toBe(403);
  expect(await unsigned.text()).toMatch(/<Code>MissingAuthenticationToken<\/Code>/);
  const forged = new SNSClient({ region: LOCAL_REGION, endpoint: stage.endpoints.AWS_ENDPOINT_URL_SNS, maxAttempts: 1, credentials: { ...stage.credentials, secretAccessKey: 'guessed' } });
  await expect(forged.send(new PublishCommand({ TopicArn: TOPIC, Message: 'x' }))).rejects.toMatchObject({ Code: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
  forged.destroy();
  expect(stage.sns.messages(TOPIC).some((m) => m.message === 'x')).toBe(false);
});

it('serves no topic when the parameter is empty', async () => {
  const silent = await startTestStage('sns-silent');
  try {
    const client = new SNSClient({ region: LOCAL_REGION, credentials: silent.credentials, endpoint: silent.endpoints.AWS_ENDPOINT_URL_SNS, maxAttempts: 1 });
    expect((await client.send(new ListTopicsCommand({}))).Topics).toEqual([]);
    await expect(client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'x' }))).rejects.toMatchObject({ name: 'NotFoundException' });
    client.destroy();
  } finally {
    await silent.stop();
  }
}, 30_000);

describeWithTool('the AWS CLI', () => {
  const cli = (...args: string[]) => awsCli('sns', stage.endpoints.AWS_ENDPOINT_URL_SNS!, stage.credentials, ...args);

  it('publishes, lists topics and reads attributes, and reports NotFound under its code', async () => {
    const { MessageId } = await cli('publish', '--topic-arn', TOPIC, '--subject', 'from the CLI', '--message', 'deployed');
    expect(stage.sns.messages(TOPIC).at(-1)).toMatchObject({ messageId: MessageId, subject: 'from the CLI', message: 'deployed' });
    expect(await cli('list-topics')).toEqual({ Topics: [{ TopicArn: TOPIC }] });
    expect(await cli('get-topic-attributes', '--topic-arn', TOPIC)).toEqual({ Attributes: { TopicArn: TOPIC, Owner: '000000000000' } });
    await expect(cli('publish', '--topic-arn', `${TOPIC}-other`, '--message', 'x')).rejects.toMatchObject({
      stderr: expect.stringContaining('An error occurred (NotFound) when calling the Publish operation: Topic does not exist'),
    });
  }, 60_000);
});

it("shows the topic as each deployment group's trigger, as CodeDeploy's GetDeploymentGroup answers it", async () => {
  const codedeploy = new CodeDeployClient({ region: LOCAL_REGION, credentials: stage.credentials, endpoint: stage.endpoints.AWS_ENDPOINT_URL_CODEDEPLOY, maxAttempts: 1 });
  try {
    const { applications = [] } = await codedeploy.send(new ListApplicationsCommand({}));
    const { deploymentGroups = [] } = await codedeploy.send(new ListDeploymentGroupsCommand({ applicationName: applications[0] }));
    expect(deploymentGroups).toHaveLength(5);
    for (const deploymentGroupName of deploymentGroups) {
      const { deploymentGroupInfo } = await codedeploy.send(new GetDeploymentGroupCommand({ applicationName: applications[0], deploymentGroupName }));
      expect(deploymentGroupInfo!.triggerConfigurations).toEqual([
        {
          triggerName: 'deployment-notifications',
          triggerTargetArn: TOPIC,
          triggerEvents: ['DeploymentStart', 'DeploymentSuccess', 'DeploymentFailure', 'DeploymentStop', 'DeploymentRollback'],
        },
      ]);
    }
  } finally {
    codedeploy.destroy();
  }
});
