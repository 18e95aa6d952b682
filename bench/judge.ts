/**
 * `npm run bench:judge [-- --deployments 10000 --alarm-threshold <%> --invocation-error-threshold <%> --timeout-threshold <%>]`:
 * the canary judge's own code (guard/judge/: the windows it reads, its statistics and verdict, unchanged) and
 * the rules of the stack's 10-second alarms (their thresholds from template.yaml unless given), on simulated
 * canaries: how often a good version is rolled back (the false-rollback rate) for a range of noise both
 * versions share, and how often and how soon a bad one is caught, whatever way it fails.
 *
 * The model, per AWS second: the old version serves 18 requests and the canary 2 (Poisson). A request either
 * fails outside the handler (no handler metric; Lambda's record of it says it failed, at once, or 2 s in for
 * memory filling up, or at the functions' Timeout (template.yaml) for a hang), or the handler answers it, with a 5xx at the version's
 * rate; latencies are lognormal (median 25 ms, σ 0.5) plus the version's extra. The handlers' metrics arrive
 * 5 s after their period (EMF), Lambda's records 7 s after (log subscription, then PutMetricData), as the
 * rehearsal's clock has them. The judge reads 5-second windows every 10 s of the 60-second bake (2 s before
 * each mark); each alarm sees each 10-second period of the canary with enough requests, from its next
 * 10-second evaluation after the data arrived. Measured numbers from a model, not a test; the rehearsals
 * measure the rest.
 */
import { parseArgs } from 'node:util';
import { LEAD } from '../guard/canary-judge';
import { judgedWindows, type VersionSeries, WINDOW_SECONDS } from '../guard/judge/metric-data';
import { JUDGE_SETTINGS, judgeCanary } from '../guard/judge/verdict';
import { EMF_METRIC_DELAY_SECONDS, HIGH_RESOLUTION_EVALUATION_SECONDS, LOG_SUBSCRIPTION_DELAY_SECONDS, PUT_METRIC_DATA_DELAY_SECONDS } from '../local/services/cloudwatch/aws-timing';
import { readTemplate } from '../local/template/cloudformation';

const OLD_RPS = 18;
const CANARY_RPS = 2;
const BAKE_SECONDS = 60;
const JUDGE_EVERY_SECONDS = 10;
const ALARM_PERIOD_SECONDS = 10;
const MEDIAN_LATENCY_MS = 25;
const LATENCY_SIGMA = 0.5;
/** The Company functions' Timeout (template.yaml's Globals): when Lambda reports a hung invocation. */
const TIMEOUT_SECONDS = Number((readTemplate('template.yaml').Globals as { Function: { Timeout: number } }).Function.Timeout);
/** How long memory takes to fill to 512 MB before Lambda kills the runtime (about 2 s measured locally). */
const OUT_OF_MEMORY_SECONDS = 2;
const PLATFORM_DELAY_SECONDS = LOG_SUBSCRIPTION_DELAY_SECONDS + PUT_METRIC_DATA_DELAY_SECONDS;
/** Issue 10's goal: a version failing 20 % is rolled back within 30 s of the first shift. */
const GOAL_SECONDS = 30;

/** How a version's requests go wrong, each a share of its requests. */
interface Version {
  /** The handler answers 5xx. */
  answered5xx?: number;
  /** Fails outside the handler, reported when the invocation ends: at once, or after `failsAfterSeconds`. */
  failsOutside?: number;
  failsAfterSeconds?: number;
  /** Hangs until the Timeout ends it. */
  timesOut?: number;
  extraMs?: number;
}
interface Scenario {
  label: string;
  older: Version;
  newer: Version;
}

