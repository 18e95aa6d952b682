/**
 * `npm run bench:canary [-- --time-scale 1 --repeat 1 --faults all --design both --emf-metric-delay 5]`:
 * rehearsed deployments of GetCompanyFunction under 23 requests per AWS second (20 of them reads, 2 of those
 * on the canary), one per kind of fault, on AWS's alarm timing, with this design and with the previous one
 * (60-second alarms and CodeDeploy's own alarm poll, no stopper, no judge) side by side. Prints per fault what
 * CodeDeploy did, how long after the first shift, what saw the trouble and whether before the shift to
 * 100 %, and what users got from the bad version meanwhile. Measured numbers, not a test.
 *
 * The previous design runs from its own commit's template and code (`git archive`) with this harness, so
 * both meet the same traffic, the same clock and the same faults.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rehearse } from '../local/deploy/rehearsal';
import type { FunctionReport } from '../local/deploy/report';
import { alarmTiming, type AlarmTiming } from '../local/services/cloudwatch/aws-timing';
import { startDynamoDbLocal } from '../local/services/dynamodb';
import { ROOT } from '../local/template/cloudformation';
import {
  getCompanyFailsOneInFive,
  getCompanyQuarterSecondSlower,
  getCompanyThrowsAtLoad,
  goodGetCompany,
  slowGetCompany,
} from '../test/support/candidate-patches';
import { copySource, removeCandidates, type SourceChange } from '../test/support/candidates';
import type { FaultName } from '../test/support/fault-wrappers';
import { startDynamoDbFaultProxy } from '../test/support/dynamodb-fault-proxy';

/**
 * The last commit of the previous design: issue 10's guard (10 s alarms on the handlers' own metrics, the
 * stopper and the judge), before Lambda's own records of each invocation and the final bake.
 */
const PREVIOUS_DESIGN = '9649948';
/** What the previous design's commit holds of the application; the harness (local/, bench/) is this one's. */
const APPLICATION = ['template.yaml', 'samconfig.toml', 'iaac', 'open-api', 'statemachine', 'functions', 'hooks', 'events'];
const TRAFFIC_RPS = 23;

interface Fault {
  patch: SourceChange;
  /** A share of all DynamoDB calls that fail, for every version alike. */
  noise?: number;
}
/** A fault outside GetCompany's handler code, on a random share of user requests (after some seconds, for a latent one). */
const outside = (fault: FaultName, share: number, afterSeconds?: number): Fault => ({ patch: { entry: 'functions/get-company.ts', fault, strike: { share, afterSeconds } } });

const FAULTS: Record<string, Fault> = {
  'fails 20 % of reads': { patch: getCompanyFailsOneInFive },
  'throws outside the handler on 20 %': outside('throwsOutsideHandler', 0.2),
  'runtime exits on 20 %': outside('exitsRuntime', 0.2),
  'hangs past Timeout on 20 %': outside('hangsPastTimeout', 0.2),
  'out of memory on 20 %': outside('exceedsMemory', 0.2),
  'throws on 20 % after 90 s (at 100 %)': outside('throwsOutsideHandler', 0.2, 90),
  '1.2 s slower': { patch: slowGetCompany },
  '250 ms slower': { patch: getCompanyQuarterSecondSlower },
  'throws at load': { patch: getCompanyThrowsAtLoad },
  good: { patch: goodGetCompany },
  'good while 1 % of DynamoDB calls fail': { patch: goodGetCompany, noise: 0.01 },
};

interface Run {
  outcome: FunctionReport['outcome'];
  reason?: string;
  summary: NonNullable<FunctionReport['summary']>;
}

/** A latent fault's delay is in AWS seconds; the candidate counts on the wall clock, which runs timeScale times slower. */
function onTheWallClock(change: SourceChange, timeScale: number): SourceChange {
  if (!('fault' in change) || change.strike.afterSeconds === undefined) return change;
  return { ...change, strike: { ...change.strike, afterSeconds: change.strike.afterSeconds / timeScale } };
}

