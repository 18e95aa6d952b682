import { CodeDeployClient, GetDeploymentTargetCommand, ListDeploymentTargetsCommand } from '@aws-sdk/client-codedeploy';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { LocalStage } from '../local-stage';
import { LOCAL_REGION } from '../template/cloudformation';
import type { DeploymentSpec, FunctionSpec } from '../template/stage';
import { type AlarmReading, evaluateAlarm } from '../services/cloudwatch/alarms';
import type { AlarmTransition, FunctionReport, HookVerdict, TimelineEvent } from './report';

/**
 * Plays CodeDeploy for one function, as template.yaml describes its deployment: PreTraffic hook, traffic
 * shifted by alias weights, alarms watched on the new version the whole time, PostTraffic hook; at any
 * failure the alias goes straight back to the old version.
 */
export interface CanaryContext {
  stage: LocalStage;
  /** How many times faster than real time the intervals and alarm periods run. */
  timeScale: number;
  /** Every function log line of the stage, in order (hook verdicts are read from them). */
  logs: string[];
  onProgress?: (update: CanaryProgress) => void;
}

export interface CanaryProgress {
  logicalId: string;
  phase: string;
  targetWeight: number;
  alarms: Record<string, AlarmReading['state']>;
  /** Milliseconds left in the current bake, when baking. */
  bakeLeftMs?: number;
}

const ALARM_TICK_MS = 100;

class RolledBack extends Error {}

