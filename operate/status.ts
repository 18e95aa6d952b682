import type { DeploymentInfo } from '@aws-sdk/client-codedeploy';
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import { alarmStates } from './alarms';
import { waitingGate, type WaitingGate } from './gates';
import { deploymentsOf, type LambdaTargetView, type Shifting, shiftingOf, targetOfDeployment, UNFINISHED } from './deployments';
import { latestVerdict, type Verdict } from './guard-logs';
import { versionFigures, type VersionFigures } from './version-figures';
import type { CanaryFunction, StackView } from './stack';
import type { Clients } from './target';

/** What `status` shows of one function: where its alias routes, its latest deployment, and each version's figures. */
export interface FunctionStatus {
  logicalId: string;
  functionName: string;
  alias: string;
  /** The alias's versions and their shares of traffic, the main one first. */
  routing: Array<{ version: string; weight: number }>;
  revisionId?: string;
  deployment?: DeploymentView;
  versions: VersionFigures[];
}

export interface DeploymentView {
  id: string;
  status: string;
  /**
   * PreTraffic, Shift (PreTraffic passed, the first share not yet moved), Bake (the canary's share), PostTraffic (all
   * traffic, the hook's journey and final bake), or the status once ended.
   */
  phase: string;
  currentVersion: string;
  targetVersion: string;
  targetWeight: number;
  configName?: string;
  createdAt?: string;
  endedAt?: string;
  /** Seconds until the next shift, while the canary bakes. */
  bakeLeftSeconds?: number;
  alarms: Array<{ name: string; state: string }>;
  /** The manual gate it waits at, when it does. */
  gate?: WaitingGate;
  verdict?: Verdict;
  error?: { code?: string; message?: string };
}

export const FIGURES_MINUTES = 5;

export async function functionStatus(clients: Clients, stack: StackView, fn: CanaryFunction, now = new Date()): Promise<FunctionStatus> {
  const [alias, [latest]] = await Promise.all([
    clients.lambda.send(new GetAliasCommand({ FunctionName: fn.functionName, Name: fn.alias })),
    deploymentsOf(clients, fn, 1),
  ]);
  const extra = Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {});
  const routing = [{ version: alias.FunctionVersion!, weight: 1 - extra.reduce((sum, [, w]) => sum + w, 0) }, ...extra.map(([version, weight]) => ({ version, weight }))];
  const deployment = latest && (await deploymentView(clients, stack, fn, latest, now));
  const versions = new Set(routing.map((r) => r.version));
  if (deployment) for (const v of [deployment.currentVersion, deployment.targetVersion]) versions.add(v);
  return {
    logicalId: fn.logicalId,
    functionName: fn.functionName,
    alias: fn.alias,
    routing,
    revisionId: alias.RevisionId,
    deployment,
    versions: await versionFigures(clients.cloudwatch, fn, [...versions].filter((v) => v !== '?'), FIGURES_MINUTES, now),
  };
}

async function deploymentView(clients: Clients, stack: StackView, fn: CanaryFunction, info: DeploymentInfo, now: Date): Promise<DeploymentView> {
  const id = info.deploymentId!;
  const [target, shifting, alarms, verdict] = await Promise.all([
    targetOfDeployment(clients, fn, id),
    shiftingOf(clients, info.deploymentConfigName),
    alarmStates(clients.cloudwatch, fn.alarms),
    stack.guardLogGroups.judge ? latestVerdict(clients.logs, stack.guardLogGroups.judge, id, info.createTime ?? now) : undefined,
  ]);
  const status = info.status ?? 'Unknown';
  const phase = phaseOf(status, target);
  const unfinished = (UNFINISHED as readonly string[]).includes(status);
  const gate = unfinished ? await waitingGate(clients, stack, id, target.lifecycle, info.createTime ?? now) : undefined;
  return {
    id,
    status,
    phase,
    currentVersion: target.currentVersion,
    targetVersion: target.targetVersion,
    targetWeight: target.targetWeight,
    configName: info.deploymentConfigName,
    createdAt: info.createTime?.toISOString(),
    endedAt: info.completeTime?.toISOString(),
    bakeLeftSeconds: phase === 'Bake' ? bakeLeft(target, shifting, now) : undefined,
    alarms,
    gate,
    verdict,
    error: info.errorInformation && { code: info.errorInformation.code, message: info.errorInformation.message },
  };
}

/** The phase, from the hooks' lifecycle events and the new version's weight. */
function phaseOf(status: string, target: LambdaTargetView): string {
  if (!(UNFINISHED as readonly string[]).includes(status)) return status;
  const event = (name: string) => target.lifecycle.find((e) => e.lifecycleEventName === name)?.status;
  if (event('BeforeAllowTraffic') !== 'Succeeded' && event('BeforeAllowTraffic') !== 'Skipped') return 'PreTraffic';
  // PreTraffic has passed but CodeDeploy has not moved the first share yet: no bake has begun.
  if (target.targetWeight === 0) return 'Shift';
  return target.targetWeight < 1 ? 'Bake' : 'PostTraffic';
}

/**
 * Seconds until the next shift: the first shift follows the PreTraffic hook's success, and each interval of
 * the config the next one (one for a canary, several for a linear config).
 */
function bakeLeft(target: LambdaTargetView, shifting: Shifting | undefined, now: Date): number | undefined {
  const firstShift = target.lifecycle.find((e) => e.lifecycleEventName === 'BeforeAllowTraffic')?.endTime;
  if (!firstShift || !shifting?.intervalMinutes) return undefined;
  const interval = shifting.intervalMinutes * 60_000;
  const elapsed = now.getTime() - firstShift.getTime();
  const next = firstShift.getTime() + Math.max(1, Math.ceil(elapsed / interval)) * interval;
  return Math.max(0, Math.round((next - now.getTime()) / 1000));
}
