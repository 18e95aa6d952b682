import { logGamma, mannWhitneyGreater, probabilityWorse } from '../guard/judge/statistics';

/** The canary judge's two tests, on inputs whose answers are known. */

describe('failure proportion, Bayesian', () => {
  const logBeta = (a: number, b: number) => logGamma(a) + logGamma(b) - logGamma(a + b);
  /** Evan Miller's closed form of P(B > A) for Beta posteriors with integer parameters: an independent check. */
  function closedForm(newer: { trials: number; failures: number }, older: { trials: number; failures: number }) {
    const [aB, bB, aA, bA] = [1 + newer.failures, 1 + newer.trials - newer.failures, 1 + older.failures, 1 + older.trials - older.failures];
    let total = 0;
    for (let i = 0; i < aB; i++) total += Math.exp(logBeta(aA + i, bA + bB) - Math.log(bB + i) - logBeta(1 + i, bB) - logBeta(aA, bA));
    return total;
  }

  it('agrees with the closed form when no margin is allowed', () => {
    for (const [newer, older] of [
      [{ trials: 20, failures: 4 }, { trials: 180, failures: 2 }],
      [{ trials: 100, failures: 1 }, { trials: 900, failures: 9 }],
      [{ trials: 50, failures: 0 }, { trials: 400, failures: 3 }],
      [{ trials: 300, failures: 9 }, { trials: 2_700, failures: 30 }],
    ] as const) {
      expect(probabilityWorse(newer, older, 0)).toBeCloseTo(closedForm(newer, older), 3);
    }
  });

  it('is sure of a version failing one request in five against one failing one in a hundred', () => {
    expect(probabilityWorse({ trials: 20, failures: 4 }, { trials: 180, failures: 2 }, 0.02)).toBeGreaterThan(0.99);
  });

  it('is not sure of a difference that the margin allows, or that noise makes', () => {
    expect(probabilityWorse({ trials: 2_000, failures: 22 }, { trials: 18_000, failures: 180 }, 0.02)).toBeLessThan(0.01);
    expect(probabilityWorse({ trials: 20, failures: 1 }, { trials: 180, failures: 2 }, 0.02)).toBeLessThan(0.99);
  });

  it('grows with the new version failures and with the evidence', () => {
    const worse = [0, 1, 2, 3, 4].map((failures) => probabilityWorse({ trials: 20, failures }, { trials: 180, failures: 2 }, 0.02));
    for (let i = 1; i < worse.length; i++) expect(worse[i]!).toBeGreaterThan(worse[i - 1]!);
    expect(probabilityWorse({ trials: 200, failures: 20 }, { trials: 1_800, failures: 18 }, 0.02)).toBeGreaterThan(
      probabilityWorse({ trials: 20, failures: 2 }, { trials: 180, failures: 2 }, 0.02),
    );
  });
});

describe('latency, Mann–Whitney U', () => {
  it('gives the exact tail for small samples: 1 in 70 for four windows all above four others', () => {
    expect(mannWhitneyGreater([5, 6, 7, 8], [1, 2, 3, 4])).toBeCloseTo(1 / 70, 12);
    expect(mannWhitneyGreater([1, 2, 3, 4], [5, 6, 7, 8])).toBe(1);
    // U = 9 of 16: 39 of the 70 arrangements of four and four reach at least 9.
    expect(mannWhitneyGreater([1, 6, 3, 8], [5, 2, 7, 4])).toBeCloseTo(39 / 70, 12);
  });

  it('uses the normal approximation, with ties, for large samples', () => {
    const older = Array.from({ length: 40 }, (_, i) => 100 + (i % 10));
    const shifted = older.map((v) => v + 5);
    expect(mannWhitneyGreater(shifted, older)).toBeLessThan(0.001);
    expect(mannWhitneyGreater(older, older)).toBeGreaterThan(0.4);
    expect(mannWhitneyGreater(older, older)).toBeLessThan(0.6);
  });

  it('has nothing to say without values', () => {
    expect(mannWhitneyGreater([], [1, 2, 3])).toBe(1);
  });
});
