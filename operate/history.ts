import { deploymentsOf } from './deployments';
import { guardStop } from './guard-logs';
import type { CanaryFunction, StackView } from './stack';
import type { Clients } from './target';

/** One past or running deployment, as `history` lists it. */
export interface HistoryEntry {
  function: string;
  deploymentId: string;
  status: string;
  createdAt?: string;
  durationSeconds?: number;
  /** Why it did not succeed: CodeDeploy's error code and message. */
  reason?: string;
  /** Who stopped it, when it was stopped. */
  stoppedBy?: string;
}

export async function history(clients: Clients, stack: StackView, functions: CanaryFunction[], limit: number): Promise<HistoryEntry[]> {
  const perFunction = await Promise.all(
    functions.map(async (fn) =>
      Promise.all(
        (await deploymentsOf(clients, fn, limit)).map(async (d): Promise<HistoryEntry> => {
          const stop = d.errorInformation?.code === 'MANUAL_STOP' && d.createTime ? await guardStop(clients.logs, stack.guardLogGroups, d.deploymentId!, d.createTime) : undefined;
          return {
            function: fn.logicalId,
            deploymentId: d.deploymentId!,
            status: d.status ?? 'Unknown',
            createdAt: d.createTime?.toISOString(),
            durationSeconds: d.createTime && d.completeTime ? Math.round((d.completeTime.getTime() - d.createTime.getTime()) / 1000) : undefined,
            reason: d.errorInformation && `${d.errorInformation.code}: ${d.errorInformation.message}`,
            // CodeDeploy does not record who called StopDeployment (CloudTrail does); the guard logs its own stops.
            stoppedBy: d.errorInformation?.code === 'MANUAL_STOP' ? (stop ?? 'a StopDeployment call the guard did not make (CloudTrail names its caller)') : undefined,
          };
        }),
      ),
    ),
  );
  return perFunction.flat().sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '')).slice(0, limit);
}

export function renderHistory(entries: HistoryEntry[]): string {
  if (entries.length === 0) return 'No deployments yet.';
  return entries
    .map((e) => {
      const head = `${e.createdAt ?? '?'}  ${e.deploymentId}  ${e.function}  ${e.status}${e.durationSeconds === undefined ? '' : ` after ${e.durationSeconds} s`}`;
      return [head, e.reason && `    ${e.reason}`, e.stoppedBy && `    stopped by ${e.stoppedBy}`].filter(Boolean).join('\n');
    })
    .join('\n');
}
