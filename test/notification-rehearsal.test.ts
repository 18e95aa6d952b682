import { CodeDeployClient, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CanaryProgress } from '../local/deploy/canary';
import { rehearseOn } from '../local/deploy/rehearsal';
import { alarmTiming } from '../local/services/cloudwatch/aws-timing';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../local/template/cloudformation';
import { copySource, removeCandidates, type SourceChange } from './support/candidates';
import { getCompanyFindsAnything, goodGetCompany } from './support/candidate-patches';
import { startTestStage } from './support/local-parts';
import { only, QUICK } from './support/rehearsals';

/**
 * Deployment notifications, rehearsed: with DeploymentNotificationTopicArn set, the rehearsal's CodeDeploy tells
 * the topic of each deployment's start and of how it ended, in the JSON CodeDeploy's triggers send
 * (https://docs.aws.amazon.com/codedeploy/latest/userguide/monitoring-sns-event-notifications-json-format.html);
 * with it empty, nothing is published. Each case deploys a candidate on a stage of its own, at QUICK's time
 * scale with no traffic and instant alarm timing: the hooks decide these deployments, not the alarms.
 */
const TOPIC = `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:company-deployments`;
let reportsDir: string;
beforeEach(() => (reportsDir = mkdtempSync(join(tmpdir(), 'company-canary-notifications-'))));
afterEach(() => rmSync(reportsDir, { recursive: true, force: true }));
afterAll(removeCandidates);

type Stage = Awaited<ReturnType<typeof startTestStage>>;

async function rehearseWith(change: SourceChange, parameterOverrides: Record<string, string>, onProgress?: (stage: Stage, update: CanaryProgress) => void) {
  const stage = await startTestStage('notifications', { parameterOverrides });
  const printed: string[] = [];
  stage.events.on('log', (source, line) => source === 'SNS' && printed.push(line));
  try {
    const { report } = await rehearseOn(stage, {
      sourceRoot: copySource([change]),
      reportsDir,
      timeScale: QUICK.timeScale,
      trafficRps: 0,
      alarmTiming: alarmTiming({ mode: 'instant' }),
      onProgress: onProgress && ((update) => onProgress(stage, update)),
    });
    const published = stage.sns.topics().flatMap((topic) => stage.sns.messages(topic));
    return { report, stage, printed, messages: published.map((m) => ({ topicArn: m.topicArn, subject: m.subject, body: JSON.parse(m.message) })) };
  } finally {
    await stage.stop();
  }
}

const common = (deploymentId: string) => ({
  region: LOCAL_REGION,
  accountId: LOCAL_ACCOUNT,
  eventTriggerName: 'deployment-notifications',
  applicationName: expect.any(String),
  deploymentGroupName: expect.any(String),
  deploymentId,
  createTime: expect.stringMatching(/^\d{10}\.\d{3}$/),
});

it('a good version: the topic hears that its deployment started, then that it succeeded', async () => {
  const { report, stage, messages, printed } = await rehearseWith(goodGetCompany, { DeploymentNotificationTopicArn: TOPIC });
  const fn = only({ report, reportDir: '' }, 'GetCompanyFunction');
  expect({ outcome: fn.outcome, reason: fn.reason }).toEqual({ outcome: 'Succeeded', reason: undefined });
  const [deployment] = stage.codedeploy.history();
  expect(messages).toEqual([
    { topicArn: TOPIC, subject: undefined, body: { ...common(deployment!.deploymentId), status: 'InProgress' } },
    { topicArn: TOPIC, subject: undefined, body: { ...common(deployment!.deploymentId), completeTime: expect.stringMatching(/^\d{10}\.\d{3}$/), status: 'Succeeded' } },
  ]);
  expect(messages[0]!.body).toMatchObject({ applicationName: deployment!.application, deploymentGroupName: deployment!.deploymentGroup });
  expect(Number(messages[1]!.body.completeTime)).toBeGreaterThanOrEqual(Number(messages[1]!.body.createTime));
  expect(printed).toHaveLength(2);
  expect(printed[1]).toMatch(new RegExp(`^${TOPIC} \\{.*"status":"Succeeded"`));
}, 120_000);

it('a version that fails PreTraffic: the topic hears that it started, then that it failed, and why', async () => {
  const { report, stage, messages } = await rehearseWith(getCompanyFindsAnything, { DeploymentNotificationTopicArn: TOPIC });
  expect(only({ report, reportDir: '' }, 'GetCompanyFunction')).toMatchObject({ outcome: 'RolledBack', reason: 'PreTraffic hook reported Failed' });
  const [deployment] = stage.codedeploy.history();
  expect(messages.map((m) => m.body.status)).toEqual(['InProgress', 'Failed']);
  expect(messages[1]!.body).toEqual({
    ...common(deployment!.deploymentId),
    completeTime: expect.stringMatching(/^\d{10}\.\d{3}$/),
    status: 'Failed',
    errorInformation: { ErrorCode: 'HOOK_EXECUTION_FAILURE', ErrorMessage: 'PreTraffic hook reported Failed' },
  });
  expect(messages[0]!.body).not.toHaveProperty('errorInformation');
}, 120_000);

it('a deployment an operator stops while it bakes: the topic hears that it started, then that it was stopped, and why', async () => {
  let stopping: Promise<unknown> | undefined;
  const stopInBake = (stage: Stage, update: CanaryProgress) => {
    if (update.phase !== 'Bake' || stopping) return;
    const codedeploy = new CodeDeployClient({ region: LOCAL_REGION, credentials: stage.credentials, endpoint: stage.endpoints.AWS_ENDPOINT_URL_CODEDEPLOY });
    const [deployment] = stage.codedeploy.history();
    stopping = codedeploy.send(new StopDeploymentCommand({ deploymentId: deployment!.deploymentId, autoRollbackEnabled: true })).finally(() => codedeploy.destroy());
  };
  const { report, stage, messages } = await rehearseWith(goodGetCompany, { DeploymentNotificationTopicArn: TOPIC }, stopInBake);
  await stopping;
  expect(only({ report, reportDir: '' }, 'GetCompanyFunction')).toMatchObject({ outcome: 'RolledBack' });
  const [deployment] = stage.codedeploy.history();
  expect(messages.map((m) => m.body)).toEqual([
    { ...common(deployment!.deploymentId), status: 'InProgress' },
    {
      ...common(deployment!.deploymentId),
      completeTime: expect.stringMatching(/^\d{10}\.\d{3}$/),
      status: 'Stopped',
      errorInformation: { ErrorCode: 'MANUAL_STOP', ErrorMessage: 'The deployment was stopped by a StopDeployment request' },
    },
  ]);
}, 120_000);

it('with the parameter empty, the stage has no topic and nothing is published', async () => {
  const { report, stage, messages, printed } = await rehearseWith(getCompanyFindsAnything, {});
  expect(only({ report, reportDir: '' }, 'GetCompanyFunction')).toMatchObject({ outcome: 'RolledBack' });
  expect(stage.sns.topics()).toEqual([]);
  expect(messages).toEqual([]);
  expect(printed).toEqual([]);
}, 120_000);
