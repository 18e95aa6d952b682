import {
  BatchGetDeploymentsCommand,
  type DeploymentInfo,
  GetDeploymentConfigCommand,
  GetDeploymentTargetCommand,
  type LifecycleEvent,
  paginateListDeployments,
} from '@aws-sdk/client-codedeploy';
import type { CanaryFunction } from './stack';
import type { Clients } from './target';

/** CodeDeploy's statuses of a deployment that has not ended. */
export const UNFINISHED = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] as const;

/** The function's deployments, newest first, as BatchGetDeployments describes them; `limit` of them at most. */
export async function deploymentsOf(clients: Clients, fn: CanaryFunction, limit: number, statuses?: readonly string[]): Promise<DeploymentInfo[]> {
  const ids: string[] = [];
  const pages = paginateListDeployments(
    { client: clients.codedeploy },
    { applicationName: fn.application, deploymentGroupName: fn.deploymentGroup, includeOnlyStatuses: statuses as never },
  );
  for await (const page of pages) ids.push(...(page.deployments ?? []));
  const infos: DeploymentInfo[] = [];
  // BatchGetDeployments takes 25 ids at a time.
  for (let i = 0; i < ids.length; i += 25) {
    const { deploymentsInfo = [] } = await clients.codedeploy.send(new BatchGetDeploymentsCommand({ deploymentIds: ids.slice(i, i + 25) }));
    infos.push(...deploymentsInfo);
  }
  return infos.sort((a, b) => (b.createTime?.getTime() ?? 0) - (a.createTime?.getTime() ?? 0)).slice(0, limit);
}

/** What a Lambda deployment's one target says: its versions, the new one's weight and the hooks' lifecycle events. */
export interface LambdaTargetView {
  currentVersion: string;
  targetVersion: string;
  targetWeight: number;
  lifecycle: LifecycleEvent[];
}

export async function targetOfDeployment(clients: Clients, fn: CanaryFunction, deploymentId: string): Promise<LambdaTargetView> {
  // A Lambda deployment's one target is the alias, named <function>:<alias>.
  const { deploymentTarget } = await clients.codedeploy.send(new GetDeploymentTargetCommand({ deploymentId, targetId: `${fn.functionName}:${fn.alias}` }));
  const info = deploymentTarget?.lambdaTarget?.lambdaFunctionInfo;
  return {
    currentVersion: info?.currentVersion ?? '?',
    targetVersion: info?.targetVersion ?? '?',
    targetWeight: info?.targetVersionWeight ?? 0,
    lifecycle: deploymentTarget?.lambdaTarget?.lifecycleEvents ?? [],
  };
}

/** How a deployment config shifts: a first share and then, every interval, the next (all at once: none). */
export interface Shifting {
  type: string;
  percentage?: number;
  intervalMinutes?: number;
}

export async function shiftingOf(clients: Clients, configName: string | undefined): Promise<Shifting | undefined> {
  if (!configName) return undefined;
  const { deploymentConfigInfo } = await clients.codedeploy.send(new GetDeploymentConfigCommand({ deploymentConfigName: configName }));
  const routing = deploymentConfigInfo?.trafficRoutingConfig;
  if (!routing?.type) return undefined;
  const step = routing.timeBasedCanary
    ? { percentage: routing.timeBasedCanary.canaryPercentage, intervalMinutes: routing.timeBasedCanary.canaryInterval }
    : routing.timeBasedLinear
      ? { percentage: routing.timeBasedLinear.linearPercentage, intervalMinutes: routing.timeBasedLinear.linearInterval }
      : {};
  return { type: routing.type, ...step };
}