async function deploy(label: string, fault: Fault, timeScale: number, timing: AlarmTiming, dynamoEndpoint: string): Promise<Run> {
  const stateDir = mkdtempSync(join(tmpdir(), 'company-canary-bench-'));
  const proxy = fault.noise ? await startDynamoDbFaultProxy(dynamoEndpoint, fault.noise) : undefined;
  try {
    console.log(`\n${label}: deploying at time scale ${timeScale}, ${timing.mode} alarm timing, ${TRAFFIC_RPS} requests per AWS second…`);
    const { report } = await rehearse({
      sourceRoot: copySource([onTheWallClock(fault.patch, timeScale)]),
      from: { folder: ROOT },
      stateDir,
      reportsDir: join(stateDir, 'reports'),
      trafficRps: TRAFFIC_RPS,
      timeScale,
      alarmTiming: timing,
      dynamoEndpoint: proxy?.url ?? dynamoEndpoint,
      tableName: `bench-${Date.now()}`,
      onMessage: (line) => console.log(`  ${line}`),
    });
    const fn = report.functions.find((f) => f.outcome !== 'Unchanged')!;
    if (proxy) console.log(`  the proxy failed ${proxy.failed} of ${proxy.calls} DynamoDB item calls`);
    const verdictAfter = fn.summary?.firstShiftToVerdictMs;
    console.log(`  → ${fn.outcome}${verdictAfter === undefined ? '' : ` ${seconds(verdictAfter)} after the first shift`}${fn.reason ? `: ${fn.reason}` : ''}`);
    return { outcome: fn.outcome, reason: fn.reason, summary: fn.summary! };
  } finally {
    await proxy?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Every fault's runs with the design of this working tree. */
async function benchThisDesign(faults: string[], repeat: number, timeScale: number, timing: AlarmTiming): Promise<Record<string, Run[]>> {
  const dynamo = await startDynamoDbLocal({ sharedDb: true });
  try {
    const runs: Record<string, Run[]> = {};
    for (const label of faults) {
      for (let i = 0; i < repeat; i++) (runs[label] ??= []).push(await deploy(repeat > 1 ? `${label} (${i + 1} of ${repeat})` : label, FAULTS[label]!, timeScale, timing, dynamo.endpoint));
    }
    return runs;
  } finally {
    await dynamo.stop();
    removeCandidates();
  }
}

/** The previous design's application with this harness, in a folder of its own, benched there by this script. */
function benchPreviousDesign(args: string[]): Record<string, Run[]> {
  const dir = mkdtempSync(join(tmpdir(), 'company-canary-previous-'));
  try {
    console.log(`\nthe previous design: its application from commit ${PREVIOUS_DESIGN}, this harness, in ${dir}`);
    const archive = execFileSync('git', ['archive', '--format=tar', PREVIOUS_DESIGN, ...APPLICATION], { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
    for (const part of ['local', 'bench', join('test', 'support'), 'package.json', 'tsconfig.json']) cpSync(join(ROOT, part), join(dir, part), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const out = join(dir, 'runs.json');
    for (const command of [['local/cli/build.ts'], ['bench/canary.ts', ...args, '--design', 'this', '--json', out]]) {
      const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), ...command], { cwd: dir, stdio: 'inherit' });
      if (run.status !== 0) throw new Error(`the previous design's ${command[0]} exited with ${run.status}`);
    }
    return JSON.parse(readFileSync(out, 'utf8')) as Record<string, Run[]>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const seconds = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const SEEN = { 'before-full-shift': 'before 100 %', 'after-full-shift': 'after 100 %', 'after-deployment-ended': 'after the end', 'not-detected': 'never' } as const;

/** What saw the trouble first, in a few words: an alarm by its kind, the judge, a hook; nothing for a quiet run. */
function firstSighting(run: Run): string {
  const by = run.summary.sightings?.[0]?.by;
  if (!by) return '—';
  const alarm = /^alarm \w+?(Errors|Http5xx|Latency|InvocationErrors|Timeouts)Alarm$/.exec(by)?.[1];
  if (alarm) return `${alarm} alarm`;
  if (by.includes('canary judge')) return 'the judge';
  return /^(PreTraffic|PostTraffic) hook \((journey|final bake)?/.exec(by)?.slice(1).filter(Boolean).join(' ') ?? by;
}

function outcomeOf(run: Run): string {
  if (run.outcome === 'Succeeded') return 'deployed';
  if (run.reason?.startsWith('PreTraffic')) return 'rolled back by PreTraffic';
  if (run.reason?.startsWith('PostTraffic')) return 'rolled back by PostTraffic';
  if (run.reason?.includes('canary judge')) return 'rolled back by the judge';
  if (run.reason?.includes('stopper')) return 'rolled back by the stopper';
  return 'rolled back by CodeDeploy’s poll';
}

/** One cell from all runs of a fault: the value when they agree, else each value with its count. */
function tally(values: string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  if (counts.size === 1 && values.length === 1) return values[0]!;
  return [...counts].map(([value, n]) => `${value} ${n}/${values.length}`).join(', ');
}

function durations(values: Array<number | undefined>): string {
  const known = values.filter((v): v is number => v !== undefined);
  if (known.length === 0) return '—';
  if (values.length === 1) return seconds(known[0]);
  return `median ${seconds(median(known))}, max ${seconds(Math.max(...known))}`;
}

function row(label: string, design: string, runs: Run[]): string[] {
  const served = (pick: (run: Run) => { requests: number; failed: number }) =>
    runs.length === 1 ? `${pick(runs[0]!).requests} / ${pick(runs[0]!).failed}` : `median ${median(runs.map((r) => pick(r).requests))} / ${median(runs.map((r) => pick(r).failed))}`;
  return [
    label,
    design,
    tally(runs.map(outcomeOf)),
    durations(runs.map((r) => (r.outcome === 'RolledBack' ? r.summary.firstShiftToVerdictMs : undefined))),
    tally(runs.map((r) => SEEN[r.summary.detected])),
    tally(runs.map((r) => firstSighting(r))),
    served((r) => r.summary.canaryShare),
    served((r) => r.summary.fullShare),
  ];
}

function printTable(faults: string[], designs: Array<[string, Record<string, Run[]>]>, timeScale: number, timing: AlarmTiming) {
  const rows = faults.flatMap((label) => designs.filter(([, runs]) => runs[label]).map(([design, runs]) => row(label, design, runs[label]!)));
  const header = ['fault', 'design', 'outcome', 'first shift → rollback', 'trouble seen', 'seen first by', 'at 10 %: served / failed', 'at 100 %: served / failed'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(
    `\n=== GetCompanyFunction, ${TRAFFIC_RPS} requests per AWS second, time scale ${timeScale}, ${timing.mode} alarm timing, EMF data ${timing.emfMetricDelaySeconds} s late, Lambda's records ${timing.logSubscriptionDelaySeconds + timing.putMetricDataDelaySeconds} s (times in AWS seconds) ===`,
  );
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
  console.log(`
Served / failed count user requests (through the API) the new version answered until CodeDeploy's verdict; a
deployed bad version goes on serving all traffic after it. "after the end": trouble seen only after the
PostTraffic hook had ended the deployment, when CodeDeploy no longer acts on alarms. previous: 10 s rate alarms
on the handlers' own metrics with an immediate stop, and the canary judge; this: the same, with Lambda's own
records of every invocation (invocation-error and timeout alarms, the judge counting them), a journey that
fails on a 5xx, and a final bake at 100 % (FinalBakeSeconds, 120 s).`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      'time-scale': { type: 'string', default: '1' },
      'alarm-timing': { type: 'string', default: 'aws' },
      'emf-metric-delay': { type: 'string' },
      repeat: { type: 'string', default: '1' },
      faults: { type: 'string', default: 'all' },
      design: { type: 'string', default: 'both' },
      json: { type: 'string' },
    },
  });
  const timeScale = Number(values['time-scale']);
  const repeat = Number(values.repeat);
  if (!(timeScale > 0) || !(Number.isInteger(repeat) && repeat > 0)) throw new Error('--time-scale takes a positive number, --repeat a positive whole number');
  const timing = alarmTiming({ mode: values['alarm-timing'], emfMetricDelaySeconds: values['emf-metric-delay'] });
  // Fault names hold no commas, so that a list of them can be forwarded to the previous design's run.
  const faults = values.faults === 'all' ? Object.keys(FAULTS) : values.faults.split(',').map((f) => f.trim());
  const unknown = faults.filter((f) => !FAULTS[f]);
  if (unknown.length > 0) throw new Error(`unknown fault ${unknown.join(', ')}: choose from ${Object.keys(FAULTS).join('; ')}`);
  if (!['both', 'this', 'previous'].includes(values.design)) throw new Error('--design is both, this or previous');

  const forwarded = ['--time-scale', String(timeScale), '--alarm-timing', timing.mode, '--emf-metric-delay', String(timing.emfMetricDelaySeconds), '--repeat', String(repeat), '--faults', faults.join(',')];
  const designs: Array<[string, Record<string, Run[]>]> = [];
  if (values.design !== 'this') designs.push(['previous', benchPreviousDesign(forwarded)]);
  if (values.design !== 'previous') designs.push(['this', await benchThisDesign(faults, repeat, timeScale, timing)]);
  if (values.json) writeFileSync(values.json, JSON.stringify(designs.find(([design]) => design === 'this')?.[1] ?? {}));
  else printTable(faults, designs, timeScale, timing);
}

main().catch((error) => {
  console.error(`bench:canary failed: ${error.message}`);
  process.exit(1);
});
