import type { MetricSource } from './aws-timing';
import { parseEmf } from './emf';
import { percentileOfBins } from './log-histogram';
import { type BucketSummary, MetricSeries } from './metric-series';

/**
 * The metrics CloudWatch would hold for the stage, gathered from real invocations: Lambda's own
 * (Invocations, Errors, Duration, with the dimension sets Lambda publishes) and whatever the functions
 * publish in Embedded Metric Format in their logs. Alarms read them back with CloudWatch's statistics.
 *
 * Datapoints are not kept: each series aggregates them into buckets of `bucketMs` (count, sum, min, max and
 * a log histogram for percentiles within 1 %), for `retentionMs`. Memory is series × retention ÷ bucket
 * width whatever the request count, and a query reads only the buckets of its window.
 */
export interface Datapoint {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  value: number;
  at: number;
  /** 1 for a high-resolution metric (StorageResolution); 60, CloudWatch's default, otherwise. */
  storageResolution?: 1 | 60;
  /** How it reached CloudWatch: by default Lambda's own for AWS/Lambda, EMF for any other namespace. */
  source?: MetricSource;
}

export interface InvocationRecord {
  functionName: string;
  /** The alias or version the caller named. */
  qualifier: string;
  executedVersion: string;
  viaAlias: boolean;
  at: number;
  durationMs: number;
  functionError: boolean;
  /** Lambda's error type when the invocation failed: the error's own, or Runtime.*, Sandbox.Timedout. */
  errorType?: string;
}

export type MetricIdentity = Pick<MetricQuery, 'namespace' | 'name' | 'dimensions'>;

export interface MetricQuery {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  from: number;
  to: number;
  statistic: string;
}

export interface LocalCloudWatchOptions {
  retentionMs?: number;
  bucketMs?: number;
  /** The clock that decides what has fallen out of retention (tests move it by hand). */
  now?: () => number;
}

/**
 * The longest look-back of any reader, with headroom: the template's alarms read Period × EvaluationPeriods
 * = 60 s at time scale 1, and CloudWatch's arrival delays and a canary judge reading everything since a
 * deployment's first shift (1 minute of canary, then PostTraffic) will look back further.
 */
export const DEFAULT_RETENTION_MS = 5 * 60_000;

/**
 * At --time-scale 60 a 60 s alarm period is 1 s of real time: 50 ms buckets hold it in 20, so a window
 * whose edges fall inside buckets is off by at most 5 % of its length.
 */
export const DEFAULT_BUCKET_MS = 50;

/** Separates the parts of a series key; no namespace, metric or dimension name or value holds it. */
const SEP = '\u0000';

/** Dimensions in name order, so that equal sets give equal keys whatever order they were written in. */
const dimensionsKey = (dimensions: Record<string, string>) =>
  Object.keys(dimensions)
    .sort()
    .map((name) => `${name}${SEP}${dimensions[name]}`)
    .join(SEP);

const STATISTICS: Record<string, (summary: BucketSummary) => number> = {
  Sum: (s) => s.sum,
  Average: (s) => s.sum / s.count,
  Minimum: (s) => s.min,
  Maximum: (s) => s.max,
  SampleCount: (s) => s.count,
};

export class LocalCloudWatch {
  private readonly series = new Map<string, MetricSeries>();
  private readonly retentionMs: number;
  private readonly bucketMs: number;
  private readonly now: () => number;
  /** Slots per series: every bucket from the oldest still in retention to the current one. */
  private readonly capacity: number;
  private nextSweepAt: number;
  /** Datapoints taken in since the start. */
  datapointsRecorded = 0;
  /** Buckets visited by statistic() since the start: what queries cost. */
  bucketsVisited = 0;

  constructor(options: LocalCloudWatchOptions = {}) {
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.bucketMs = options.bucketMs ?? DEFAULT_BUCKET_MS;
    this.now = options.now ?? Date.now;
    this.capacity = Math.ceil(this.retentionMs / this.bucketMs) + 1;
    this.nextSweepAt = this.now() + this.retentionMs;
  }

  put(point: Datapoint & { count?: number }): void {
    const source = point.source ?? (point.namespace === 'AWS/Lambda' ? 'lambda' : 'emf');
    this.record(point.namespace, point.name, dimensionsKey(point.dimensions), point.value, point.at, point.storageResolution ?? 60, source, point.count);
  }

  recordInvocation(record: InvocationRecord): void {
    // Written in dimension-name order (ExecutedVersion, FunctionName, Resource), as dimensionsKey sorts them.
    const byFunction = `FunctionName${SEP}${record.functionName}`;
    const byResource = `${byFunction}${SEP}Resource${SEP}${record.functionName}:${record.qualifier}`;
    const sets = [byFunction, byResource];
    if (record.viaAlias) sets.push(`ExecutedVersion${SEP}${record.executedVersion}${SEP}${byResource}`);
    for (const dimensions of sets) {
      this.record('AWS/Lambda', 'Invocations', dimensions, 1, record.at, 60, 'lambda');
      this.record('AWS/Lambda', 'Errors', dimensions, record.functionError ? 1 : 0, record.at, 60, 'lambda');
      this.record('AWS/Lambda', 'Duration', dimensions, record.durationMs, record.at, 60, 'lambda');
    }
  }

