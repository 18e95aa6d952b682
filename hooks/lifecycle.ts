import {
  CodeDeployClient,
  GetDeploymentTargetCommand,
  LifecycleEventAlreadyCompletedException,
  ListDeploymentTargetsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { GATE_WAITING, gatesEnabled, type Hook, HOOK_STATUS_WAIT_MS, LIFECYCLE_EVENT } from './manual-gate';

/**
 * What every CodeDeploy lifecycle hook shares: find the function version being deployed, decide, and
 * report the verdict exactly once, on every path (a thrown error, a hung target, a bad payload, a
 * throttled API), before a deadline well inside the hook's own timeout. A hook that never reports holds
 * its deployment for an hour. The one exception is chosen: with manual gates on, a passing verdict is left for
 * an operator to report (hooks/manual-gate.ts).
 */

export interface DeploymentTarget {
  deploymentId: string;
  functionName: string;
  alias: string;
  currentVersion: string;
  targetVersion: string;
}

export type Status = 'Succeeded' | 'Failed';
export interface Verdict {
  status: Status;
  evidence: Record<string, unknown>;
}

export type Decide = (target: DeploymentTarget, signal: AbortSignal) => Promise<Verdict>;

export const logger = new Logger({ serviceName: 'company-canary-hooks' });

/** Share of the remaining time kept for reporting, never less than REPORT_RESERVE_MIN_MS. */
const REPORT_RESERVE_SHARE = 0.1;
const REPORT_RESERVE_MIN_MS = 2_000;

interface LifecycleIds {
  deploymentId: string;
  executionId: string;
}

function lifecycleIds(event: unknown): LifecycleIds | undefined {
  const { DeploymentId, LifecycleEventHookExecutionId } = (event ?? {}) as Record<string, unknown>;
  if (typeof DeploymentId !== 'string' || typeof LifecycleEventHookExecutionId !== 'string') return undefined;
  if (!DeploymentId || !LifecycleEventHookExecutionId) return undefined;
  return { deploymentId: DeploymentId, executionId: LifecycleEventHookExecutionId };
}

export async function findTarget(codedeploy: CodeDeployClient, deploymentId: string, abortSignal?: AbortSignal): Promise<DeploymentTarget> {
  const { targetIds = [] } = await codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId }), { abortSignal });
  if (targetIds.length !== 1) throw new Error(`expected one Lambda deployment target, found ${targetIds.length}`);
  const { deploymentTarget } = await codedeploy.send(new GetDeploymentTargetCommand({ deploymentId, targetId: targetIds[0] }), {
    abortSignal,
  });
  const info = deploymentTarget?.lambdaTarget?.lambdaFunctionInfo;
  if (!info?.functionName || !info.targetVersion) throw new Error(`target ${targetIds[0]} carries no Lambda function info`);
  return {
    deploymentId,
    functionName: info.functionName,
    alias: info.functionAlias ?? '',
    currentVersion: info.currentVersion ?? '',
    targetVersion: info.targetVersion,
  };
}

const describe = (error: unknown) =>
  error instanceof Error ? { error: error.name, message: error.message } : { error: 'NonError', message: String(error) };

/**
 * Runs `work` until it settles or the deadline passes, whichever comes first, and never throws. At the
 * deadline the work is aborted; `settled` lets the caller give its clean-up the time that is left.
 */
function decideBy(deadlineMs: number, work: (signal: AbortSignal) => Promise<Verdict>) {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<Verdict>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ status: 'Failed', evidence: { reason: `no verdict within the hook's deadline of ${Math.round(deadlineMs)} ms` } });
    }, Math.max(0, deadlineMs));
  });
  const settled = work(controller.signal).catch((error): Verdict => ({ status: 'Failed', evidence: describe(error) }));
  const verdict = Promise.race([settled, expired]).finally(() => clearTimeout(timer));
  return { verdict, settled };
}

/** Reports once, retrying with backoff while time is left; an "already completed" answer means it landed. */
async function report(codedeploy: CodeDeployClient, ids: LifecycleIds, status: Status, context: Context) {
  for (let attempt = 1; ; attempt++) {
    try {
      await codedeploy.send(
        new PutLifecycleEventHookExecutionStatusCommand({ deploymentId: ids.deploymentId, lifecycleEventHookExecutionId: ids.executionId, status }),
      );
      return { reported: true, attempts: attempt };
    } catch (error) {
      if (error instanceof LifecycleEventAlreadyCompletedException) return { reported: true, attempts: attempt, note: 'already completed' };
      const backoff = Math.min(2_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
      if (context.getRemainingTimeInMillis() - backoff < 1_000) return { reported: false, attempts: attempt, ...describe(error) };
      await new Promise((resolve) => setTimeout(resolve, backoff));
    }
  }
}

export function lifecycleHook(hook: Hook, decide: Decide, codedeploy = new CodeDeployClient({})) {
  return async (event: unknown, context: Context): Promise<void> => {
    logger.addContext(context);
    const started = Date.now();
    const ids = lifecycleIds(event);
    if (!ids) {
      // Without these ids there is no deployment to report to; CodeDeploy never sends such an event.
      logger.error('lifecycle event lacks DeploymentId or LifecycleEventHookExecutionId; nothing reported', { hook });
      return;
    }
    const remaining = context.getRemainingTimeInMillis();
    const deadlineMs = remaining - Math.max(REPORT_RESERVE_MIN_MS, remaining * REPORT_RESERVE_SHARE);
    let target: DeploymentTarget | undefined;
    const decision = decideBy(deadlineMs, async (signal) => {
      target = await findTarget(codedeploy, ids.deploymentId, signal);
      return decide(target, signal);
    });
    const verdict = await decision.verdict;
    if (verdict.status === 'Succeeded' && gatesEnabled()) {
      // A passing verdict settled the work, clean-up included: nothing is left running.
      const lifecycleEvent = LIFECYCLE_EVENT[hook];
      const failsAt = new Date(started + HOOK_STATUS_WAIT_MS).toISOString();
      logger.info(GATE_WAITING, { hook, lifecycleEvent, deploymentId: ids.deploymentId, lifecycleEventHookExecutionId: ids.executionId, failsAt, target, evidence: verdict.evidence, durationMs: Date.now() - started });
      return;
    }
    const delivery = await report(codedeploy, ids, verdict.status, context);
    const line = { hook, verdict: verdict.status, deploymentId: ids.deploymentId, target, evidence: verdict.evidence, delivery, durationMs: Date.now() - started };
    if (delivery.reported) logger.info('lifecycle verdict', line);
    else logger.error('lifecycle verdict could not be reported', line);
    // An aborted check may still be removing its test data; let it finish while the function may run.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([decision.settled, new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, context.getRemainingTimeInMillis() - 500))))]);
    clearTimeout(timer);
  };
}
