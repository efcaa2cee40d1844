// The classifier on free-form reasoning written by people imitating real LLM outputs (not by the
// generator): 190 texts, three sets by three independent writers in varied styles, labelled by the paper's definitions (each line's "note"
// lists the instances counted). See tests/fixtures/freeform-behaviors-*.jsonl.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BEHAVIORS, classify, type BehaviorCounts } from '../../src/behaviors';
import { arithmeticRuns, MAX_CHARS, normalizeArithmetic } from '../../src/behaviors/classify';
import { Rng } from '../../src/util/rng';

interface Labelled {
  id: string;
  style: string;
  text: string;
  numbers: number[];
  target: number;
  counts: BehaviorCounts;
  note: string;
}

const load = (name: string): Labelled[] =>
  readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Labelled);

const sets = {
  a: load('freeform-behaviors-a.jsonl'),
  b: load('freeform-behaviors-b.jsonl'),
  c: load('freeform-behaviors-c.jsonl'),
};

describe('classifier on free-form reasoning', () => {
  for (const [name, examples] of Object.entries(sets)) {
    it(`set ${name} (${examples.length} texts): presence F1 >= 0.9 for every behavior`, () => {
      for (const b of BEHAVIORS) {
        let tp = 0;
        let fp = 0;
        let fn = 0;
        const wrong: string[] = [];
        for (const ex of examples) {
          const got = classify(ex.text, ex).counts[b] > 0;
          const want = ex.counts[b] > 0;
          if (got && want) tp++;
          else if (got) fp++;
          else if (want) fn++;
          if (got !== want) wrong.push(ex.id);
        }
        const f1 = (2 * tp) / (2 * tp + fp + fn);
        expect(f1, `${b}: wrong on ${wrong.join(', ')}`).toBeGreaterThanOrEqual(0.9);
      }
    });

    it(`set ${name}: counts within 1 of the label for at least 85% of texts and behaviors`, () => {
      let close = 0;
      for (const ex of examples) {
        const got = classify(ex.text, ex).counts;
        for (const b of BEHAVIORS) if (Math.abs(got[b] - ex.counts[b]) <= 1) close++;
      }
      expect(close / (examples.length * BEHAVIORS.length)).toBeGreaterThanOrEqual(0.85);
    });
  }

  it('has at least 30 hand-written texts, with positives and negatives for every behavior', () => {
    const all = [...sets.a, ...sets.b];
    expect(all.length).toBeGreaterThanOrEqual(30);
    for (const b of BEHAVIORS) {
      expect(all.filter((e) => e.counts[b] > 0).length).toBeGreaterThanOrEqual(15);
      expect(all.filter((e) => e.counts[b] === 0).length).toBeGreaterThanOrEqual(15);
    }
  });

  it('reads the styles models really write: a few hand-checked cases', () => {
    const c = (text: string, numbers: number[], target: number) => classify(text, { numbers, target }).counts;
    expect(c("That's not 39. Let's try another combination: 44 - 5 = 39.", [44, 5, 10], 39)).toMatchObject({
      verification: 1,
    });
    expect(
      c('Working backwards from 60: 60 = 12 * 5, so I need 12.', [12, 5], 60).backward_chaining,
    ).toBeGreaterThanOrEqual(1);
    expect(c('Let me double-check: 12 * 5 = 60.', [12, 5], 60).verification).toBe(1);
    expect(c('44 + 19 = 63. 63 + 35 = 98.', [44, 19, 35], 98)).toEqual({
      verification: 0,
      backtracking: 0,
      subgoal_setting: 0,
      backward_chaining: 0,
    });
    // A plan to get close to a number is a subgoal, not a check of a result.
    expect(c('First, I will try to get close to 12, then add 2.', [6, 2, 2], 14)).toMatchObject({
      subgoal_setting: 1,
      verification: 0,
    });
    expect(c('27 is close to 28, but 3 * 9 uses the wrong numbers.', [3, 9, 1], 28).verification).toBe(1);
    // Stating the task is not verifying a result; reporting one as the target is.
    const none = { verification: 0, backtracking: 0, subgoal_setting: 0, backward_chaining: 0 };
    expect(
      c('We need to reach the target 15 using 3, 5 and 7. 3 + 5 = 8. 8 + 7 = 15.', [3, 5, 7], 15),
    ).toEqual(none);
    expect(c('Our goal is to hit the target 24. 6 * 4 = 24.', [6, 4], 24)).toEqual(none);
    expect(c('3 + 5 = 8. That hits the target.', [3, 5], 8).verification).toBe(1);
    // Restating a full solution as "target = expression" is neither a backward step nor a new attempt.
    expect(c('6 * 4 = 24. 3 - 2 = 1. 24 * 1 = 24. So 24 = 6 * 4 * (3 - 2).', [6, 4, 3, 2], 24)).toEqual(none);
    expect(c('We need 24 = 6 * 4. 6 = 3 + 3.', [3, 3, 4], 24).backward_chaining).toBe(2);
    // After a full solution the model wrongly rejected, a decomposition is a new backward attempt.
    expect(
      c("8 - 2 = 6, 6 + 5 = 11, not 11. Let's try another way. 11 = 16 - 1, so we need 16.", [8, 2, 5], 11),
    ).toMatchObject({ backtracking: 1, backward_chaining: 1 });
    expect(c('12 + 2 = 14. 14 * 2 = 28, too high. 12 * 2 = 24, 24 - 2 = 22.', [12, 2, 2], 22)).toMatchObject({
      verification: 1,
      backtracking: 1,
    });
    expect(
      c(
        'Sixteen plus five is twenty-one. Let me try another way: sixteen times three equals forty-eight.',
        [16, 5, 3],
        53,
      ).backtracking,
    ).toBe(1);
  });

  // Its speed on long and adversarial texts is measured by bench/classifier-throughput.ts.
  it('is bounded: a 1 MB text is read only up to MAX_CHARS, with deterministic output', () => {
    const big = 'Let me try 5 + 3 = 8. Too high. '.repeat(40_000);
    const a = classify(big, { numbers: [5, 3], target: 2 });
    expect(classify(big.slice(0, MAX_CHARS), { numbers: [5, 3], target: 2 })).toEqual(a);
    expect(a.counts.verification).toBeGreaterThan(100); // it did read the first 20,000 characters
    expect(Math.max(...a.spans.map((s) => s.end))).toBeLessThanOrEqual(MAX_CHARS);
    expect(classify(big, { numbers: [5, 3], target: 2 })).toEqual(a);
  });
});

