/**
 * `npm run bench:judge [-- --deployments 10000 --alarm-threshold <percent>]`: the canary judge's own
 * statistics (guard/judge/verdict.ts, unchanged) and the 5xx-share alarm's rule (its threshold
 * `Http5xxShareThresholdPercent` unless given), on simulated canaries: how often a good version is rolled
 * back (the false-rollback rate) for a range of shared noise, and how often and how soon a bad one is caught.
 *
 * The model, per AWS second: the old version serves 18 requests and the canary 2 (Poisson), each failing
 * with its version's rate; latencies are lognormal (median 25 ms, σ 0.5) plus the version's extra. The judge
 * reads 5-second windows that arrived 5 s late, every 10 s of the 60-second bake (2 s before each mark);
 * the alarm sees each 10-second period of the canary (at least MinimumRequestsToJudge requests, 5xx share
 * above the threshold). Measured numbers from a model, not a test; the rehearsals measure the rest.
 */
import { parseArgs } from 'node:util';
import { LEAD } from '../guard/canary-judge';
import { JUDGE_SETTINGS, judgeCanary, type VersionWindows } from '../guard/judge/verdict';
import { WINDOW_SECONDS } from '../guard/judge/metric-data';
import { EMF_METRIC_DELAY_SECONDS } from '../local/services/cloudwatch/aws-timing';
import { readTemplate } from '../local/template/cloudformation';

const OLD_RPS = 18;
const CANARY_RPS = 2;
const BAKE_SECONDS = 60;
const JUDGE_EVERY_SECONDS = 10;
const ALARM_PERIOD_SECONDS = 10;
const MEDIAN_LATENCY_MS = 25;
const LATENCY_SIGMA = 0.5;
/** Issue 10's goal: a version failing 20 % is rolled back within 30 s of the first shift. */
const GOAL_SECONDS = 30;

interface Version {
  failureRate: number;
  extraMs: number;
}
interface Scenario {
  label: string;
  older: Version;
  newer: Version;
}

const SHARED_NOISE = [0, 0.001, 0.01, 0.02, 0.05];
const SCENARIOS: Scenario[] = [
  ...SHARED_NOISE.map((rate) => ({ label: `good, ${rate * 100} % of requests fail on both`, older: { failureRate: rate, extraMs: 0 }, newer: { failureRate: rate, extraMs: 0 } })),
  { label: 'good, 10 ms slower (inside the margin)', older: { failureRate: 0, extraMs: 0 }, newer: { failureRate: 0, extraMs: 10 } },
  { label: 'fails 20 % of requests', older: { failureRate: 0, extraMs: 0 }, newer: { failureRate: 0.2, extraMs: 0 } },
  { label: 'fails 20 %, 1 % shared noise', older: { failureRate: 0.01, extraMs: 0 }, newer: { failureRate: 0.21, extraMs: 0 } },
  { label: 'fails 10 % of requests', older: { failureRate: 0, extraMs: 0 }, newer: { failureRate: 0.1, extraMs: 0 } },
  { label: 'fails 5 % of requests', older: { failureRate: 0, extraMs: 0 }, newer: { failureRate: 0.05, extraMs: 0 } },
  { label: '250 ms slower', older: { failureRate: 0, extraMs: 0 }, newer: { failureRate: 0, extraMs: 250 } },
  { label: '50 ms slower', older: { failureRate: 0, extraMs: 0 }, newer: { failureRate: 0, extraMs: 50 } },
];

/** Knuth's method: fine for the small means here. */
function poisson(mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = Math.random(); p > limit; p *= Math.random()) k++;
  return k;
}
const binomial = (n: number, p: number) => {
  let k = 0;
  for (let i = 0; i < n; i++) if (Math.random() < p) k++;
  return k;
};
const normal = () => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
const latency = (extraMs: number) => MEDIAN_LATENCY_MS * Math.exp(LATENCY_SIGMA * normal()) + extraMs;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** One version's second-by-second traffic over the bake. */
function serve(version: Version, rps: number) {
  return Array.from({ length: BAKE_SECONDS }, () => {
    const requests = poisson(rps);
    return { requests, failures: binomial(requests, version.failureRate), latencies: Array.from({ length: requests }, () => latency(version.extraMs)) };
  });
}
type Seconds = ReturnType<typeof serve>;