export async function deployVersion(ctx: CanaryContext, fn: FunctionSpec, spec: DeploymentSpec, targetVersion: string): Promise<FunctionReport> {
  const { lambda, codedeploy } = ctx.stage;
  const alias = fn.alias!;
  const currentVersion = lambda.getAlias(fn.functionName, alias).functionVersion;
  const timeline: TimelineEvent[] = [];
  const hooks: HookVerdict[] = [];
  const alarms: AlarmTransition[] = [];
  const states: Record<string, AlarmReading['state']> = Object.fromEntries(spec.alarms.map((a) => [a.logicalId, 'OK' as const]));
  let phase = 'PreTraffic';
  let targetWeight = 0;
  let bakeEndsAt: number | undefined;
  const progress = () =>
    ctx.onProgress?.({ logicalId: fn.logicalId, phase, targetWeight, alarms: { ...states }, bakeLeftMs: bakeEndsAt && Math.max(0, bakeEndsAt - Date.now()) });
  const enter = (next: 'PreTraffic' | 'Shift' | 'Bake' | 'PostTraffic' | 'Done') => {
    phase = next;
    timeline.push({ at: Date.now(), kind: 'phase', phase: next });
    progress();
  };
  const route = (weight: number) => {
    targetWeight = weight;
    lambda.updateAlias(fn.functionName, alias, weight >= 1
      ? { functionVersion: targetVersion, additionalVersionWeights: {} }
      : { functionVersion: currentVersion, additionalVersionWeights: weight > 0 ? { [targetVersion]: weight } : {} });
    timeline.push({ at: Date.now(), kind: 'weight', targetWeight: weight });
    progress();
  };

  const ids = codedeploy.createDeployment({ functionName: fn.functionName, alias, currentVersion, targetVersion, targetVersionWeight: 0 });

  // CodeDeploy's side of a hook: invoke it through Lambda, then read what it reported from CodeDeploy.
  const local = { region: LOCAL_REGION, credentials: ctx.stage.credentials };
  const lambdaApi = new LambdaClient({ ...local, endpoint: ctx.stage.endpoints.AWS_ENDPOINT_URL_LAMBDA });
  const codedeployApi = new CodeDeployClient({ ...local, endpoint: ctx.stage.endpoints.AWS_ENDPOINT_URL_CODEDEPLOY });
  async function runHook(hook: 'PreTraffic' | 'PostTraffic', functionName: string | undefined, executionId: string) {
    if (!functionName) return;
    const seen = ctx.logs.length;
    const payload = { DeploymentId: ids.deploymentId, LifecycleEventHookExecutionId: executionId };
    await lambdaApi.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }));
    const { targetIds = [] } = await codedeployApi.send(new ListDeploymentTargetsCommand({ deploymentId: ids.deploymentId }));
    const { deploymentTarget } = await codedeployApi.send(new GetDeploymentTargetCommand({ deploymentId: ids.deploymentId, targetId: targetIds[0] }));
    const eventName = hook === 'PreTraffic' ? 'BeforeAllowTraffic' : 'AfterAllowTraffic';
    const status = deploymentTarget?.lambdaTarget?.lifecycleEvents?.find((e) => e.lifecycleEventName === eventName)?.status ?? 'Unknown';
    hooks.push({ hook, status, at: Date.now(), evidence: await hookEvidence(ctx.logs, seen, ids.deploymentId) });
    if (status !== 'Succeeded') throw new RolledBack(`${hook} hook reported ${status}`);
  }

  // The alarms are watched from the first shift until the verdict, as CodeDeploy watches them.
  let alarmed: ((reason: string) => void) | undefined;
  const alarmFired = new Promise<never>((_, reject) => (alarmed = (reason) => reject(new RolledBack(reason))));
  alarmFired.catch(() => undefined);
  let ticker: NodeJS.Timeout | undefined;
  const watchAlarms = () => {
    ticker = setInterval(() => {
      for (const alarm of spec.alarms) {
        const reading = evaluateAlarm(alarm, ctx.stage.metrics, Date.now(), ctx.timeScale);
        if (reading.state === states[alarm.logicalId]) continue;
        states[alarm.logicalId] = reading.state;
        alarms.push({ at: Date.now(), alarm: alarm.logicalId, state: reading.state, values: reading.values });
        progress();
        if (reading.state === 'ALARM') alarmed?.(`alarm ${alarm.logicalId} went into ALARM`);
      }
    }, ALARM_TICK_MS);
  };
  const bake = async (minutes: number) => {
    enter('Bake');
    bakeEndsAt = Date.now() + (minutes * 60_000) / ctx.timeScale;
    const progressTicker = setInterval(progress, 500);
    let interval: NodeJS.Timeout | undefined;
    try {
      await Promise.race([new Promise((resolve) => (interval = setTimeout(resolve, bakeEndsAt! - Date.now()))), alarmFired]);
    } finally {
      clearTimeout(interval);
      clearInterval(progressTicker);
      bakeEndsAt = undefined;
    }
  };

  let outcome: FunctionReport['outcome'] = 'Succeeded';
  let reason: string | undefined;
  try {
    enter('PreTraffic');
    await runHook('PreTraffic', spec.preTrafficHook, ids.preTraffic);
    enter('Shift');
    watchAlarms();
    if (spec.shift.type !== 'AllAtOnce') {
      const step = spec.shift.percentage / 100;
      for (let weight = step; weight < 1; weight = spec.shift.type === 'TimeBasedLinear' ? weight + step : 1) {
        route(weight);
        await bake(spec.shift.intervalMinutes);
        enter('Shift');
      }
    }
    route(1);
    enter('PostTraffic');
    await Promise.race([runHook('PostTraffic', spec.postTrafficHook, ids.postTraffic), alarmFired]);
  } catch (error) {
    if (!(error instanceof RolledBack)) throw error;
    outcome = 'RolledBack';
    reason = error.message;
    timeline.push({ at: Date.now(), kind: 'rollback', reason });
    route(0);
  } finally {
    clearInterval(ticker);
    lambdaApi.destroy();
    codedeployApi.destroy();
  }
  timeline.push({ at: Date.now(), kind: 'verdict', outcome });
  enter('Done');
  return { logicalId: fn.logicalId, functionName: fn.functionName, currentVersion, targetVersion, outcome, reason, timeline, hooks, alarms };
}

/** The hook's verdict line (it logs exactly one per lifecycle event), which arrives just after the invoke. */
async function hookEvidence(logs: string[], from: number, deploymentId: string): Promise<unknown> {
  for (let waited = 0; waited < 2_000; waited += 50) {
    for (const line of logs.slice(from)) {
      if (!line.includes('lifecycle verdict') || !line.includes(deploymentId)) continue;
      const entry = JSON.parse(line);
      return { verdict: entry.verdict, target: entry.target, evidence: entry.evidence };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { note: 'the hook logged no verdict' };
}