describe('the classifier reads arithmetic in one pass', () => {
  // The two regexes these replace were quadratic on a run of "(" or of spaces; the one-pass versions
  // must find exactly what the regexes found.
  const alphabet = ['1', '2', ' ', '(', ')', '+', '=', 'a', '.', '\t', '-', '>', '→', '\n', '⇒'];
  const randomTexts = (n: number) => {
    const rng = new Rng(7);
    return Array.from({ length: n }, () =>
      Array.from({ length: rng.int(0, 30) }, () => alphabet[rng.int(0, alphabet.length - 1)]).join(''),
    );
  };

  it('arithmeticRuns finds what /[(\\d][\\d\\s+\\-*/().=]*[\\d)]/g finds, on 20,000 random texts', () => {
    for (const s of randomTexts(20_000)) {
      const regex = [...s.matchAll(/[(\d][\d\s+\-*/().=]*[\d)]/g)].map((m) => ({
        index: m.index,
        text: m[0],
      }));
      expect(arithmeticRuns(s), JSON.stringify(s)).toEqual(regex);
    }
  });

  it('words for arithmetic still become equations from the first digit of a number', () => {
    const rewritten: [string, string][] = [
      ['So 24 is 6 less than 30.', 'So 24 = 30 - 6.'],
      ['18 is 3 more than 15', '18 = 15 + 3'],
      ['24 factors into 4 * 6', '24 = 4 * 6'],
      ['36 can be written as (6 * 6)', '36 = (6 * 6)'],
      ['x12 is the same as 3 * 4', 'x12 = 3 * 4'],
      ['a 123 is 3 less than 126', 'a 123 = 126 - 3'],
    ];
    for (const [text, expected] of rewritten) expect(normalizeArithmetic(text)).toBe(expected);
  });

  it('arrows become "=" as /\\s*(?:->|=>|→|⇒)\\s*/g made them, on 20,000 random texts', () => {
    for (const s of randomTexts(20_000))
      expect(normalizeArithmetic(s), JSON.stringify(s)).toBe(s.replace(/\s*(?:->|=>|→|⇒)\s*/g, ' = '));
  });
});
