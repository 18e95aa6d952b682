import { LifecycleEventAlreadyCompletedException, type LifecycleEvent, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { GATE_WAITING } from '../hooks/manual-gate';
import { deploymentsOf, targetOfDeployment, UNFINISHED } from './deployments';
import { lastLine } from './log-lines';
import type { CanaryFunction, StackView } from './stack';
import type { Clients } from './target';

/**
 * Manual gates, from the operator's side (the hooks' side: hooks/manual-gate.ts). A deployment waits at a gate
 * while its hook has logged that it waits and CodeDeploy still has no status for that lifecycle event; approving
 * reports Succeeded with the execution id the hook recorded, as the hook itself would have.
 */
export interface WaitingGate {
  lifecycleEvent: string;
  lifecycleEventHookExecutionId: string;
  /** When the hook passed and began to wait. */
  since: string;
  /** When CodeDeploy fails the event, and so the deployment, unless someone decides first. */
  failsAt: string;
}

const DECIDED = ['Succeeded', 'Failed', 'Skipped'];

export async function waitingGate(clients: Clients, stack: StackView, deploymentId: string, lifecycle: LifecycleEvent[], since: Date): Promise<WaitingGate | undefined> {
  const open = lifecycle.filter((e) => !DECIDED.includes(e.status ?? '')).map((e) => e.lifecycleEventName);
  if (open.length === 0) return undefined;
  const records = await Promise.all(stack.hookLogGroups.map((group) => lastLine(clients.logs, group, GATE_WAITING, deploymentId, since)));
  const record = records.find((r) => r && open.includes(String(r.line.lifecycleEvent)));
  if (!record) return undefined;
  const { lifecycleEvent, lifecycleEventHookExecutionId, failsAt } = record.line as Record<string, string>;
  return { lifecycleEvent: lifecycleEvent!, lifecycleEventHookExecutionId: lifecycleEventHookExecutionId!, since: record.at, failsAt: failsAt! };
}

/** Approves each chosen function's waiting gate; answers how many it approved, and says what happens next. */
export async function approve(clients: Clients, stack: StackView, functions: CanaryFunction[], say: (line: string) => void): Promise<number> {
  let approved = 0;
  for (const fn of functions) {
    const [running] = await deploymentsOf(clients, fn, 1, UNFINISHED);
    if (!running) {
      say(`${fn.logicalId}: no deployment in progress`);
      continue;
    }
    const deploymentId = running.deploymentId!;
    const target = await targetOfDeployment(clients, fn, deploymentId);
    const gate = await waitingGate(clients, stack, deploymentId, target.lifecycle, running.createTime ?? new Date(0));
    if (!gate) {
      say(`${fn.logicalId}: ${deploymentId} is not waiting at a gate`);
      continue;
    }
    try {
      await clients.codedeploy.send(
        new PutLifecycleEventHookExecutionStatusCommand({ deploymentId, lifecycleEventHookExecutionId: gate.lifecycleEventHookExecutionId, status: 'Succeeded' }),
      );
    } catch (error) {
      if (!(error instanceof LifecycleEventAlreadyCompletedException)) throw error;
      say(`${fn.logicalId}: ${deploymentId} was decided at ${gate.lifecycleEvent} meanwhile, by someone else`);
      continue;
    }
    approved++;
    const next =
      gate.lifecycleEvent === 'BeforeAllowTraffic'
        ? `CodeDeploy shifts traffic to version ${target.targetVersion} next`
        : `the deployment completes with version ${target.targetVersion} taking all traffic`;
    say(`${fn.logicalId}: ${deploymentId} approved at ${gate.lifecycleEvent}: ${next}`);
  }
  return approved;
}
