import { CodeDeployClient, GetDeploymentTargetCommand, ListDeploymentTargetsCommand } from '@aws-sdk/client-codedeploy';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { LocalStage } from '../local-stage';
import type { AwsClock } from '../services/cloudwatch/aws-clock';
import type { AlarmTiming } from '../services/cloudwatch/aws-timing';
import type { AlarmState } from '../services/cloudwatch/alarms';
import { GATE_WAITING, type Hook, HOOK_STATUS_WAIT_MS, LIFECYCLE_EVENT } from '../../hooks/manual-gate';
import { LOCAL_REGION } from '../template/cloudformation';
import type { DeploymentSpec, FunctionSpec } from '../template/stage';
import { watchAlarms } from './alarm-watch';
import type { StackUpdate } from './stack-update';
import { notifyTriggers } from './trigger-notifications';
import type { AlarmTransition, FunctionReport, HookVerdict, TimelineEvent } from './report';

/**
 * Plays CodeDeploy for one function, as template.yaml describes its deployment: PreTraffic hook, traffic
 * shifted by alias weights, alarms watched on the new version the whole time, PostTraffic hook; at any
 * failure the alias goes straight back to the old version. With AWS timing CodeDeploy reads the alarms'
 * states on its poll, and once the deployment has ended the alarms are watched until the data of its last
 * moments has been evaluated: what fires then fires too late to roll anything back, and the report says so.
 */
export interface CanaryContext {
  stage: LocalStage;
  /** AWS time for the rehearsal: how many times faster than the wall clock intervals and alarm periods run. */
  clock: AwsClock;
  timing: AlarmTiming;
  /** Every function log line of the stage, in order (hook verdicts are read from them). */
  logs: string[];
  /** The `sam deploy` this deployment is part of, with the other functions' deployments. */
  stack: StackUpdate;
  onProgress?: (update: CanaryProgress) => void;
}

export interface CanaryProgress {
  logicalId: string;
  phase: string;
  targetWeight: number;
  alarms: Record<string, AlarmState>;
  /** AWS milliseconds left in the current bake, when baking. */
  bakeLeftMs?: number;
}

const ALARM_TICK_MS = 100;
/** How often the status of a hook that returned without one is read again (a manual gate can wait an hour). */
const HOOK_STATUS_POLL_MS = 500;

class RolledBack extends Error {}

