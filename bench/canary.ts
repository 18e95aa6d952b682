/**
 * `npm run bench:canary [-- --time-scale 1 --alarm-timing aws]`: four rehearsed deployments of
 * GetCompanyFunction under 20 rps, one per kind of fault, on AWS's alarm timing by default: a version failing
 * one read in five, one 1.2 s slower on every request, one that throws as it loads, and a good one. Prints
 * one table: what CodeDeploy did, how long after the first shift, whether the trouble was seen before or
 * after the shift to 100 %, and what users got from the bad version meanwhile. Measured numbers, not a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rehearse } from '../local/deploy/rehearsal';
import type { FunctionReport } from '../local/deploy/report';
import { alarmTiming, type AlarmTiming } from '../local/services/cloudwatch/aws-timing';
import { ROOT } from '../local/template/cloudformation';
import { getCompanyFailsOneInFive, getCompanyThrowsAtLoad, goodGetCompany, slowGetCompany } from '../test/support/candidate-patches';
import { copySource, removeCandidates, type SourcePatch } from '../test/support/candidates';

const TRAFFIC_RPS = 20;
const FAULTS: Array<[string, SourcePatch]> = [
  ['fails 20 % of reads', getCompanyFailsOneInFive],
  ['1.2 s slower', slowGetCompany],
  ['throws at load', getCompanyThrowsAtLoad],
  ['good', goodGetCompany],
];

async function deploy(label: string, patch: SourcePatch, timeScale: number, timing: AlarmTiming): Promise<FunctionReport> {
  const stateDir = mkdtempSync(join(tmpdir(), 'company-canary-bench-'));
  try {
    console.log(`\n${label}: deploying at time scale ${timeScale}, ${timing.mode} alarm timing, ${TRAFFIC_RPS} rps…`);
    const { report } = await rehearse({
      sourceRoot: copySource([patch]),
      from: { folder: ROOT },
      stateDir,
      reportsDir: join(stateDir, 'reports'),
      trafficRps: TRAFFIC_RPS,
      timeScale,
      alarmTiming: timing,
      onMessage: (line) => console.log(`  ${line}`),
    });
    return report.functions.find((f) => f.outcome !== 'Unchanged')!;
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

const s = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(0)} s`);
const DETECTED = { 'before-full-shift': 'before', 'after-full-shift': 'after', 'after-deployment-ended': 'after the end', 'not-detected': 'never' } as const;

async function main() {
  const { values } = parseArgs({ options: { 'time-scale': { type: 'string', default: '1' }, 'alarm-timing': { type: 'string', default: 'aws' } } });
  const timeScale = Number(values['time-scale']);
  if (!(timeScale > 0)) throw new Error('--time-scale takes a positive number');
  const timing = alarmTiming({ mode: values['alarm-timing'] });
  const rows: string[][] = [];
  for (const [label, patch] of FAULTS) {
    const fn = await deploy(label, patch, timeScale, timing);
    const summary = fn.summary!;
    const verdict = fn.outcome === 'Succeeded' ? 'deployed' : fn.reason?.startsWith('PreTraffic') ? 'rolled back by PreTraffic' : fn.reason?.startsWith('PostTraffic') ? 'rolled back by PostTraffic' : 'rolled back by an alarm';
    rows.push([
      label,
      verdict,
      fn.outcome === 'RolledBack' ? s(summary.firstShiftToVerdictMs) : '—',
      s(summary.firstShiftToAlarmMs),
      DETECTED[summary.detected],
      `${summary.canaryShare.requests} / ${summary.canaryShare.failed}`,
      `${summary.fullShare.requests} / ${summary.fullShare.failed}`,
    ]);
  }
  removeCandidates();
  const header = ['fault', 'outcome', 'first shift → rollback', 'first shift → alarm', 'alarm vs 100 % shift', 'at 10 %: served / failed', 'at 100 %: served / failed'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n=== GetCompanyFunction, ${TRAFFIC_RPS} rps, time scale ${timeScale}, ${timing.mode} alarm timing (times in AWS seconds) ===`);
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
  console.log(`
Served / failed count user requests (through the API) the new version answered until CodeDeploy's verdict;
a deployed bad version goes on serving all traffic after it. "after the end": an alarm went into ALARM only
after the PostTraffic hook had ended the deployment, when CodeDeploy no longer acts on alarms.`);
}

main().catch((error) => {
  console.error(`bench:canary failed: ${error.message}`);
  process.exit(1);
});
