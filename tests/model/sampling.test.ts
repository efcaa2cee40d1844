// The token sampler on its own: draws follow softmax(logits / T) (a chi-square test over 20,000
// draws), top-k keeps only the k most likely tokens, the returned log-prob is the sampling
// distribution's, and greedy takes the first of tied maxima.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng';
import { drawToken } from '../../src/model/sampling';

const LOGITS = Float32Array.from([2, 1, 0, -1]);
const softmax = (xs: number[]) => {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
};

/** Counts of each token over n draws, and the largest gap between returned and expected log-prob. */
function draws(n: number, temperature: number, topK: number, expected: number[]) {
  const rng = new Rng(1);
  const counts = new Array<number>(LOGITS.length).fill(0);
  let worst = 0;
  const logZ = Math.log(softmax([...LOGITS].map((l) => l / temperature))[0]) - LOGITS[0] / temperature;
  for (let i = 0; i < n; i++) {
    const { token, logprob } = drawToken(LOGITS, 0, LOGITS.length, rng, temperature, topK, false);
    counts[token]++;
    // The log-prob under the tempered distribution (before top-k truncation, as PPO needs it).
    worst = Math.max(worst, Math.abs(logprob - (LOGITS[token] / temperature + logZ)));
  }
  const chi2 = expected.reduce((s, p, i) => (p > 0 ? s + (counts[i] - n * p) ** 2 / (n * p) : s), 0);
  return { counts, chi2, worst };
}

describe('drawToken', () => {
  for (const temperature of [1, 0.5, 2])
    it(`T = ${temperature}: draws follow softmax(logits / T)`, () => {
      const p = softmax([...LOGITS].map((l) => l / temperature));
      const { chi2, worst } = draws(20_000, temperature, 0, p);
      expect(chi2).toBeLessThan(16.27); // chi-square, 3 degrees of freedom, p = 0.001
      expect(worst).toBeLessThan(1e-5);
    });

  it('top-k = 2 draws only the two most likely tokens, in their renormalized proportion', () => {
    const two = softmax([2, 1]);
    const { counts, chi2 } = draws(20_000, 1, 2, [...two, 0, 0]);
    expect(counts[2] + counts[3]).toBe(0);
    expect(chi2).toBeLessThan(10.83); // 1 degree of freedom, p = 0.001
  });

  it('a wrong sampler is caught: the test statistic is huge for the untempered distribution at T = 0.5', () => {
    const { chi2 } = draws(20_000, 0.5, 0, softmax([...LOGITS]));
    expect(chi2).toBeGreaterThan(1000);
  });

  it('greedy takes the first of tied maxima, whatever the seed', () => {
    const tied = Float32Array.from([1, 3, 3, 0]);
    for (const seed of [1, 2, 3]) expect(drawToken(tied, 0, 4, new Rng(seed), 1, 0, true).token).toBe(1);
    // An offset reads the right row of a batch.
    const batch = Float32Array.from([9, 0, 0, 0, 0, 0, 5, 0]);
    expect(drawToken(batch, 4, 4, new Rng(1), 1, 0, true).token).toBe(2);
  });
});