export async function deployVersion(ctx: CanaryContext, fn: FunctionSpec, spec: DeploymentSpec, targetVersion: string): Promise<FunctionReport> {
  const { lambda, codedeploy } = ctx.stage;
  const alias = fn.alias!;
  const currentVersion = lambda.getAlias(fn.functionName, alias).functionVersion;
  const timeline: TimelineEvent[] = [];
  const hooks: HookVerdict[] = [];
  const alarms: AlarmTransition[] = [];
  // CloudFormation rewrites the alarms for the new version (their dimensions name it) before CodeDeploy starts.
  for (const alarm of spec.alarms) ctx.stage.alarms.define(alarm);
  const watch = watchAlarms(spec.alarms, ctx.stage.metrics, ctx.clock, ctx.timing);
  let phase = 'PreTraffic';
  let targetWeight = 0;
  let bakeEndsAt: number | undefined;
  let lastProgressAt = 0;
  const progress = () => {
    lastProgressAt = Date.now();
    ctx.onProgress?.({
      logicalId: fn.logicalId,
      phase,
      targetWeight,
      alarms: { ...watch.states },
      bakeLeftMs: bakeEndsAt && Math.max(0, ctx.clock.awsDuration(Date.now(), bakeEndsAt)),
    });
  };
  const enter = (next: 'PreTraffic' | 'Shift' | 'Bake' | 'PostTraffic' | 'FinalBake' | 'Done' | 'Afterwatch', at = Date.now()) => {
    phase = next;
    // A bake's time left means nothing outside a bake; bake() and the final bake set it as they begin.
    bakeEndsAt = undefined;
    timeline.push({ at, kind: 'phase', phase: next });
    progress();
  };
  const route = (weight: number) => {
    targetWeight = weight;
    lambda.updateAlias(fn.functionName, alias, weight >= 1
      ? { functionVersion: targetVersion, additionalVersionWeights: {} }
      : { functionVersion: currentVersion, additionalVersionWeights: weight > 0 ? { [targetVersion]: weight } : {} });
    codedeploy.shift(ids.deploymentId, weight);
    timeline.push({ at: Date.now(), kind: 'weight', targetWeight: weight });
    progress();
  };

  const ids = codedeploy.createDeployment({
    functionName: fn.functionName,
    alias,
    currentVersion,
    targetVersion,
    targetVersionWeight: 0,
    application: spec.application,
    deploymentGroup: spec.deploymentGroup,
  });
  // CodeDeploy and CloudWatch tell EventBridge what happens, as on AWS, so the template's rules hear of it;
  // CodeDeploy tells the deployment group's triggers too.
  const deploymentEvent = (state: 'START' | 'SUCCESS' | 'FAILURE' | 'STOP') => {
    ctx.stage.eventbridge.put({
      source: 'aws.codedeploy',
      detailType: 'CodeDeploy Deployment State-change Notification',
      detail: { application: spec.application, deploymentGroup: spec.deploymentGroup, deploymentId: ids.deploymentId, state, region: LOCAL_REGION },
    });
    notifyTriggers(ctx.stage.sns, spec.triggers, codedeploy.history().find((d) => d.deploymentId === ids.deploymentId)!);
  };
  const alarmEvent = (transition: AlarmTransition, previous: AlarmState) => {
    const alarm = spec.alarms.find((a) => a.logicalId === transition.alarm)!;
    ctx.stage.alarms.setState(alarm.name, transition.state, `Evaluated ${JSON.stringify(transition.values)} against the threshold ${alarm.threshold}`, new Date(transition.at));
    ctx.stage.eventbridge.put({
      source: 'aws.cloudwatch',
      detailType: 'CloudWatch Alarm State Change',
      detail: { alarmName: alarm.name, state: { value: transition.state, timestamp: new Date(transition.at).toISOString() }, previousState: { value: previous } },
    });
  };
  deploymentEvent('START');

  // CodeDeploy's side of a hook: invoke it through Lambda, then read what it reported from CodeDeploy.
  const local = { region: LOCAL_REGION, credentials: ctx.stage.credentials };
  const lambdaApi = new LambdaClient({ ...local, endpoint: ctx.stage.endpoints.AWS_ENDPOINT_URL_LAMBDA });
  const codedeployApi = new CodeDeployClient({ ...local, endpoint: ctx.stage.endpoints.AWS_ENDPOINT_URL_CODEDEPLOY });
  // A deployment stopped while a hook runs does not stop the hook: Lambda runs it to its end (its journey
  // removing what it made), and CodeDeploy no longer listens to it. The rehearsal waits for it likewise.
  const hookInvocations: Array<Promise<unknown>> = [];
  let decided = false;
  async function runHook(hook: Hook, functionName: string | undefined, executionId: string) {
    if (!functionName) return;
    const seen = ctx.logs.length;
    const invokedAt = Date.now();
    const payload = { DeploymentId: ids.deploymentId, LifecycleEventHookExecutionId: executionId };
    const invocation = lambdaApi.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }));
    hookInvocations.push(invocation.catch(() => undefined));
    await invocation;
    const status = await hookStatus(hook, executionId, invokedAt, seen);
    if (decided) return;
    const evidence = await hookEvidence(ctx.logs, seen, ids.deploymentId);
    if (decided) return;
    hooks.push({ hook, status, at: Date.now(), evidence });
    if (status !== 'Succeeded') throw new RolledBack(`${hook} hook reported ${status}`);
  }
  /**
   * What the hook reported, as CodeDeploy reads it: at once from a hook that reports before it returns, and
   * otherwise whenever it comes (an operator deciding a manual gate), for up to CodeDeploy's hour after the
   * invocation; then the lifecycle event fails.
   */
  async function hookStatus(hook: Hook, executionId: string, invokedAt: number, seen: number): Promise<string> {
    const deadline = ctx.clock.wall(ctx.clock.aws(invokedAt) + HOOK_STATUS_WAIT_MS);
    for (;;) {
      const { targetIds = [] } = await codedeployApi.send(new ListDeploymentTargetsCommand({ deploymentId: ids.deploymentId }));
      const { deploymentTarget } = await codedeployApi.send(new GetDeploymentTargetCommand({ deploymentId: ids.deploymentId, targetId: targetIds[0] }));
      const status = deploymentTarget?.lambdaTarget?.lifecycleEvents?.find((e) => e.lifecycleEventName === LIFECYCLE_EVENT[hook])?.status;
      if (status === 'Succeeded' || status === 'Failed' || decided) return status ?? 'Unknown';
      if (Date.now() >= deadline) return `no status within CodeDeploy's ${HOOK_STATUS_WAIT_MS / 60_000} minutes`;
      if (phase !== 'AwaitingApproval' && ctx.logs.slice(seen).some((l) => l.includes(GATE_WAITING) && l.includes(ids.deploymentId))) {
        phase = 'AwaitingApproval';
        timeline.push({ at: Date.now(), kind: 'gate', hook });
        progress();
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(HOOK_STATUS_POLL_MS, deadline - Date.now())));
    }
  }

  // CloudWatch evaluates the alarms from the start; CodeDeploy acts on them from the first shift until the
  // verdict: at once with instant timing, on its next poll of their states with AWS timing.
  let alarmed: ((reason: string) => void) | undefined;
  const alarmFired = new Promise<never>((_, reject) => (alarmed = (reason) => reject(new RolledBack(reason))));
  alarmFired.catch(() => undefined);
  let codedeployWatching = false;
  let nextPoll = Date.now();
  const pollMs = (ctx.timing.alarmPollSeconds * 1000) / ctx.clock.timeScale;
  let stoppedOnRequest = false;
  codedeploy.onStop(ids.deploymentId, () => {
    stoppedOnRequest = true;
    alarmed?.('stopped on request (StopDeployment), rolling back');
  });
  // Another function's deployment failed the stack update: CloudFormation cancels this one, whatever its phase.
  let cancel: ((reason: string) => void) | undefined;
  const cancelled = new Promise<never>((_, reject) => (cancel = (reason) => reject(new RolledBack(reason))));
  cancelled.catch(() => undefined);
  let cancelledByStack = false;
  const unlisten = ctx.stack.onFailure((failed) => {
    cancelledByStack = true;
    cancel?.(`cancelled: the deployment of ${failed} failed the stack update, and CloudFormation rolls it all back`);
  });
  const rollbackTrigger = Promise.race([alarmFired, cancelled]);
  rollbackTrigger.catch(() => undefined);
  // The PostTraffic hook says when its journey has passed and its final bake begins, and for how long.
  let scannedLogs = 0;
  const noticeFinalBake = () => {
    const line = ctx.logs.slice(scannedLogs).find((l) => l.includes('final bake started') && l.includes(ids.deploymentId));
    scannedLogs = ctx.logs.length;
    if (!line) return;
    // As the hook's own line dates it: the rehearsal reads the line a tick later.
    const { timestamp, bakeMs } = JSON.parse(line) as { timestamp: string; bakeMs: number };
    const startedAt = Date.parse(timestamp);
    enter('FinalBake', startedAt);
    bakeEndsAt = startedAt + bakeMs;
  };
  const ticker = setInterval(() => {
    const now = Date.now();
    if (phase === 'PostTraffic') noticeFinalBake();
    else if (phase === 'FinalBake' && now - lastProgressAt >= 500) progress();
    const before = { ...watch.states };
    for (const transition of watch.tick(now)) {
      alarmEvent(transition, before[transition.alarm]!);
      before[transition.alarm] = transition.state;
      alarms.push(transition);
      progress();
      if (ctx.timing.mode === 'instant' && codedeployWatching && transition.state === 'ALARM') alarmed?.(`alarm ${transition.alarm} went into ALARM`);
    }
    if (ctx.timing.mode !== 'aws' || now < nextPoll) return;
    nextPoll += pollMs;
    const firing = Object.entries(watch.states).find(([, state]) => state === 'ALARM')?.[0];
    if (!codedeployWatching || !firing) return;
    timeline.push({ at: now, kind: 'alarm-seen', alarm: firing });
    alarmed?.(`alarm ${firing} went into ALARM; CodeDeploy saw it on its poll`);
  }, ALARM_TICK_MS);
  // An operator may end a bake early on the local stage (`canary promote`); AWS has no such call for Lambda.
  let endBake: (() => void) | undefined;
  codedeploy.onPromote(ids.deploymentId, () => {
    if (!endBake) return false;
    timeline.push({ at: Date.now(), kind: 'promoted' });
    endBake();
    return true;
  });
  const bake = async (minutes: number) => {
    enter('Bake');
    bakeEndsAt = ctx.clock.wall(ctx.clock.aws(Date.now()) + minutes * 60_000);
    const progressTicker = setInterval(progress, 500);
    let interval: NodeJS.Timeout | undefined;
    try {
      const baked = new Promise((resolve) => {
        interval = setTimeout(resolve, bakeEndsAt! - Date.now());
        endBake = () => resolve(undefined);
      });
      await Promise.race([baked, rollbackTrigger]);
    } finally {
      endBake = undefined;
      clearTimeout(interval);
      clearInterval(progressTicker);
      bakeEndsAt = undefined;
    }
  };

  let outcome: FunctionReport['outcome'] = 'Succeeded';
  let reason: string | undefined;
  try {
    enter('PreTraffic');
    // A StopDeployment (an operator's abort at a gate) ends the wait for the hook as at any other phase.
    await Promise.race([runHook('PreTraffic', spec.preTrafficHook, ids.preTraffic), rollbackTrigger]);
    enter('Shift');
    codedeployWatching = true;
    if (spec.shift.type !== 'AllAtOnce') {
      const step = spec.shift.percentage / 100;
      for (let weight = step; weight < 1; weight = spec.shift.type === 'TimeBasedLinear' ? weight + step : 1) {
        route(weight);
        await bake(spec.shift.intervalMinutes);
        enter('Shift');
      }
    }
    route(1);
    scannedLogs = ctx.logs.length;
    enter('PostTraffic');
    await Promise.race([runHook('PostTraffic', spec.postTrafficHook, ids.postTraffic), rollbackTrigger]);
  } catch (error) {
    if (!(error instanceof RolledBack)) {
      clearInterval(ticker);
      codedeploy.finish(ids.deploymentId, 'Failed');
      lambdaApi.destroy();
      throw error;
    }
    outcome = 'RolledBack';
    reason = stoppedOnRequest ? `${error.message}: ${await stopEvidence(ctx.logs, ids.deploymentId)}` : error.message;
    timeline.push({ at: Date.now(), kind: 'rollback', reason });
    route(0);
  } finally {
    decided = true;
    codedeployWatching = false;
    unlisten();
    codedeployApi.destroy();
  }
  if (outcome === 'RolledBack') ctx.stack.fail(fn.logicalId);
  timeline.push({ at: Date.now(), kind: 'verdict', outcome });
  // Succeeded, but another function's deployment fails the stack update, now or while this one is watched
  // afterwards: CloudFormation's rollback puts this alias back, and its alarms' old definitions.
  const rollBackWithStack = (failed: string) => {
    if (outcome !== 'Succeeded') return;
    outcome = 'RolledBack';
    reason = `the stack update rolled back: the deployment of ${failed} failed, so CloudFormation put this alias back on version ${currentVersion}`;
    timeline.push({ at: Date.now(), kind: 'rollback', reason });
    route(0);
    for (const alarm of ctx.stage.model.deploymentOf(fn.logicalId, currentVersion)!.alarms) ctx.stage.alarms.define(alarm);
  };
  const unlistenAfter = ctx.stack.onFailure(rollBackWithStack);
  if (ctx.stack.failure) rollBackWithStack(ctx.stack.failure);
  const stopped = stoppedOnRequest || cancelledByStack;
  if (!stoppedOnRequest) codedeploy.finish(ids.deploymentId, outcome === 'Succeeded' ? 'Succeeded' : stopped ? 'Stopped' : 'Failed', reason ? deploymentError(reason) : undefined);
  deploymentEvent(stopped ? 'STOP' : outcome === 'Succeeded' ? 'SUCCESS' : 'FAILURE');
  // After a rollback nothing the alarms say can change the outcome; after a success, they show what AWS would
  // have seen too late.
  const settled = ctx.clock.wall(ctx.clock.aws(Date.now()) + watch.settleAwsMs());
  if (outcome === 'Succeeded' && settled > Date.now()) {
    enter('Afterwatch');
    await new Promise((resolve) => setTimeout(resolve, settled - Date.now()));
  }
  await Promise.all(hookInvocations);
  lambdaApi.destroy();
  clearInterval(ticker);
  unlistenAfter();
  enter('Done');
  return { logicalId: fn.logicalId, functionName: fn.functionName, currentVersion, targetVersion, outcome, reason, timeline, hooks, alarms };
}