const SHARED_NOISE = [0, 0.001, 0.01, 0.02, 0.05];
const SHARED_TIMEOUTS = [0.001, 0.005, 0.01];
/** Errors outside the handler that a good version would share: a fault of Lambda's own, say. */
const SHARED_INVOCATION_ERRORS = [0.0001, 0.001];
const SCENARIOS: Scenario[] = [
  ...SHARED_NOISE.map((rate) => ({ label: `good, ${rate * 100} % of requests fail on both`, older: { answered5xx: rate }, newer: { answered5xx: rate } })),
  ...SHARED_TIMEOUTS.map((rate) => ({ label: `good, ${rate * 100} % of requests time out on both`, older: { timesOut: rate }, newer: { timesOut: rate } })),
  ...SHARED_INVOCATION_ERRORS.map((rate) => ({ label: `good, ${rate * 100} % fail outside the handler on both`, older: { failsOutside: rate }, newer: { failsOutside: rate } })),
  { label: 'good, 10 ms slower (inside the margin)', older: {}, newer: { extraMs: 10 } },
  { label: 'fails 20 % of requests', older: {}, newer: { answered5xx: 0.2 } },
  { label: 'fails 20 %, 1 % shared noise', older: { answered5xx: 0.01 }, newer: { answered5xx: 0.21 } },
  { label: 'fails 10 % of requests', older: {}, newer: { answered5xx: 0.1 } },
  { label: 'fails 5 % of requests', older: {}, newer: { answered5xx: 0.05 } },
  { label: 'throws outside the handler on 20 %', older: {}, newer: { failsOutside: 0.2 } },
  { label: 'runtime exits (or init fails) on 20 %', older: {}, newer: { failsOutside: 0.2 } },
  { label: 'out of memory on 20 % (2 s in)', older: {}, newer: { failsOutside: 0.2, failsAfterSeconds: OUT_OF_MEMORY_SECONDS } },
  { label: `hangs past its ${TIMEOUT_SECONDS} s Timeout on 20 %`, older: {}, newer: { timesOut: 0.2 } },
  { label: 'throws outside the handler on 5 %', older: {}, newer: { failsOutside: 0.05 } },
  { label: '250 ms slower', older: {}, newer: { extraMs: 250 } },
  { label: '50 ms slower', older: {}, newer: { extraMs: 50 } },
];

/** Knuth's method: fine for the small means here. */
function poisson(mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = Math.random(); p > limit; p *= Math.random()) k++;
  return k;
}
const normal = () => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
const latency = (extraMs: number) => MEDIAN_LATENCY_MS * Math.exp(LATENCY_SIGMA * normal()) + extraMs;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** What each source records, per second: the handlers' metrics by when they answered, Lambda's records by when the invocation ended. */
interface Second {
  answered: number;
  answered5xx: number;
  latencies: number[];
  invocations: number;
  failedInvocations: number;
  timeouts: number;
}
const emptySecond = (): Second => ({ answered: 0, answered5xx: 0, latencies: [], invocations: 0, failedInvocations: 0, timeouts: 0 });

/** One version's second-by-second traffic over the bake. */
function serve(version: Version, rps: number): Second[] {
  const seconds = Array.from({ length: BAKE_SECONDS + TIMEOUT_SECONDS }, emptySecond);
  for (let s = 0; s < BAKE_SECONDS; s++) {
    for (let n = poisson(rps); n > 0; n--) {
      const draw = Math.random();
      const outside = version.failsOutside ?? 0;
      const hang = version.timesOut ?? 0;
      if (draw < outside) {
        const ended = seconds[s + (version.failsAfterSeconds ?? 0)]!;
        ended.invocations++;
        ended.failedInvocations++;
      } else if (draw < outside + hang) {
        const ended = seconds[s + TIMEOUT_SECONDS]!;
        ended.invocations++;
        ended.failedInvocations++;
        ended.timeouts++;
      } else {
        const second = seconds[s]!;
        second.invocations++;
        second.answered++;
        if (Math.random() < (version.answered5xx ?? 0)) second.answered5xx++;
        second.latencies.push(latency(version.extraMs ?? 0));
      }
    }
  }
  return seconds;
}

