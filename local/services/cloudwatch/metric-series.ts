import type { MetricSource } from './aws-timing';
import { addToBins, type Bins, mergeBins } from './log-histogram';

/** What a run of buckets holds together: CloudWatch's statistic set, and the bins for percentiles. */
export interface BucketSummary {
  count: number;
  sum: number;
  min: number;
  max: number;
  bins?: Bins;
}

/**
 * One metric's datapoints (one namespace, name and set of dimensions), aggregated into fixed-width time
 * buckets held in a ring: bucket number b lives in slot b mod capacity, so a new bucket reuses the slot of
 * the one that fell out of retention and nothing is ever scanned to prune. Memory is the capacity, set up
 * front, plus a histogram in each slot whose values are not all equal.
 */
export class MetricSeries {
  /** The bucket number each slot holds; NaN while empty. */
  private readonly bucketOfSlot: Float64Array;
  private readonly count: Float64Array;
  private readonly sum: Float64Array;
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  /** Only where a bucket's values differ: while min equals max, the bucket's values are all min. */
  private readonly bins: Array<Bins | undefined>;
  newestBucket = -Infinity;

  constructor(
    private readonly capacity: number,
    /** StorageResolution: 1 for a high-resolution metric, 60 for a standard one. */
    readonly storageResolution: 1 | 60,
    /** How its data reached CloudWatch, which says how late it arrives. */
    readonly source: MetricSource,
  ) {
    this.bucketOfSlot = new Float64Array(capacity).fill(NaN);
    this.count = new Float64Array(capacity);
    this.sum = new Float64Array(capacity);
    this.min = new Float64Array(capacity);
    this.max = new Float64Array(capacity);
    this.bins = new Array(capacity);
  }

  /** Adds `count` datapoints of `value` (PutMetricData's Values and Counts send repeats as one). */
  add(bucket: number, value: number, count = 1): void {
    const slot = this.slotOf(bucket);
    const held = this.bucketOfSlot[slot]!;
    if (held > bucket) return; // older than the newest `capacity` buckets: already out of retention
    if (held !== bucket) {
      this.bucketOfSlot[slot] = bucket;
      this.count[slot] = count;
      this.sum[slot] = value * count;
      this.min[slot] = value;
      this.max[slot] = value;
      this.bins[slot] = undefined;
      this.newestBucket = Math.max(this.newestBucket, bucket);
      return;
    }
    let bins = this.bins[slot];
    if (!bins && value !== this.min[slot]) {
      bins = new Map();
      addToBins(bins, this.min[slot]!, this.count[slot]);
      this.bins[slot] = bins;
    }
    if (bins) addToBins(bins, value, count);
    this.count[slot]! += count;
    this.sum[slot]! += value * count;
    this.min[slot] = Math.min(this.min[slot]!, value);
    this.max[slot] = Math.max(this.max[slot]!, value);
  }

  /**
   * Summarises buckets first..last (inclusive), visiting each of their slots once, and only those.
   * Answers undefined when none of them holds data.
   */
  summarise(first: number, last: number, withBins: boolean): BucketSummary | undefined {
    let summary: BucketSummary | undefined;
    for (let bucket = first; bucket <= last; bucket++) {
      const slot = this.slotOf(bucket);
      if (this.bucketOfSlot[slot] !== bucket) continue;
      const count = this.count[slot]!;
      const min = this.min[slot]!;
      summary ??= { count: 0, sum: 0, min, max: this.max[slot]!, bins: withBins ? new Map() : undefined };
      summary.count += count;
      summary.sum += this.sum[slot]!;
      summary.min = Math.min(summary.min, min);
      summary.max = Math.max(summary.max, this.max[slot]!);
      if (!summary.bins) continue;
      const bins = this.bins[slot];
      if (bins) mergeBins(summary.bins, bins);
      else addToBins(summary.bins, min, count);
    }
    return summary;
  }

  /** How many slots hold one of the buckets from `oldest` on. */
  bucketsSince(oldest: number): number {
    let held = 0;
    for (const bucket of this.bucketOfSlot) if (bucket >= oldest) held++;
    return held;
  }

  private slotOf(bucket: number): number {
    return ((bucket % this.capacity) + this.capacity) % this.capacity;
  }
}