/** Who stopped the deployment and why, from the guard's log line about it (the stopper's or the judge's). */
async function stopEvidence(logs: string[], deploymentId: string): Promise<string> {
  for (let waited = 0; waited < 2_000; waited += 50) {
    const line = logs.findLast((l) => l.includes('deployment stopped, rolling back') && l.includes(deploymentId));
    if (line) {
      const entry = JSON.parse(line);
      return entry.alarm ? `the stopper acted on alarm ${entry.alarm}` : `the canary judge found it worse (${describeJudgement(entry.judgement)})`;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return 'by no guard the log names';
}

const describeJudgement = (judgement: Array<{ metric: string; outcome: string; confidence?: number }> = []) =>
  judgement
    .filter((r) => r.outcome === 'fail')
    .map((r) => `${r.metric}, ${((r.confidence ?? 0) * 100).toFixed(1)} % sure`)
    .join('; ');

/** GetDeployment's errorInformation for how a deployment ended, in CodeDeploy's error codes. */
function deploymentError(reason: string): { code: string; message: string } {
  if (/hook reported/.test(reason)) return { code: 'HOOK_EXECUTION_FAILURE', message: reason };
  if (/went into ALARM/.test(reason)) return { code: 'ALARM_ACTIVE', message: reason };
  return { code: 'MANUAL_STOP', message: reason };
}

/**
 * The hook's verdict line (it logs exactly one per lifecycle event: its verdict, or, behind a manual gate, the
 * passing verdict it left to an operator), which arrives just after the invoke.
 */
async function hookEvidence(logs: string[], from: number, deploymentId: string): Promise<unknown> {
  for (let waited = 0; waited < 2_000; waited += 50) {
    for (const line of logs.slice(from)) {
      if (!(line.includes('lifecycle verdict') || line.includes(GATE_WAITING)) || !line.includes(deploymentId)) continue;
      const entry = JSON.parse(line);
      if (entry.message === GATE_WAITING) return { verdict: 'Succeeded', decidedBy: 'an operator, at a manual gate', target: entry.target, evidence: entry.evidence };
      return { verdict: entry.verdict, target: entry.target, evidence: entry.evidence };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { note: 'the hook logged no verdict' };
}