/** The sums over [from, to) seconds. */
function period(seconds: Second[], from: number, to: number): Second {
  const sum = emptySecond();
  for (const second of seconds.slice(from, to)) {
    for (const key of ['answered', 'answered5xx', 'invocations', 'failedInvocations', 'timeouts'] as const) sum[key] += second[key];
    sum.latencies.push(...second.latencies);
  }
  return sum;
}

/** One version's 5-second windows over the bake, each with what each source would say of it. */
function windowsOf(seconds: Second[]) {
  const windows = [];
  for (let start = 0; start + WINDOW_SECONDS <= BAKE_SECONDS; start += WINDOW_SECONDS) {
    const window = period(seconds, start, start + WINDOW_SECONDS);
    windows.push({ start, end: start + WINDOW_SECONDS, ...window, latency: window.latencies.length > 0 ? median(window.latencies) : 0 });
  }
  return windows;
}

/** The series GetMetricData would answer at AWS second `at`: each window once its source's data has arrived. */
function seriesAt(windows: ReturnType<typeof windowsOf>, at: number): VersionSeries {
  const series: VersionSeries = { invocations: new Map(), answered: new Map(), answered5xx: new Map(), failedInvocations: new Map(), latency: new Map() };
  for (const window of windows) {
    if (window.end + EMF_METRIC_DELAY_SECONDS <= at && window.answered > 0) {
      series.answered.set(window.start, window.answered);
      series.answered5xx.set(window.start, window.answered5xx);
      series.latency.set(window.start, window.latency);
    }
    if (window.end + PLATFORM_DELAY_SECONDS <= at && window.invocations > 0) {
      series.invocations.set(window.start, window.invocations);
      series.failedInvocations.set(window.start, window.failedInvocations);
    }
  }
  return series;
}

interface Thresholds {
  minimumRequests: number;
  http5xxPercent: number;
  invocationErrorPercent: number;
  timeoutPercent: number;
}

/** When an alarm whose data arrives `delay` s after a period sees the period: its first 10-second evaluation after. */
const seenAt = (periodEnd: number, delay: number) => Math.ceil((periodEnd + delay) / HIGH_RESOLUTION_EVALUATION_SECONDS) * HIGH_RESOLUTION_EVALUATION_SECONDS;

/** When, in AWS seconds after the first shift, the judge and each alarm would stop this canary; undefined if never. */
function simulate(scenario: Scenario, t: Thresholds) {
  const older = serve(scenario.older, OLD_RPS);
  const newer = serve(scenario.newer, CANARY_RPS);
  const [newWindows, oldWindows] = [windowsOf(newer), windowsOf(older)];
  let judgeAt: number | undefined;
  // Rounds as the judge keeps them: a little before each 10-second mark after the first shift.
  for (let at = JUDGE_EVERY_SECONDS * (1 - LEAD); at <= BAKE_SECONDS && judgeAt === undefined; at += JUDGE_EVERY_SECONDS) {
    const windows = judgedWindows(seriesAt(newWindows, at), seriesAt(oldWindows, at));
    if (judgeCanary(windows.newer, windows.older).outcome === 'fail') judgeAt = at;
  }
  const alarms: Record<'http5xx' | 'invocationErrors' | 'timeouts', number | undefined> = { http5xx: undefined, invocationErrors: undefined, timeouts: undefined };
  for (let start = 0; start < BAKE_SECONDS; start += ALARM_PERIOD_SECONDS) {
    const p = period(newer, start, start + ALARM_PERIOD_SECONDS);
    const end = start + ALARM_PERIOD_SECONDS;
    if (p.answered >= t.minimumRequests && (100 * p.answered5xx) / p.answered > t.http5xxPercent) alarms.http5xx ??= seenAt(end, EMF_METRIC_DELAY_SECONDS);
    const errors = p.failedInvocations - p.timeouts;
    if (p.invocations >= t.minimumRequests && (100 * errors) / p.invocations > t.invocationErrorPercent) alarms.invocationErrors ??= seenAt(end, PLATFORM_DELAY_SECONDS);
    if (p.invocations >= t.minimumRequests && (100 * p.timeouts) / p.invocations > t.timeoutPercent) alarms.timeouts ??= seenAt(end, PLATFORM_DELAY_SECONDS);
  }
  return { judgeAt, alarms };
}

