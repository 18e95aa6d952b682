/**
 * The two tests the canary judge applies, new version against old, one-sided (is the new one worse?):
 *
 * - Failure proportion, Bayesian: each version's failure rate has a Beta(1 + failures, 1 + successes)
 *   posterior (a uniform prior); the test answers P(new rate > old rate + margin).
 * - Latency, Mann–Whitney U over per-window values: how surely the new version's windows are larger than the
 *   old version's raised by the margin. Exact null distribution for small samples, the normal approximation
 *   (with a tie correction) beyond.
 */

export interface Proportion {
  trials: number;
  failures: number;
}

/** Lanczos approximation (g = 7, n = 9): ln Γ(x) to about 15 significant digits for x > 0. */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const GRID_POINTS = 4_000;
/** Posterior mass beyond this many standard deviations from the mean is left out of the integral. */
const SPAN_SDS = 10;

function betaOf({ trials, failures }: Proportion) {
  const a = 1 + failures;
  const b = 1 + trials - failures;
  const mean = a / (a + b);
  const sd = Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1)));
  const logNorm = logGamma(a + b) - logGamma(a) - logGamma(b);
  return { a, b, mean, sd, logNorm };
}

/**
 * P(new rate > old rate + margin | the counts), by integrating the two posteriors on a grid over where their
 * mass is: Σ over y of density_old(y) · P(new > y + margin). Both densities share the grid's logarithms, in
 * typed arrays: bench:judge calls this some 700,000 times.
 */
export function probabilityWorse(newer: Proportion, older: Proportion, margin: number): number {
  const n = betaOf(newer);
  const o = betaOf(older);
  const from = Math.max(0, Math.min(n.mean - SPAN_SDS * n.sd, o.mean - SPAN_SDS * o.sd));
  const to = Math.min(1, Math.max(n.mean + SPAN_SDS * n.sd, o.mean + SPAN_SDS * o.sd + margin));
  const step = (to - from) / GRID_POINTS;
  // Each cell's mass, at its midpoint (always inside (0, 1)).
  const newMass = new Float64Array(GRID_POINTS);
  const oldMass = new Float64Array(GRID_POINTS);
  let newTotal = 0;
  let oldTotal = 0;
  for (let i = 0; i < GRID_POINTS; i++) {
    const p = from + (i + 0.5) * step;
    const logP = Math.log(p);
    const logQ = Math.log1p(-p);
    newTotal += newMass[i] = Math.exp(n.logNorm + (n.a - 1) * logP + (n.b - 1) * logQ);
    oldTotal += oldMass[i] = Math.exp(o.logNorm + (o.a - 1) * logP + (o.b - 1) * logQ);
  }
  // P(new > x) for each cell's lower edge, from the top down.
  const newAbove = new Float64Array(GRID_POINTS + 1);
  for (let i = GRID_POINTS - 1; i >= 0; i--) newAbove[i] = newAbove[i + 1]! + newMass[i]! / newTotal;
  // P(new > x): the cells above x's cell, and the part of its own cell above it.
  const newAboveX = (x: number) => {
    const position = (x - from) / step;
    if (position <= 0) return 1;
    if (position >= GRID_POINTS) return 0;
    const cell = Math.floor(position);
    return newAbove[cell + 1]! + (cell + 1 - position) * (newMass[cell]! / newTotal);
  };
  let probability = 0;
  for (let i = 0; i < GRID_POINTS; i++) probability += (oldMass[i]! / oldTotal) * newAboveX(from + (i + 0.5) * step + margin);
  return Math.min(1, Math.max(0, probability));
}

/** The number of (new, old) pairs where the new value is the larger, ties counting a half. */
function uStatistic(newer: number[], older: number[]): number {
  let u = 0;
  for (const a of newer) for (const b of older) u += a > b ? 1 : a === b ? 0.5 : 0;
  return u;
}

/** P(U ≥ u) when new and old come from one distribution, counting every arrangement (no ties). */
function exactUpperTail(u: number, m: number, n: number): number {
  // counts[i][j][k]: arrangements of i new and j old values with k (new > old) pairs, built up one value at a time.
  let previous: number[][] = Array.from({ length: n + 1 }, () => [1]);
  for (let i = 1; i <= m; i++) {
    const current: number[][] = [[1]];
    for (let j = 1; j <= n; j++) {
      const size = i * j + 1;
      const row = new Array<number>(size).fill(0);
      // The largest value is new (adding j pairs) or old (adding none).
      const withNew = previous[j]!;
      const withOld = current[j - 1]!;
      for (let k = 0; k < withNew.length; k++) row[k + j]! += withNew[k]!;
      for (let k = 0; k < withOld.length; k++) row[k]! += withOld[k]!;
      current.push(row);
    }
    previous = current;
  }
  const counts = previous[n]!;
  const total = counts.reduce((s, c) => s + c, 0);
  let tail = 0;
  for (let k = Math.ceil(u - 1e-9); k < counts.length; k++) tail += counts[k]!;
  return tail / total;
}

const EXACT_UP_TO = 400;

/** The standard normal's upper tail, P(Z ≥ z) (Abramowitz and Stegun 26.2.17, error below 7.5e-8). */
function normalUpperTail(z: number): number {
  if (z < 0) return 1 - normalUpperTail(-z);
  const t = 1 / (1 + 0.2316419 * z);
  const poly = t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return (Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI)) * poly;
}

/**
 * One-sided Mann–Whitney p-value for "the new values are larger than the old ones": small when they are.
 */
export function mannWhitneyGreater(newer: number[], older: number[]): number {
  const m = newer.length;
  const n = older.length;
  if (m === 0 || n === 0) return 1;
  const u = uStatistic(newer, older);
  const all = [...newer, ...older].sort((a, b) => a - b);
  const tied = all.some((v, i) => i > 0 && v === all[i - 1]);
  if (!tied && m * n <= EXACT_UP_TO) return exactUpperTail(u, m, n);
  const groups = new Map<number, number>();
  for (const v of all) groups.set(v, (groups.get(v) ?? 0) + 1);
  const size = m + n;
  const tieTerm = [...groups.values()].reduce((s, t) => s + (t ** 3 - t), 0);
  const variance = ((m * n) / 12) * (size + 1 - tieTerm / (size * (size - 1)));
  if (variance <= 0) return 1;
  // Continuity correction of one half, towards the mean.
  return normalUpperTail((u - 0.5 - (m * n) / 2) / Math.sqrt(variance));
}
