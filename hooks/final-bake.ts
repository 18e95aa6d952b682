import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { type CodeDeployClient, GetDeploymentCommand, GetDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import type { Verdict } from './lifecycle';

/**
 * The final bake. CodeDeploy ends a Lambda deployment at its last traffic shift: AfterAllowTraffic runs "after
 * all traffic is shifted" and nothing watches after it (AppConfig, by contrast, has FinalBakeTimeInMinutes).
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html
 * So PostTraffic holds the deployment open for a while after its journey: while it does, CodeDeploy, the
 * stopper and the judge can still roll the version back, and the bake itself reads the deployment group's
 * alarms. It fails as soon as an alarm is in ALARM or the deployment has been stopped; it passes when the time
 * is up. A read it cannot make (throttling, say) is tried again at the next check, not a verdict; a bake that
 * never managed one fails.
 */

/** High-resolution alarms are evaluated every 10 s; checking twice as often adds at most 5 s to a rollback. */
export const BAKE_CHECK_MS = 5_000;

const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

export interface BakeClients {
  codedeploy: CodeDeployClient;
  cloudwatch: CloudWatchClient;
}

/** The deployment group's alarms, read once: CodeDeploy fixes them for the deployment's life. */
async function alarmsOf({ codedeploy }: BakeClients, deploymentId: string, abortSignal: AbortSignal): Promise<string[]> {
  const { deploymentInfo } = await codedeploy.send(new GetDeploymentCommand({ deploymentId }), { abortSignal });
  const { deploymentGroupInfo } = await codedeploy.send(
    new GetDeploymentGroupCommand({ applicationName: deploymentInfo?.applicationName, deploymentGroupName: deploymentInfo?.deploymentGroupName }),
    { abortSignal },
  );
  return (deploymentGroupInfo?.alarmConfiguration?.alarms ?? []).flatMap((alarm) => (alarm.name ? [alarm.name] : []));
}

/** Trouble the bake sees now: a deployment no longer in progress, or an alarm in ALARM. */
async function trouble(clients: BakeClients, deploymentId: string, alarms: string[], abortSignal: AbortSignal): Promise<Record<string, unknown> | undefined> {
  const { deploymentInfo } = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId }), { abortSignal });
  if (deploymentInfo?.status !== 'InProgress') return { reason: `the deployment is ${deploymentInfo?.status}: stopped during the final bake` };
  if (alarms.length === 0) return undefined;
  // DescribeAlarms takes 100 names a call; a deployment group holds 10 alarms at most.
  const { MetricAlarms = [], CompositeAlarms = [] } = await clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: alarms }), { abortSignal });
  const firing = [...MetricAlarms, ...CompositeAlarms].filter((alarm) => alarm.StateValue === 'ALARM').map((alarm) => alarm.AlarmName);
  return firing.length > 0 ? { reason: 'an alarm went into ALARM during the final bake', alarms: firing } : undefined;
}

export async function finalBake(clients: BakeClients, deploymentId: string, bakeMs: number, signal: AbortSignal): Promise<Verdict> {
  const started = Date.now();
  const until = started + bakeMs;
  let alarms: string[] | undefined;
  let checks = 0;
  let lastError: string | undefined;
  for (;;) {
    try {
      alarms ??= await alarmsOf(clients, deploymentId, signal);
      const found = await trouble(clients, deploymentId, alarms, signal);
      if (found) return { status: 'Failed', evidence: { bake: { ...found, afterMs: Date.now() - started } } };
      checks++;
    } catch (error) {
      if (signal.aborted) throw error;
      lastError = describe(error);
    }
    const left = until - Date.now();
    if (left <= 0) {
      // A bake that could never read what it watches has watched nothing: that is no pass.
      if (checks === 0) return { status: 'Failed', evidence: { bake: { reason: `could not read the deployment or its alarms during the bake (${lastError})` } } };
      return { status: 'Succeeded', evidence: { bake: { watchedMs: Date.now() - started, alarms, checks, lastError } } };
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(BAKE_CHECK_MS, left)));
  }
}
