import type { CanaryFunction, StackView } from '../stack';
import type { FunctionStatus } from '../status';
import type { Target } from '../target';
import { readStatuses } from '../watch';
import { versionSeries, type VersionSeries } from './version-series';

/** What the dashboard's page draws: `status --json`'s reading, with each version's figures minute by minute. */
export interface Snapshot {
  at: string;
  target: string;
  functions: FunctionStatus[];
  charts: { from: string; functions: Array<{ logicalId: string; versions: VersionSeries[] }> };
}

/** How far back the charts go. */
export const CHART_MINUTES = 15;
/** How often the page asks; a reading younger than this is answered again rather than read anew. */
export const READ_EVERY_MS = 2_000;

async function readSnapshot(target: Target, stack: StackView, functions: CanaryFunction[]): Promise<Snapshot> {
  const at = new Date();
  const from = new Date(at.getTime() - CHART_MINUTES * 60_000);
  const statuses = await readStatuses(target, stack, functions);
  const charts = await Promise.all(
    statuses.map(async (status, i) => ({
      logicalId: status.logicalId,
      versions: await versionSeries(target.clients.cloudwatch, functions[i]!, status.versions.map((v) => v.version), from, at),
    })),
  );
  return { at: at.toISOString(), target: target.label, functions: statuses, charts: { from: from.toISOString(), functions: charts } };
}

/**
 * Readings for any number of pages and tabs at one read per READ_EVERY_MS at most: a request while a read
 * is under way, or soon after one, shares it, so a slow read never piles up others. Only the latest reading is kept.
 */
export function snapshotReader(target: Target, stack: StackView, functions: CanaryFunction[]): () => Promise<Snapshot> {
  let latest: { startedAt: number; settled: boolean; reading: Promise<Snapshot> } | undefined;
  return () => {
    if (!latest || (latest.settled && Date.now() - latest.startedAt >= READ_EVERY_MS)) {
      const reading = readSnapshot(target, stack, functions);
      const current = { startedAt: Date.now(), settled: false, reading };
      const settle = () => void (current.settled = true);
      reading.then(settle, settle);
      latest = current;
    }
    return latest.reading;
  };
}
