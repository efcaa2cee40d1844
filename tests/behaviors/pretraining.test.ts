import { describe, expect, it } from 'vitest';
import { baseCorpus, classify, findEquations, primeData } from '../../src/behaviors';
import { generateProblems, problemSpec, scoreResponse, splitOf } from '../../src/countdown';
import { labTokenizer } from '../../src/behaviors/vocabulary';

const RANGES = { numberMin: 1, numberMax: 9, targetMin: 10, targetMax: 30 };
const corpus = baseCorpus({ n: 2000, seed: 4, preset: 'easy', ranges: RANGES });
const parse = (query: string) => {
  const m = /^Numbers: ([\d, ]+)\. Target: (\d+)\.\n<think>$/.exec(query);
  if (!m) throw new Error(`not a compact prompt: ${query}`);
  return { numbers: m[1].split(', ').map(Number), target: Number(m[2]) };
};

describe('the base model corpus (behavior-free pretraining text)', () => {
  it('shows none of the four behaviors, by the classifier', () => {
    for (const e of corpus) {
      const counts = classify(e.completion, parse(e.query)).counts;
      expect(
        Object.values(counts).every((c) => c === 0),
        e.completion,
      ).toBe(true);
    }
    // ...while the same classifier finds them in the priming traces of all_strategies.
    const primed = primeData({
      condition: 'all_strategies',
      n: 200,
      seed: 4,
      preset: 'easy',
      ranges: RANGES,
    });
    expect(primed.filter((e) => classify(e.completion, e).counts.verification > 0).length).toBeGreaterThan(
      150,
    );
  });

  it('writes correct arithmetic, and an answer that is the calculation (all numbers once)', () => {
    let hits = 0;
    for (const e of corpus) {
      const problem = parse(e.query);
      const equations = findEquations(e.completion.slice(0, e.completion.indexOf('</think>')));
      expect(equations.length).toBe(problem.numbers.length - 1);
      for (const eq of equations) expect(eq.value, e.completion).toBe(eq.result);
      // The answer evaluates to the last equation's result and uses exactly the given numbers.
      const last = equations[equations.length - 1].result;
      expect(
        scoreResponse(e.completion, { numbers: problem.numbers, target: last }, { mode: 'strict' }).reason,
      ).toBe('correct');
      if (last === problem.target) hits++;
    }
    // It ignores the target: it lands on it only by chance.
    expect(hits / corpus.length).toBeLessThan(0.1);
  });

  it('uses training problems only, is tokenizable, and is reproducible from its seed', () => {
    const tok = labTokenizer();
    for (const e of corpus.slice(0, 300)) {
      expect(splitOf(parse(e.query), problemSpec('easy', RANGES).testShare)).toBe('train');
      expect(tok.covers(e.query + e.completion)).toBe(true);
    }
    expect(baseCorpus({ n: 50, seed: 4, preset: 'easy', ranges: RANGES })).toEqual(corpus.slice(0, 50));
    expect(baseCorpus({ n: 50, seed: 5, preset: 'easy', ranges: RANGES })).not.toEqual(corpus.slice(0, 50));
    const test = generateProblems(problemSpec('easy', RANGES), { n: 50, seed: 0, split: 'test' });
    expect(test.length).toBeGreaterThan(0);
  });
});
