import { describe, expect, it } from 'vitest';
import {
  generateProblems,
  isSolvable,
  PRESET_NAMES,
  PRESETS,
  problemKey,
  problemSpec,
  splitOf,
} from '../../src/countdown';

describe('problem generator', () => {
  it('is deterministic: the same seed gives the same problems, other seeds differ', () => {
    for (const preset of PRESET_NAMES) {
      const spec = problemSpec(preset);
      for (const seed of [0, 1, 2, 12345]) {
        const a = generateProblems(spec, { n: 50, seed });
        const b = generateProblems(spec, { n: 50, seed });
        expect(a).toEqual(b);
        const c = generateProblems(spec, { n: 50, seed: seed + 1000 });
        expect(c).not.toEqual(a);
      }
    }
  });

  it('matches the golden first problems (the reproducibility contract across platforms)', () => {
    expect(generateProblems(problemSpec('paper'), { n: 3, seed: 1 })).toEqual([
      { numbers: [15, 24, 17, 15], target: 17 },
      { numbers: [11, 22, 21, 5], target: 17 },
      { numbers: [6, 17, 21, 2], target: 13 },
    ]);
  });

  it('every problem over many seeds is solvable, in range, and distinct within a set', () => {
    for (const preset of PRESET_NAMES) {
      const spec = PRESETS[preset];
      for (let seed = 0; seed < 20; seed++) {
        const problems = generateProblems(problemSpec(preset), { n: 40, seed });
        const keys = new Set(problems.map(problemKey));
        expect(keys.size).toBe(problems.length);
        for (const p of problems) {
          expect((spec.counts as readonly number[]).includes(p.numbers.length)).toBe(true);
          for (const x of p.numbers) expect(x >= spec.numberMin && x <= spec.numberMax).toBe(true);
          expect(p.target >= spec.targetMin && p.target <= spec.targetMax).toBe(true);
          expect(isSolvable(p.numbers, p.target, spec.mode)).toBe(true);
        }
      }
    }
  });

  it('the paper preset has 3 and 4 numbers 50/50', () => {
    const problems = generateProblems(problemSpec('paper'), { n: 2000, seed: 3 });
    const four = problems.filter((p) => p.numbers.length === 4).length / problems.length;
    // Binomial(2000, 0.5): 3 standard deviations is 0.034.
    expect(Math.abs(four - 0.5)).toBeLessThan(0.034);
  });

  it('train and test splits never share a problem, whatever the seeds', () => {
    for (const preset of PRESET_NAMES) {
      const spec = problemSpec(preset);
      const test = generateProblems(spec, { n: 100, seed: 1, split: 'test' });
      const testKeys = new Set(test.map(problemKey));
      for (const p of test) expect(splitOf(p, spec.testShare)).toBe('test');
      for (const seed of [1, 2, 3]) {
        for (const p of generateProblems(spec, { n: 300, seed, split: 'train' })) {
          expect(testKeys.has(problemKey(p))).toBe(false);
          expect(splitOf(p, spec.testShare)).toBe('train');
        }
      }
    }
  });

  it('a smaller request is a prefix of a larger one', () => {
    const spec = problemSpec('tinyzero');
    expect(generateProblems(spec, { n: 10, seed: 9 })).toEqual(
      generateProblems(spec, { n: 30, seed: 9 }).slice(0, 10),
    );
  });

  it('custom ranges work and bad specs are refused with clear messages', () => {
    const spec = problemSpec('easy', { counts: [2], numberMin: 2, numberMax: 5, targetMin: 4, targetMax: 9 });
    for (const p of generateProblems(spec, { n: 5, seed: 0 })) {
      expect(p.numbers).toHaveLength(2);
      expect(p.target >= 4 && p.target <= 9).toBe(true);
    }
    expect(() => problemSpec('paper', { numberMin: 5, numberMax: 2 })).toThrow(
      /numberMax must be >= numberMin/,
    );
    expect(() => problemSpec('paper', { counts: [9] })).toThrow(/count/);
    expect(() => problemSpec('nope' as 'paper')).toThrow(/unknown problem preset "nope"/);
    // The space of 2-number problems over 1..2 is tiny: asking for many fails clearly, not forever.
    const tiny = problemSpec('easy', { counts: [2], numberMin: 1, numberMax: 2, targetMin: 1, targetMax: 4 });
    expect(() => generateProblems(tiny, { n: 50, seed: 0 })).toThrow(/could only find \d+ of 50/);
    // Six numbers up to 100,000 are almost never solvable and cost ~180,000 solver steps a draw: the
    // work limit ends the search (here a small one, as the default takes ~15 s), not 200,000 misses.
    const costly = problemSpec('easy', { counts: [6], numberMax: 100_000, targetMax: 100_000 });
    expect(() => generateProblems(costly, { n: 1, seed: 0, maxSolverSteps: 2e6 })).toThrow(
      /found only 0 of 1 solvable train problems in \d+ draws before the solver's work limit/,
    );
    expect(generateProblems(costly, { n: 1, seed: 0, maxSolverSteps: 2e6, allowFewer: true })).toEqual([]);
    // The limit never changes what a feasible spec generates.
    const easy = problemSpec('easy');
    expect(generateProblems(easy, { n: 50, seed: 4, maxSolverSteps: 1e12 })).toEqual(
      generateProblems(easy, { n: 50, seed: 4 }),
    );
  });
});
