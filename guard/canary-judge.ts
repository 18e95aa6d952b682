import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  CodeDeployClient,
  DeploymentAlreadyCompletedException,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { MetricResolution, Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { requiredEnv } from '../functions/config';
import { findTarget } from '../hooks/lifecycle';
import { versionWindows } from './judge/metric-data';
import { type Judgement, judgeCanary } from './judge/verdict';
import { logger } from './logger';

/**
 * The canary judge. EventBridge starts it when a deployment of a Company function starts; from the first
 * shift, every JUDGE_INTERVAL_SECONDS until the deployment ends, it reads both versions' metrics since the
 * first shift and compares them (judge/verdict.ts). A failing verdict stops the deployment with rollback. Each
 * verdict is a log line and a metric (CompanyCanary/JudgeVerdicts by FunctionName and Outcome). A deployment
 * that outlasts the judge's own invocation (Lambda allows 900 s; a gated deployment waits up to an hour at each
 * gate) is handed to a new one.
 */
interface DeploymentStateChange {
  detail?: { deploymentId?: unknown; state?: unknown };
}

const UNFINISHED = new Set(['Created', 'Queued', 'InProgress', 'Ready']);

/**
 * When the PreTraffic hook succeeded, after which CodeDeploy shifts the first traffic: the judge compares
 * the versions from then on, not over the hook's own test requests to a new version still cold.
 */
async function trafficAllowedAt(codedeploy: CodeDeployClient, deploymentId: string): Promise<Date | undefined> {
  const { targetIds = [] } = await codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId }));
  const { deploymentTarget } = await codedeploy.send(new GetDeploymentTargetCommand({ deploymentId, targetId: targetIds[0] }));
  const preTraffic = deploymentTarget?.lambdaTarget?.lifecycleEvents?.find((e) => e.lifecycleEventName === 'BeforeAllowTraffic');
  return preTraffic?.status === 'Succeeded' ? preTraffic.endTime : undefined;
}
/** What a round needs besides its wait: reading the metrics and, maybe, stopping the deployment. */
const ROUND_MARGIN_MS = 15_000;
/**
 * Rounds fall this share of the interval before each interval's mark after the first shift (8 s, 18 s, 28 s
 * with a 10 s interval), so that a round's verdict, and the stop it may call for, are in by the mark. Until
 * the first shift the judge looks for it as often.
 */
export const LEAD = 0.2;

/** How long until the next round: the first of firstShift + k × interval − lead, k ≥ 1, still ahead. */
function untilNextRound(firstShift: number, now: number, interval: number): number {
  const lead = interval * LEAD;
  const k = Math.floor((now - firstShift + lead) / interval) + 1;
  return Math.max(0, firstShift + k * interval - lead - now);
}

const verdicts = new Metrics({ namespace: 'CompanyCanary' });
verdicts.clearDefaultDimensions();

const describe = (error: unknown) => (error instanceof Error ? { error: error.name, cause: error.message } : { error: String(error) });

/**
 * Starts the judge afresh on the same event, unless the deployment has ended: the new invocation finds the first
 * shift again in the lifecycle events and keeps to the same marks. No limit on how often: each hook's status comes
 * within CodeDeploy's hour, so every deployment ends. A failed hand-over fails this invocation, and Lambda's retry
 * of an asynchronous invocation is the second chance.
 */
async function handOver(codedeploy: CodeDeployClient, lambda: LambdaClient, deploymentId: string, event: DeploymentStateChange, context: Context) {
  const { deploymentInfo } = await codedeploy.send(new GetDeploymentCommand({ deploymentId }));
  if (!UNFINISHED.has(String(deploymentInfo?.status))) return void logger.info('deployment ended: judging stopped', { status: deploymentInfo?.status });
  try {
    await lambda.send(new InvokeCommand({ FunctionName: context.functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(event)) }));
  } catch (error) {
    logger.error('out of time, and could not hand judging over', describe(error));
    throw error;
  }
  logger.info('out of time before the deployment ended: judging handed over to a new invocation');
}