function windows(seconds: Seconds, untilSecond: number, width: number): VersionWindows {
  const out: VersionWindows = { requests: [], failures: [], latencyMs: [] };
  for (let start = 0; start + width <= untilSecond; start += width) {
    const slice = seconds.slice(start, start + width);
    const latencies = slice.flatMap((s) => s.latencies);
    out.requests.push(slice.reduce((n, s) => n + s.requests, 0));
    out.failures.push(slice.reduce((n, s) => n + s.failures, 0));
    out.latencyMs.push(latencies.length > 0 ? median(latencies) : undefined);
  }
  return out;
}

/** When, in AWS seconds after the first shift, the judge or the alarm would stop this canary; undefined if neither. */
function simulate(scenario: Scenario, alarm: { minimumRequests: number; thresholdPercent: number }) {
  const older = serve(scenario.older, OLD_RPS);
  const newer = serve(scenario.newer, CANARY_RPS);
  let judgeAt: number | undefined;
  // Rounds as the judge keeps them: a little before each 10-second mark after the first shift.
  for (let at = JUDGE_EVERY_SECONDS * (1 - LEAD); at <= BAKE_SECONDS && judgeAt === undefined; at += JUDGE_EVERY_SECONDS) {
    const arrived = at - EMF_METRIC_DELAY_SECONDS;
    const newWindows = windows(newer, arrived, WINDOW_SECONDS);
    const served = newWindows.requests.map((n, i) => [n, i] as const).filter(([n]) => n > 0).map(([, i]) => i);
    const pick = (w: VersionWindows): VersionWindows => ({ requests: served.map((i) => w.requests[i]!), failures: served.map((i) => w.failures[i]!), latencyMs: served.map((i) => w.latencyMs[i]) });
    if (judgeCanary(pick(newWindows), pick(windows(older, arrived, WINDOW_SECONDS))).outcome === 'fail') judgeAt = at;
  }
  let alarmAt: number | undefined;
  const periods = windows(newer, BAKE_SECONDS, ALARM_PERIOD_SECONDS);
  periods.requests.forEach((n, i) => {
    if (alarmAt === undefined && n >= alarm.minimumRequests && (100 * periods.failures[i]!) / n > alarm.thresholdPercent) {
      // Seen once the period has ended, its data has arrived and the next 10-second evaluation has run.
      alarmAt = (i + 1) * ALARM_PERIOD_SECONDS + EMF_METRIC_DELAY_SECONDS + ALARM_PERIOD_SECONDS / 2;
    }
  });
  return { judgeAt, alarmAt };
}

function main() {
  const parameters = readTemplate('template.yaml').Parameters as Record<string, { Default: number }>;
  const { values } = parseArgs({
    options: {
      deployments: { type: 'string', default: '10000' },
      'alarm-threshold': { type: 'string', default: String(parameters.Http5xxShareThresholdPercent!.Default) },
    },
  });
  const deployments = Number(values.deployments);
  if (!(Number.isInteger(deployments) && deployments > 0)) throw new Error('--deployments takes a positive whole number');
  const alarm = { minimumRequests: Number(parameters.MinimumRequestsToJudge!.Default), thresholdPercent: Number(values['alarm-threshold']) };
  if (!(alarm.thresholdPercent >= 0 && alarm.thresholdPercent <= 100)) throw new Error('--alarm-threshold takes a percentage, 0 to 100');
  const pct = (n: number) => `${((100 * n) / deployments).toFixed(2)} %`;
  const header = ['canary', 'judge stops', 'alarm stops', 'either stops', `stopped by ${GOAL_SECONDS} s`, 'median time to stop', 'slowest stop'];
  const rows = SCENARIOS.map((scenario) => {
    let judge = 0;
    let alarmed = 0;
    const times: number[] = [];
    for (let i = 0; i < deployments; i++) {
      const { judgeAt, alarmAt } = simulate(scenario, alarm);
      if (judgeAt !== undefined) judge++;
      if (alarmAt !== undefined) alarmed++;
      const first = Math.min(judgeAt ?? Infinity, alarmAt ?? Infinity);
      if (first !== Infinity) times.push(first);
    }
    const seconds = (pick: (t: number[]) => number) => (times.length > 0 ? `${pick(times)} s` : '—');
    return [scenario.label, pct(judge), pct(alarmed), pct(times.length), pct(times.filter((t) => t <= GOAL_SECONDS).length), seconds(median), seconds((t) => Math.max(...t))];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`=== ${deployments} simulated 60 s canaries each: ${OLD_RPS} + ${CANARY_RPS} requests/s, judge ${JSON.stringify(JUDGE_SETTINGS)}, alarm: 5xx share > ${alarm.thresholdPercent} % over 10 s with ≥ ${alarm.minimumRequests} requests ===`);
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
}

main();