function main() {
  const parameters = readTemplate('template.yaml').Parameters as Record<string, { Default: number }>;
  const { values } = parseArgs({
    options: {
      deployments: { type: 'string', default: '10000' },
      'alarm-threshold': { type: 'string', default: String(parameters.Http5xxShareThresholdPercent!.Default) },
      'invocation-error-threshold': { type: 'string', default: String(parameters.InvocationErrorShareThresholdPercent!.Default) },
      'timeout-threshold': { type: 'string', default: String(parameters.TimeoutShareThresholdPercent!.Default) },
    },
  });
  const deployments = Number(values.deployments);
  if (!(Number.isInteger(deployments) && deployments > 0)) throw new Error('--deployments takes a positive whole number');
  const thresholds: Thresholds = {
    minimumRequests: Number(parameters.MinimumRequestsToJudge!.Default),
    http5xxPercent: Number(values['alarm-threshold']),
    invocationErrorPercent: Number(values['invocation-error-threshold']),
    timeoutPercent: Number(values['timeout-threshold']),
  };
  for (const [name, percent] of Object.entries(thresholds)) {
    if (name !== 'minimumRequests' && !(percent >= 0 && percent <= 100)) throw new Error(`--${name} takes a percentage, 0 to 100`);
  }
  const pct = (n: number) => `${((100 * n) / deployments).toFixed(2)} %`;
  const header = ['canary', 'judge stops', '5xx alarm', 'invocation-error alarm', 'timeout alarm', 'any stops', `stopped by ${GOAL_SECONDS} s`, 'median time to stop', 'slowest stop'];
  const rows = SCENARIOS.map((scenario) => {
    const stops = { judge: 0, http5xx: 0, invocationErrors: 0, timeouts: 0 };
    const times: number[] = [];
    for (let i = 0; i < deployments; i++) {
      const { judgeAt, alarms } = simulate(scenario, thresholds);
      if (judgeAt !== undefined) stops.judge++;
      for (const alarm of ['http5xx', 'invocationErrors', 'timeouts'] as const) if (alarms[alarm] !== undefined) stops[alarm]++;
      const first = Math.min(judgeAt ?? Infinity, ...Object.values(alarms).map((at) => at ?? Infinity));
      if (first !== Infinity) times.push(first);
    }
    const seconds = (pick: (t: number[]) => number) => (times.length > 0 ? `${pick(times)} s` : '—');
    return [
      scenario.label,
      pct(stops.judge),
      pct(stops.http5xx),
      pct(stops.invocationErrors),
      pct(stops.timeouts),
      pct(times.length),
      pct(times.filter((t) => t <= GOAL_SECONDS).length),
      seconds(median),
      seconds((t) => Math.max(...t)),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(
    `=== ${deployments} simulated 60 s canaries each: ${OLD_RPS} + ${CANARY_RPS} requests/s, judge ${JSON.stringify(JUDGE_SETTINGS)}; alarms over 10 s with ≥ ${thresholds.minimumRequests} requests: ` +
      `5xx share > ${thresholds.http5xxPercent} %, invocation errors (timeouts aside) > ${thresholds.invocationErrorPercent} %, timeouts > ${thresholds.timeoutPercent} %; ` +
      `handler metrics ${EMF_METRIC_DELAY_SECONDS} s late, Lambda's records ${PLATFORM_DELAY_SECONDS} s ===`,
  );
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
}

main();
