/**
 * A mergeable log-scale histogram for percentiles (the DDSketch idea): a value v > 0 falls in bin
 * ceil(log_γ v), and every value of a bin is within RELATIVE_ACCURACY of the bin's representative, so a
 * percentile read from merged bins is within that accuracy of the exact sample at the same rank. Bins are
 * counts keyed by bin number, so merging two histograms is adding their counts.
 */
export type Bins = Map<number, number>;

/** Half the 1 % CloudWatch-like accuracy we promise, so floating-point rounding never crosses it. */
export const RELATIVE_ACCURACY = 0.005;

const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);

/** Zero lands in bin -Infinity, whose representative is 0. Negative values are never read (see percentile). */
const binOf = (value: number) => Math.ceil(Math.log(value) / LOG_GAMMA);
const representativeOf = (bin: number) => (2 * GAMMA ** bin) / (GAMMA + 1);

export function addToBins(bins: Bins, value: number, count = 1): void {
  const bin = binOf(value);
  bins.set(bin, (bins.get(bin) ?? 0) + count);
}

export function mergeBins(into: Bins, from: Bins): void {
  for (const [bin, count] of from) into.set(bin, (into.get(bin) ?? 0) + count);
}

/**
 * The nearest-rank percentile (the smallest value with at least `percent` % of the samples at or below it)
 * of `total` samples, kept inside the exact [min, max] of the same samples.
 */
export function percentileOfBins(bins: Bins, total: number, percent: number, min: number, max: number): number {
  const rank = Math.max(1, Math.ceil((percent / 100) * total));
  // The extreme ranks are known exactly, so p100 is the Maximum as in CloudWatch.
  if (rank === 1) return min;
  if (rank >= total) return max;
  let seen = 0;
  for (const bin of [...bins.keys()].sort((a, b) => a - b)) {
    seen += bins.get(bin)!;
    if (seen >= rank) return Math.min(max, Math.max(min, representativeOf(bin)));
  }
  return max;
}
