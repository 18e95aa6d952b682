import { judgeCanary, JUDGE_SETTINGS, type VersionWindows } from '../guard/judge/verdict';

/** The canary judge's verdict on windows made by hand: what fails, what passes, and what it will not judge yet. */

function windows(count: number, requests: number, failures: number, latencyMs: number, jitter = 0): VersionWindows {
  return {
    requests: Array.from({ length: count }, () => requests),
    failures: Array.from({ length: count }, (_, i) => (i < failures ? 1 : 0)),
    latencyMs: Array.from({ length: count }, (_, i) => latencyMs + ((i * 7) % 5) * jitter),
  };
}
const old = windows(6, 100, 1, 40, 2);

it('fails a version failing one request in five, on its failures, whatever its latency', () => {
  const judgement = judgeCanary({ ...windows(6, 10, 0, 40, 2), failures: [2, 2, 2, 2, 2, 2] }, old);
  expect(judgement.outcome).toBe('fail');
  expect(judgement.results.find((r) => r.metric === 'failures')).toMatchObject({ outcome: 'fail', critical: true });
  expect(judgement.results.find((r) => r.metric === 'latency')!.outcome).toBe('pass');
});

it('fails a version 250 ms slower in every window, on its latency', () => {
  const judgement = judgeCanary(windows(4, 10, 0, 290, 2), old);
  expect(judgement.outcome).toBe('fail');
  expect(judgement.results.find((r) => r.metric === 'latency')).toMatchObject({ outcome: 'fail' });
  expect(judgement.results.find((r) => r.metric === 'latency')!.confidence).toBeGreaterThan(JUDGE_SETTINGS.latencyConfidence);
});

it('passes a version as good as the old one, and one slower only within the margin', () => {
  expect(judgeCanary(windows(6, 10, 0, 40, 2), old).outcome).toBe('pass');
  // 20 % + 20 ms slower is allowed: 40 ms becomes up to 68 ms.
  expect(judgeCanary(windows(6, 10, 0, 60, 1), old).outcome).toBe('pass');
});

it('gives no verdict without enough requests or windows, rather than a failure', () => {
  const early = judgeCanary({ requests: [5], failures: [1], latencyMs: [300] }, { requests: [50], failures: [0], latencyMs: [40] });
  expect(early.outcome).toBe('no-verdict');
  expect(early.results.map((r) => r.outcome)).toEqual(['no-verdict', 'no-verdict']);
  const nothing = judgeCanary({ requests: [], failures: [], latencyMs: [] }, { requests: [], failures: [], latencyMs: [] });
  expect(nothing.outcome).toBe('no-verdict');
  // Windows with too few requests have no median that counts.
  expect(judgeCanary(windows(6, 2, 0, 300), old).results.find((r) => r.metric === 'latency')!.outcome).toBe('no-verdict');
});

it('a critical failure fails the canary even while another metric has no verdict yet', () => {
  const judgement = judgeCanary({ requests: [25], failures: [10], latencyMs: [40] }, { requests: [200], failures: [2], latencyMs: [40] });
  expect(judgement.results.map((r) => r.outcome)).toEqual(['fail', 'no-verdict']);
  expect(judgement.outcome).toBe('fail');
});
