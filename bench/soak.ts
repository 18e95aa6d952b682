/**
 * `npm run bench:soak [-- --minutes 10 --rps 150]`: a local stage of its own under a steady mix of API
 * requests (creates, reads, lists, updates, deletes) for a long day in miniature. Does the stage's memory
 * stay flat, and does evaluating the template's alarms cost the same at the end as at the start? Prints
 * measured numbers; nothing here passes or fails. RSS is this process's: the API, the Lambda worker threads
 * and the local CloudWatch; DynamoDB Local's JVM is a process of its own and not counted. Each worker's
 * heap rises and falls by tens of MiB between collections, so a reading's RSS is the median of the last
 * 30 s's samples, and its heap used follows a full collection of the main thread (hence --expose-gc): both
 * compare what is kept rather than where a collector happened to be. Progress lines show RSS as it comes.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startTraffic } from '../local/deploy/traffic';
import { type LocalStage, startLocalStage } from '../local/local-stage';
import { type AlarmSpec, evaluateAlarm } from '../local/services/cloudwatch/alarms';

// Long enough for every environment to start and get its code optimized, for every alarm's 60 s window to
// fill (so the first evaluation reads as much as the last), and for RSS to settle: it peaks in the second
// minute, while the workers' heaps find their size, and comes down through the third.
const WARMUP_MS = 180_000;
const RSS_SAMPLE_EVERY_MS = 1_000;
const RSS_SAMPLES = 30;
const PROGRESS_EVERY_MS = 30_000;
// Spread over a few seconds, so that the median does not land in one burst of another process's work on
// a shared machine.
const EVALUATION_ROUNDS = 300;
const EVALUATION_SPACING_MS = 20;
const RSS_FLAT_WITHIN = 0.1;
/** Medians of a few milliseconds on a shared machine move this much without any cause in the code. */
const EVALUATION_GROWTH_TOLERANCE = 0.25;

