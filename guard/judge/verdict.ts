import { mannWhitneyGreater, probabilityWorse } from './statistics';

/**
 * The canary judge's verdict, in the manner of Kayenta: each metric compares the new version with the old
 * one over the same 10-second windows and passes, fails, or has too little data to say; a critical metric
 * that fails fails the canary outright. No data is no verdict, never a failure.
 */
export interface VersionWindows {
  /** Per window (the same windows for both versions), newest last. */
  requests: number[];
  failures: number[];
  /** The window's median latency (ms); undefined where the version served too few requests to have one. */
  latencyMs: Array<number | undefined>;
}

export interface JudgeSettings {
  /** Failure proportion: how sure the judge must be (0.99), and by how much worse than the old version (0.02 = 2 points). */
  failureConfidence: number;
  failureMargin: number;
  /** Requests the new version must have served before its failures are judged. */
  minimumRequests: number;
  /** Latency: how sure (0.98), and how much slower is allowed: a share of the old latency plus some milliseconds. */
  latencyConfidence: number;
  latencyRelativeMargin: number;
  latencyAbsoluteMarginMs: number;
  /** Windows each version must have before latency is judged (4 and 4 can reach 1 in 70). */
  minimumWindows: number;
  /** Requests a window needs for its median to count. */
  minimumRequestsPerWindow: number;
}

export const JUDGE_SETTINGS: JudgeSettings = {
  failureConfidence: 0.99,
  failureMargin: 0.02,
  minimumRequests: 20,
  latencyConfidence: 0.98,
  latencyRelativeMargin: 0.2,
  latencyAbsoluteMarginMs: 20,
  minimumWindows: 4,
  minimumRequestsPerWindow: 5,
};

export type Outcome = 'pass' | 'fail' | 'no-verdict';

export interface MetricResult {
  metric: 'failures' | 'latency';
  critical: boolean;
  outcome: Outcome;
  /** The test's confidence that the new version is worse (1 − p for latency). */
  confidence?: number;
  detail: Record<string, number>;
}

export interface Judgement {
  outcome: Outcome;
  results: MetricResult[];
}

const sum = (values: number[]) => values.reduce((total, v) => total + v, 0);

function judgeFailures(newer: VersionWindows, older: VersionWindows, s: JudgeSettings): MetricResult {
  const detail = { newRequests: sum(newer.requests), newFailures: sum(newer.failures), oldRequests: sum(older.requests), oldFailures: sum(older.failures) };
  if (detail.newRequests < s.minimumRequests || detail.oldRequests === 0) return { metric: 'failures', critical: true, outcome: 'no-verdict', detail };
  const confidence = probabilityWorse(
    { trials: detail.newRequests, failures: detail.newFailures },
    { trials: detail.oldRequests, failures: detail.oldFailures },
    s.failureMargin,
  );
  return { metric: 'failures', critical: true, outcome: confidence > s.failureConfidence ? 'fail' : 'pass', confidence, detail };
}

function judgeLatency(newer: VersionWindows, older: VersionWindows, s: JudgeSettings): MetricResult {
  const counted = (windows: VersionWindows) =>
    windows.latencyMs.filter((latency, i): latency is number => latency !== undefined && windows.requests[i]! >= s.minimumRequestsPerWindow);
  const newLatency = counted(newer);
  const allowed = counted(older).map((ms) => ms * (1 + s.latencyRelativeMargin) + s.latencyAbsoluteMarginMs);
  const detail = { newWindows: newLatency.length, oldWindows: allowed.length };
  if (newLatency.length < s.minimumWindows || allowed.length < s.minimumWindows) return { metric: 'latency', critical: true, outcome: 'no-verdict', detail };
  const confidence = 1 - mannWhitneyGreater(newLatency, allowed);
  return { metric: 'latency', critical: true, outcome: confidence > s.latencyConfidence ? 'fail' : 'pass', confidence, detail };
}

export function judgeCanary(newer: VersionWindows, older: VersionWindows, settings: JudgeSettings = JUDGE_SETTINGS): Judgement {
  const results = [judgeFailures(newer, older, settings), judgeLatency(newer, older, settings)];
  const outcome: Outcome = results.some((r) => r.critical && r.outcome === 'fail') ? 'fail' : results.every((r) => r.outcome === 'pass') ? 'pass' : 'no-verdict';
  return { outcome, results };
}