  /** Reads an Embedded Metric Format log line, if it is one, into its datapoints. */
  recordLogLine(line: string, at = this.now()): void {
    for (const metric of parseEmf(line)) {
      this.record(metric.namespace, metric.name, dimensionsKey(metric.dimensions), metric.value, at, metric.storageResolution, 'emf');
    }
  }

  /**
   * A CloudWatch statistic (Sum, Average, Minimum, Maximum, SampleCount or pNN) over [from, to): over the
   * buckets that start in it, so edges on the bucket grid are exact and others move to the next bucket
   * boundary. Undefined when the window holds no data (or, as in CloudWatch, for a percentile over
   * negative values).
   */
  statistic(query: MetricQuery): number | undefined {
    const percentile = /^p(\d+(?:\.\d+)?)$/.exec(query.statistic)?.[1];
    const simple = STATISTICS[query.statistic];
    if (percentile === undefined && !simple) throw new Error(`statistic ${query.statistic} is not supported locally`);
    const series = this.series.get(this.keyOf(query.namespace, query.name, dimensionsKey(query.dimensions)));
    if (!series) return undefined;
    // Within retention, and never more buckets than the ring holds, even for data stamped ahead of the clock.
    const first = Math.max(Math.ceil(query.from / this.bucketMs), this.oldestBucket(), series.newestBucket - this.capacity + 1);
    const last = Math.min(Math.ceil(query.to / this.bucketMs) - 1, series.newestBucket);
    if (last < first) return undefined;
    this.bucketsVisited += last - first + 1;
    const summary = series.summarise(first, last, percentile !== undefined);
    if (!summary) return undefined;
    if (simple) return simple(summary);
    return summary.min < 0 ? undefined : percentileOfBins(summary.bins!, summary.count, Number(percentile), summary.min, summary.max);
  }

  /** The StorageResolution a metric was first recorded with; undefined for a metric with no data. */
  storageResolution(metric: MetricIdentity): 1 | 60 | undefined {
    return this.seriesOf(metric)?.storageResolution;
  }

  /** How a metric's data reaches CloudWatch; undefined for a metric with no data. */
  sourceOf(metric: MetricIdentity): MetricSource | undefined {
    return this.seriesOf(metric)?.source;
  }

  /** Every metric held: its namespace, name and dimensions, as ListMetrics lists them. */
  identities(): MetricIdentity[] {
    return [...this.series.keys()].map((key) => {
      const [namespace, name, ...pairs] = key.split(SEP);
      const dimensions: Record<string, string> = {};
      for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i]!] = pairs[i + 1]!;
      return { namespace: namespace!, name: name!, dimensions };
    });
  }

  /** What is held: series, and buckets still in retention (at most series × retention ÷ bucket width). */
  size(): { series: number; buckets: number } {
    const oldest = this.oldestBucket();
    let buckets = 0;
    for (const series of this.series.values()) buckets += series.bucketsSince(oldest);
    return { series: this.series.size, buckets };
  }

  private seriesOf(metric: MetricIdentity): MetricSeries | undefined {
    return this.series.get(this.keyOf(metric.namespace, metric.name, dimensionsKey(metric.dimensions)));
  }

  private record(namespace: string, name: string, dimensions: string, value: number, at: number, storageResolution: 1 | 60, source: MetricSource, count = 1): void {
    const now = this.now();
    if (now >= this.nextSweepAt) this.dropIdleSeries(now);
    const bucket = Math.floor(at / this.bucketMs);
    if (bucket < this.oldestBucket(now)) return;
    const key = this.keyOf(namespace, name, dimensions);
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = new MetricSeries(this.capacity, storageResolution, source)));
    series.add(bucket, value, count);
    this.datapointsRecorded += count;
  }

  /** Once per retention, so that series of versions no longer invoked give their memory back. */
  private dropIdleSeries(now: number): void {
    const oldest = this.oldestBucket(now);
    for (const [key, series] of this.series) if (series.newestBucket < oldest) this.series.delete(key);
    this.nextSweepAt = now + this.retentionMs;
  }

  /** The oldest bucket still readable: the first to start within retention. */
  private oldestBucket(now = this.now()): number {
    return Math.ceil((now - this.retentionMs) / this.bucketMs);
  }

  private keyOf(namespace: string, name: string, dimensions: string): string {
    return `${namespace}${SEP}${name}${SEP}${dimensions}`;
  }
}