interface Reading {
  label: string;
  elapsedMs: number;
  rss: number;
  heapUsed: number;
  evaluationMs: number;
  bucketsPerEvaluation: number;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const clock = (ms: number) => `${Math.floor(ms / 60_000)}:${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}`;
const change = (now: number, start: number) => `${now >= start ? '+' : ''}${(((now - start) / start) * 100).toFixed(1)} %`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Every alarm of the template, for the version each Company function's alias serves now. */
function templateAlarms(stage: LocalStage): AlarmSpec[] {
  return stage.model.functions.flatMap((fn) => {
    if (!fn.alias) return [];
    const version = stage.lambda.getAlias(fn.functionName, fn.alias).functionVersion;
    return stage.model.deploymentOf(fn.logicalId, version)?.alarms ?? [];
  });
}

const collectGarbage = (globalThis as { gc?: () => void }).gc;

/** This process's RSS, sampled every second; the last RSS_SAMPLES samples are kept. */
function sampleRss() {
  const samples: number[] = [];
  const timer = setInterval(() => {
    samples.push(process.memoryUsage().rss);
    if (samples.length > RSS_SAMPLES) samples.shift();
  }, RSS_SAMPLE_EVERY_MS);
  return { recentMedian: () => median(samples), stop: () => clearInterval(timer) };
}

/** Memory now, and the median time to evaluate every alarm once at time scale 1, as CodeDeploy's watch does. */
async function read(stage: LocalStage, alarms: AlarmSpec[], rss: number, label: string, elapsedMs: number): Promise<Reading> {
  collectGarbage!();
  const { heapUsed } = process.memoryUsage();
  const times: number[] = [];
  const visitedBefore = stage.metrics.bucketsVisited;
  for (let round = 0; round < EVALUATION_ROUNDS; round++) {
    await sleep(EVALUATION_SPACING_MS);
    const started = performance.now();
    for (const alarm of alarms) evaluateAlarm(alarm, stage.metrics, Date.now(), 1);
    times.push(performance.now() - started);
  }
  const bucketsPerEvaluation = Math.round((stage.metrics.bucketsVisited - visitedBefore) / EVALUATION_ROUNDS);
  return { label, elapsedMs, rss, heapUsed, evaluationMs: median(times), bucketsPerEvaluation };
}

function printReadings(readings: Reading[], alarmCount: number): void {
  const [start, ...later] = readings as [Reading, ...Reading[]];
  const end = later[later.length - 1]!;
  console.log(`\n=== Results (alarm evaluation: all ${alarmCount} alarms once, median of ${EVALUATION_ROUNDS}) ===`);
  console.log('         elapsed  RSS (30 s median)     heap used after GC    alarm evaluation     buckets read');
  for (const r of readings) {
    const vs = (now: number, then: number) => (r === start ? '' : ` (${change(now, then)})`);
    console.log(
      `${r.label.padEnd(8)} ${clock(r.elapsedMs).padStart(7)}  ${(mib(r.rss) + vs(r.rss, start.rss)).padEnd(22)}` +
        `${(mib(r.heapUsed) + vs(r.heapUsed, start.heapUsed)).padEnd(22)}${(`${r.evaluationMs.toFixed(2)} ms` + vs(r.evaluationMs, start.evaluationMs)).padEnd(21)}` +
        `${r.bucketsPerEvaluation}`,
    );
  }
  const worstRss = Math.max(...later.map((r) => Math.abs(r.rss - start.rss) / start.rss));
  const evaluationGrew = end.evaluationMs > start.evaluationMs * (1 + EVALUATION_GROWTH_TOLERANCE);
  console.log(
    `verdict: RSS flat within ${RSS_FLAT_WITHIN * 100} %: ${worstRss <= RSS_FLAT_WITHIN ? 'yes' : 'no'} (largest change ${(worstRss * 100).toFixed(1)} %); ` +
      `alarm evaluation time grew (by more than ${EVALUATION_GROWTH_TOLERANCE * 100} %): ${evaluationGrew ? 'yes' : 'no'} (end ${change(end.evaluationMs, start.evaluationMs)})`,
  );
}

async function main() {
  if (!collectGarbage) throw new Error('run it with node --expose-gc, as npm run bench:soak does');
  const { values: flags } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, rps: { type: 'string', default: '150' } } });
  const durationMs = Number(flags.minutes) * 60_000;
  const rps = Number(flags.rps);
  console.log(`Soak: a local stage under ${rps} rps of mixed API requests for ${flags.minutes} min, after ${WARMUP_MS / 1000} s of warm-up.`);
  const stage = await startLocalStage({ port: 0 });
  let served = 0;
  stage.events.on('access', () => served++);
  const alarms = templateAlarms(stage);
  const traffic = startTraffic(stage.url, rps);
  const rss = sampleRss();
  let ticker: NodeJS.Timeout | undefined;
  try {
    await sleep(WARMUP_MS);
    const start = performance.now();
    const elapsed = () => performance.now() - start;
    const servedAtStart = served;
    const recordedAtStart = stage.metrics.datapointsRecorded;
    ticker = setInterval(() => {
      const { series, buckets } = stage.metrics.size();
      const rate = (served - servedAtStart) / (elapsed() / 1000);
      const now = process.memoryUsage();
      console.log(`  [${clock(elapsed())}] ${served - servedAtStart} requests (${rate.toFixed(0)}/s), RSS ${mib(now.rss)}, heap ${mib(now.heapUsed)}, metrics: ${buckets} buckets in ${series} series`);
    }, PROGRESS_EVERY_MS);
    const readAt = (label: string) => read(stage, alarms, rss.recentMedian(), label, elapsed());
    const readings = [await readAt('start')];
    await sleep(durationMs / 2 - elapsed());
    readings.push(await readAt('middle'));
    await sleep(durationMs - elapsed());
    readings.push(await readAt('end'));
    const seconds = elapsed() / 1000;
    const servedAfterWarmup = served - servedAtStart;
    const recordedAfterWarmup = stage.metrics.datapointsRecorded - recordedAtStart;
    clearInterval(ticker);
    const { sent, failed } = await traffic.stop();
    printReadings(readings, alarms.length);
    const { series, buckets } = stage.metrics.size();
    console.log(`requests served after warm-up: ${servedAfterWarmup} (${(servedAfterWarmup / seconds).toFixed(1)}/s); whole run: ${sent} sent, ${failed} failed (5xx or no answer)`);
    console.log(`datapoints recorded after warm-up: ${recordedAfterWarmup}; held at the end: ${buckets} buckets in ${series} series`);
  } finally {
    clearInterval(ticker);
    rss.stop();
    await traffic.stop();
    await stage.stop();
  }
}

main().catch((error) => {
  console.error(`bench:soak failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
