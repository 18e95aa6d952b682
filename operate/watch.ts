import { UNFINISHED } from './deployments';
import { renderStatus } from './render';
import type { CanaryFunction, StackView } from './stack';
import { type FunctionStatus, functionStatus } from './status';
import type { Target } from './target';

const unfinished = (s: FunctionStatus) => (UNFINISHED as readonly string[]).includes(s.deployment?.status ?? '');

/** Reads every chosen function's status once. */
export const readStatuses = (target: Target, stack: StackView, functions: CanaryFunction[]) => Promise.all(functions.map((fn) => functionStatus(target.clients, stack, fn)));

/**
 * Redraws the status until no deployment of the chosen functions is in progress (waiting first, up to
 * `startTimeoutMs`, for one to begin: a pipeline may start watching as it starts `sam deploy`). Answers 0 when
 * the deployments it saw running (or, if none ran, each function's latest) succeeded, 1 when any did not.
 */
export async function watch(
  target: Target,
  stack: StackView,
  functions: CanaryFunction[],
  options: { json: boolean; intervalMs: number; startTimeoutMs: number; write: (text: string) => void; redraw: boolean },
): Promise<number> {
  const seen = new Set<string>();
  const waitUntil = Date.now() + options.startTimeoutMs;
  for (;;) {
    const statuses = await readStatuses(target, stack, functions);
    const at = new Date();
    for (const s of statuses) if (unfinished(s)) seen.add(s.logicalId);
    if (options.json) options.write(`${JSON.stringify({ at: at.toISOString(), functions: statuses })}\n`);
    else options.write(`${options.redraw ? '\x1b[2J\x1b[H' : '\n'}${renderStatus(target.label, statuses, at)}\n`);
    if (!statuses.some(unfinished) && (seen.size > 0 || Date.now() >= waitUntil)) {
      const judged = statuses.filter((s) => s.deployment && (seen.size === 0 || seen.has(s.logicalId)));
      const failed = judged.filter((s) => s.deployment!.status !== 'Succeeded');
      if (!options.json) options.write(failed.length === 0 ? 'deployed\n' : `rolled back: ${failed.map((s) => `${s.logicalId} ${s.deployment!.status}`).join(', ')}\n`);
      return failed.length === 0 ? 0 : 1;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}