export function canaryJudge(codedeploy: CodeDeployClient, cloudwatch: CloudWatchClient, lambda: LambdaClient, intervalMs: () => number) {
  return async (event: DeploymentStateChange, context: Context): Promise<void> => {
    logger.resetKeys();
    logger.addContext(context);
    const deploymentId = typeof event?.detail?.deploymentId === 'string' ? event.detail.deploymentId : undefined;
    if (!deploymentId) return void logger.warn('not a deployment event: nothing to judge', { event });
    logger.appendKeys({ deploymentId });
    // Without its target there is nothing to judge: the invocation fails, and Lambda's retry of an
    // asynchronous invocation is the second chance (judging is the same however often it starts).
    const target = await findTarget(codedeploy, deploymentId).catch((error: unknown) => {
      logger.error('could not read the deployment: not judging', describe(error));
      throw error;
    });
    logger.appendKeys({ functionName: target.functionName, currentVersion: target.currentVersion, targetVersion: target.targetVersion });
    let firstShift: Date | undefined;
    for (let round = 1; ; round++) {
      const interval = intervalMs();
      const wait = firstShift ? untilNextRound(firstShift.getTime(), Date.now(), interval) : interval * LEAD;
      if (context.getRemainingTimeInMillis() < wait + ROUND_MARGIN_MS) return handOver(codedeploy, lambda, deploymentId, event, context);
      await new Promise((resolve) => setTimeout(resolve, wait));
      let judgement: Judgement;
      try {
        const { deploymentInfo } = await codedeploy.send(new GetDeploymentCommand({ deploymentId }));
        if (!UNFINISHED.has(String(deploymentInfo?.status))) return void logger.info('deployment ended: judging stopped', { status: deploymentInfo?.status, rounds: round - 1 });
        if (!firstShift) {
          firstShift = await trafficAllowedAt(codedeploy, deploymentId);
          if (!firstShift && round === 1) logger.info('no verdict: the new version has no traffic yet', { round });
          // Either way nothing to judge yet: from the first shift on, rounds keep to its marks.
          continue;
        }
        const windows = await versionWindows(cloudwatch, target.functionName, { newer: target.targetVersion, older: target.currentVersion }, firstShift, new Date());
        judgement = judgeCanary(windows.newer, windows.older);
      } catch (error) {
        // A throttled or failed read is one round without a verdict, not the end of judging.
        logger.warn('no verdict: could not read the deployment or its metrics', { round, ...describe(error) });
        continue;
      }
      logger.info('canary verdict', { round, outcome: judgement.outcome, results: judgement.results });
      verdicts.addDimensions({ FunctionName: target.functionName, Outcome: judgement.outcome });
      verdicts.addMetric('JudgeVerdicts', MetricUnit.Count, 1, MetricResolution.High);
      verdicts.publishStoredMetrics();
      // A stop that failed (after the SDK's own retries) is tried again on the next round's verdict.
      if (judgement.outcome === 'fail' && (await stop(codedeploy, deploymentId, judgement))) return;
    }
  };
}

/** Answers whether the deployment is over: stopped now, or ended already. */
async function stop(codedeploy: CodeDeployClient, deploymentId: string, judgement: Judgement): Promise<boolean> {
  try {
    const stopped = await codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
    logger.info('deployment stopped, rolling back', { by: 'canary judge', judgement: judgement.results, status: stopped.status, statusMessage: stopped.statusMessage });
    return true;
  } catch (error) {
    if (error instanceof DeploymentAlreadyCompletedException) {
      logger.info('deployment had already ended');
      return true;
    }
    logger.error('could not stop the deployment: trying again next round', describe(error));
    return false;
  }
}

export const handler = canaryJudge(new CodeDeployClient({}), new CloudWatchClient({}), new LambdaClient({}), () => Number(requiredEnv('JUDGE_INTERVAL_SECONDS')) * 1000);
