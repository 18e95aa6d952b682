import { FIGURES_MINUTES, type FunctionStatus } from './status';

const percent = (share: number) => `${(share * 100).toFixed(share > 0 && share < 0.01 ? 2 : 1)} %`;

/** `status` for people: one block per function. */
export function renderStatus(label: string, statuses: FunctionStatus[], at: Date): string {
  const lines = [`${label}, ${at.toISOString()}`];
  for (const s of statuses) {
    lines.push('', `${s.logicalId} (${s.functionName}:${s.alias})`);
    lines.push(`  ${s.alias} → ${s.routing.map((r) => `version ${r.version} ${percent(r.weight)}`).join(', ')}`);
    const d = s.deployment;
    if (d) {
      const ended = d.endedAt ? `, ended ${d.endedAt}` : '';
      lines.push(`  deployment ${d.id} ${d.status}: ${d.currentVersion} → ${d.targetVersion} (${d.configName ?? 'no config'}), started ${d.createdAt}${ended}`);
      if (d.status === 'InProgress') {
        const left = d.bakeLeftSeconds === undefined ? '' : `, ${d.bakeLeftSeconds} s left in the bake`;
        lines.push(`    phase ${d.phase}: version ${d.targetVersion} takes ${percent(d.targetWeight)}${left}`);
        if (d.gate) {
          lines.push(`    waiting for approval at ${d.gate.lifecycleEvent} since ${d.gate.since}; CodeDeploy fails it at ${d.gate.failsAt}`);
          lines.push(`      decide: npm run canary -- approve ${s.logicalId} | abort ${s.logicalId}`);
        }
      }
      if (d.error) lines.push(`    ${d.error.code}: ${d.error.message}`);
      if (d.alarms.length > 0) lines.push(`    alarms: ${d.alarms.map((a) => `${a.name} ${a.state}`).join(', ')}`);
      if (d.verdict) {
        const figures = d.verdict.results.map((r) => `${r.metric} ${r.outcome}${r.confidence === undefined ? '' : ` (${(r.confidence * 100).toFixed(1)} % sure)`}`);
        lines.push(`    judge, round ${d.verdict.round} at ${d.verdict.at}: ${d.verdict.outcome}; ${figures.join('; ')}`);
      }
    } else {
      lines.push('  no deployment yet');
    }
    if (s.versions.length > 0) {
      lines.push(`  last ${FIGURES_MINUTES} minutes (Lambda's per-minute metrics):`);
      for (const v of s.versions) {
        const errors = v.errorShare === undefined ? '-' : percent(v.errorShare);
        const p99 = v.p99Ms === undefined ? '-' : `${v.p99Ms.toFixed(0)} ms`;
        lines.push(`    version ${v.version.padEnd(4)} ${String(v.requests).padStart(7)} requests, errors ${errors.padStart(7)}, p99 ${p99}`);
      }
    }
  }
  return lines.join('\n');
}
