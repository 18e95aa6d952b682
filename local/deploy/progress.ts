import type { CanaryProgress } from './canary';
import type { VersionCounts } from './summary';

/**
 * Shows a rehearsal as it runs: on a terminal, one line per function redrawn in place; elsewhere (CI, a
 * pipe), a plain line whenever a function's phase, weight or alarm states change.
 */
export function progressPrinter(stream: NodeJS.WriteStream = process.stdout) {
  const latest = new Map<string, CanaryProgress & { counts: VersionCounts }>();
  const lastPlain = new Map<string, string>();
  let drawn = 0;

  const describe = (p: CanaryProgress & { counts: VersionCounts }, withCounts: boolean) => {
    const alarms = Object.entries(p.alarms)
      .map(([name, state]) => `${name.replace(/Alarm$/, '')}:${state === 'INSUFFICIENT_DATA' ? 'no-data' : state}`)
      .join(' ');
    const counts = Object.entries(p.counts[p.logicalId] ?? {})
      .map(([version, c]) => `v${version} ${c.requests} req/${c.errors} err`)
      .join(', ');
    const bake = p.bakeLeftMs === undefined ? '' : ` bake ${(p.bakeLeftMs / 1000).toFixed(1)} s left (AWS)`;
    return `${p.logicalId.padEnd(22)} ${p.phase.padEnd(11)} new version ${(p.targetWeight * 100).toFixed(0).padStart(3)} %${bake}  ${alarms}${withCounts && counts ? `  ${counts}` : ''}`;
  };

  return (update: CanaryProgress & { counts: VersionCounts }) => {
    // Counts are per function name; progress arrives per logical id, which is the name locally.
    latest.set(update.logicalId, { ...update, counts: { [update.logicalId]: update.counts[update.logicalId] ?? {} } });
    if (stream.isTTY) {
      if (drawn > 0) stream.write(`\x1b[${drawn}A`);
      for (const entry of latest.values()) stream.write(`\x1b[2K${describe(entry, true)}\n`);
      drawn = latest.size;
      return;
    }
    const line = describe(update, false);
    const withoutClock = line.replace(/ bake [\d.]+ s left \(AWS\)/, '');
    if (lastPlain.get(update.logicalId) === withoutClock) return;
    lastPlain.set(update.logicalId, withoutClock);
    stream.write(`${line}\n`);
  };
}
