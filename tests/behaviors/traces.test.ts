import { describe, expect, it } from 'vitest';
import {
  BEHAVIORS,
  checkShareApplies,
  classify,
  CONDITIONS,
  findEquations,
  primeData,
  primingExample,
  splitSentences,
  DEFAULT_TRACE_OPTIONS,
  type Condition,
  type PrimingExample,
  type TraceOptions,
} from '../../src/behaviors';
import {
  combineNumbers,
  computeScore,
  scoreResponse,
  tinyzeroPrompt,
  generateProblems,
  problemSpec,
  pyEval,
} from '../../src/countdown';
import { countTokens, pretokenize } from '../../src/model/pretokenize';

const N = 1000;
const cache = new Map<string, PrimingExample[]>();
const data = (condition: Condition, preset: 'paper' | 'easy' = 'paper'): PrimingExample[] => {
  const key = `${condition}:${preset}`;
  if (!cache.has(key)) cache.set(key, primeData({ condition, n: N, seed: 7, preset }));
  return cache.get(key) as PrimingExample[];
};
const thinkOf = (e: PrimingExample): string => e.completion.slice(0, e.completion.indexOf('</think>'));
const answerOf = (e: PrimingExample): string => e.completion.match(/<answer>(.*)<\/answer>/)![1].trim();
const mean = (xs: PrimingExample[], b: (typeof BEHAVIORS)[number]) =>
  xs.reduce((a, e) => a + e.behaviors[b], 0) / xs.length;

/** The share of examples that `f` holds for. */
const shareOf = (xs: PrimingExample[], f: (e: PrimingExample) => boolean) => xs.filter(f).length / xs.length;
/** A trace whose search stopped at something it says works. */
const stops = (e: PrimingExample) => e.completion.includes('That works!');

/** The same stops as all_strategies' search, its habits all there (incorrect traces built on it). */
function expectSearchOf(wrong: PrimingExample[], right: PrimingExample[]): void {
  expect(Math.abs(shareOf(wrong, stops) - shareOf(right, stops))).toBeLessThan(0.05);
  for (const b of BEHAVIORS)
    expect(
      Math.abs(shareOf(wrong, (e) => e.behaviors[b] > 0) - shareOf(right, (e) => e.behaviors[b] > 0)),
      b,
    ).toBeLessThan(b === 'backward_chaining' ? 0.25 : 0.05);
}

describe('priming traces: per-condition invariants over 1,000 examples each', () => {
  it('only_backtracking has backtracking and nothing else', () => {
    const xs = data('only_backtracking');
    for (const e of xs) {
      expect(e.behaviors.verification + e.behaviors.subgoal_setting + e.behaviors.backward_chaining).toBe(0);
    }
    expect(mean(xs, 'backtracking')).toBeGreaterThan(1);
  });

  it('each two-behavior condition shows exactly its two behaviors', () => {
    const cases: [Condition, (typeof BEHAVIORS)[number]][] = [
      ['backtracking_verification', 'verification'],
      ['backtracking_subgoal', 'subgoal_setting'],
      ['backtracking_backward', 'backward_chaining'],
    ];
    for (const [condition, other] of cases) {
      const xs = data(condition);
      for (const e of xs) {
        for (const b of BEHAVIORS)
          if (b !== 'backtracking' && b !== other) expect(e.behaviors[b], `${condition} ${b}`).toBe(0);
      }
      expect(mean(xs, 'backtracking')).toBeGreaterThan(1);
      expect(mean(xs, other)).toBeGreaterThan(1);
    }
  });

  it('all_strategies and incorrect show all four behaviors', () => {
    for (const condition of ['all_strategies', 'incorrect'] as const) {
      const xs = data(condition);
      for (const b of BEHAVIORS) expect(mean(xs, b), `${condition} ${b}`).toBeGreaterThan(0.5);
    }
  });

  it('negative_control, empty_cot and dots have zero of every behavior', () => {
    for (const condition of ['negative_control', 'empty_cot', 'dots'] as const) {
      for (const e of data(condition)) for (const b of BEHAVIORS) expect(e.behaviors[b]).toBe(0);
    }
  });

  it("correct conditions always score 1.0 with the strict reward (and with TinyZero's, given its prompt)", () => {
    for (const condition of CONDITIONS.filter((c) => c !== 'incorrect')) {
      for (const e of data(condition)) {
        expect(e.correct).toBe(true);
        const r = scoreResponse(e.completion, e);
        expect(r.score, `${condition}: ${e.completion}`).toBe(1);
        expect(computeScore(tinyzeroPrompt(e) + e.completion, e, { mode: 'tinyzero' }).score).toBe(1);
      }
    }
  });

  it('incorrect never scores 1: every answer is well formed, uses all numbers, and is wrong', () => {
    for (const e of data('incorrect')) {
      expect(e.correct).toBe(false);
      const r = scoreResponse(e.completion, e);
      expect(r.reason).toBe('wrong_value');
      expect(r.score).toBe(0.1);
    }
  });

  it('empty_cot is all_strategies with the think block emptied (same problems, same answers)', () => {
    const source = data('all_strategies');
    data('empty_cot').forEach((e, i) => {
      expect(e.completion).toBe(` </think>\n<answer>${source[i].completion.split('<answer>')[1]}`);
      expect(e.numbers).toEqual(source[i].numbers);
      expect(e.query).toBe(source[i].query);
    });
  });

  it('dots replaces the think block with " ." once per token of the source think block', () => {
    const source = data('all_strategies');
    data('dots').forEach((e, i) => {
      const think = thinkOf(e);
      expect(countTokens(think.trimEnd())).toBe(countTokens(thinkOf(source[i]).trimEnd()));
      expect(new Set(pretokenize(think.trimEnd()))).toEqual(new Set([' .']));
      expect(e.completion.split('</think>')[1]).toBe(source[i].completion.split('</think>')[1]);
    });
  });

  it('every equation in every trace is arithmetically true (failed branches are real attempts)', () => {
    for (const condition of CONDITIONS) {
      for (const e of data(condition, 'easy').concat(data(condition).slice(0, 300))) {
        for (const s of splitSentences(thinkOf(e))) {
          for (const eq of findEquations(s.text)) {
            // Decompositions "16 = 8 * 2" and forward steps "8 * 2 = 16" alike must hold exactly.
            const expr = s.text.slice(eq.start, eq.end);
            const [lhs, rhs] = expr.split('=').map((x) => x.trim());
            expect(evalArith(lhs), `${condition}: ${expr}`).toBe(evalArith(rhs));
          }
        }
      }
    }
  });

  it('backward chaining starts from the target and names a number that is then made', () => {
    let made = 0;
    for (const e of data('backtracking_backward').slice(0, 300)) {
      const think = thinkOf(e);
      const needs = splitSentences(think).flatMap((s) => {
        const m = /\bneed (\d+)\b/.exec(s.text);
        return m ? [{ ...s, need: m[1] }] : [];
      });
      // Every example chains backwards, and its first chain starts from the target.
      expect(needs.length, think).toBeGreaterThan(0);
      expect(needs[0].text, think).toMatch(new RegExp(`(?<!\\d)${e.target}(?!\\d)`));
      // In the attempt that succeeds (after the last backtrack) each number needed is then made.
      const lastBacktrack = Math.max(
        0,
        ...classify(e.completion, e)
          .spans.filter((s) => s.behavior === 'backtracking')
          .map((s) => s.end),
      );
      for (const n of needs.filter((s) => s.start >= lastBacktrack)) {
        expect(think.slice(n.end), `${n.need} in ${think}`).toMatch(new RegExp(`= ${n.need}(?!\\d)`));
        made++;
      }
    }
    expect(made).toBeGreaterThan(150);
  });

  it('think blocks respect the token budget (a lone final attempt may exceed it)', () => {
    for (const condition of ['all_strategies', 'incorrect'] as const) {
      for (const e of data(condition)) {
        const tokens = countTokens(thinkOf(e).trimEnd());
        if (tokens > DEFAULT_TRACE_OPTIONS.tokenBudget) expect(e.behaviors.backtracking).toBe(0);
      }
    }
  });

  it('is deterministic and each example is independent of how many are made', () => {
    const a = primeData({ condition: 'all_strategies', n: 20, seed: 3, preset: 'paper' });
    expect(primeData({ condition: 'all_strategies', n: 20, seed: 3, preset: 'paper' })).toEqual(a);
    expect(primeData({ condition: 'all_strategies', n: 5, seed: 3, preset: 'paper' })).toEqual(a.slice(0, 5));
    expect(primeData({ condition: 'all_strategies', n: 20, seed: 4, preset: 'paper' })).not.toEqual(a);
    const p = generateProblems(problemSpec('paper'), { n: 1, seed: 3 })[0];
    expect(primingExample(p, 'all_strategies', 3, 0, DEFAULT_TRACE_OPTIONS)).toEqual(a[0]);
  });

  it('draws the examples from at most `problems` distinct training problems, each with its own trace', () => {
    const ranges = { numberMin: 1, numberMax: 9, targetMin: 10, targetMax: 30 };
    const key = (e: { numbers: number[]; target: number }) => `${e.numbers.join(',')}=${e.target}`;
    for (const [problems, condition] of [
      [7, 'backtracking_verification'],
      [40, 'empty_cot'],
    ] as const) {
      const capped = primeData({ condition, n: 120, seed: 5, preset: 'easy', ranges, problems });
      expect(capped).toHaveLength(120);
      expect(new Set(capped.map(key)).size).toBe(problems);
      // the first `problems` examples are those of the uncapped data (same problems, same traces)
      const full = primeData({ condition, n: 120, seed: 5, preset: 'easy', ranges });
      expect(new Set(full.map(key)).size).toBe(120);
      expect(capped.slice(0, problems)).toEqual(full.slice(0, problems));
      // a repeated problem gets a trace of its own: its searches differ
      if (condition === 'backtracking_verification') {
        const thinks = capped.filter((e) => key(e) === key(capped[0])).map((e) => e.completion);
        expect(new Set(thinks).size).toBeGreaterThan(1);
      }
    }
  });

  it('uses several phrasings for every behavior', () => {
    // The first word of each sentence where the classifier finds a behavior (a leading number says nothing).
    const firstWords = new Map<string, Set<string>>();
    for (const e of data('all_strategies')) {
      const sentences = splitSentences(e.completion);
      for (const s of classify(e.completion, e).spans) {
        const sentence = sentences.find((x) => x.start <= s.start && s.start < x.end);
        const word = (sentence?.text ?? '').split(/[ ,:.]/)[0];
        if (/\d/.test(word)) continue;
        firstWords.set(s.behavior, (firstWords.get(s.behavior) ?? new Set<string>()).add(word));
      }
    }
    for (const b of BEHAVIORS) expect(firstWords.get(b)?.size ?? 0, b).toBeGreaterThanOrEqual(3);
  });
});

describe('searches that give up (trace option giveUp)', () => {
  const ranges = { numberMin: 1, numberMax: 9, targetMin: 10, targetMax: 30 };
  const make = (condition: Condition, giveUp?: number, n = 1000) =>
    primeData({
      condition,
      n,
      seed: 11,
      preset: 'easy',
      ranges,
      trace: { phrasing: 'terse', ...(giveUp === undefined ? {} : { giveUp }) },
    });

  it('giveUp 0 writes exactly the traces written without the option', () => {
    for (const condition of CONDITIONS)
      expect(make(condition, 0, 200)).toEqual(make(condition, undefined, 200));
  });

  it('a search that gives up ends on a failed check and answers with its closest attempt', () => {
    const examples = make('backtracking_verification', 0.3);
    const gaveUp = examples.filter((e) => !e.correct);
    // The chance of giving up over a whole search, from the trace's own odds: 20-50% at 0.3.
    expect(gaveUp.length / examples.length).toBeGreaterThan(0.2);
    expect(gaveUp.length / examples.length).toBeLessThan(0.5);
    for (const e of gaveUp) {
      const think = thinkOf(e);
      expect(think).not.toContain('That works');
      expect(think.trimEnd()).toMatch(new RegExp(`, not ${e.target}\\.$`));
      // a well-formed answer over all the numbers, whose value is the attempt that came closest
      const r = scoreResponse(e.completion, e);
      expect(r.reason, e.completion).toBe('wrong_value');
      const values = [...think.matchAll(/= (\d+), not/g)].map((m) => Number(m[1]));
      const answer = evalArith(e.completion.split('<answer>')[1].split('</answer>')[0]);
      expect(values).toContain(answer);
      const gap = (v: number) => Math.abs(v - e.target);
      expect(gap(answer)).toBe(Math.min(...values.map(gap)));
      expect(e.behaviors.backtracking).toBe(values.length - 1);
    }
    // The searches that did not give up still end on a check that works.
    for (const e of examples.filter((x) => x.correct)) expect(scoreResponse(e.completion, e).score).toBe(1);
  });

  it('gives up more often the higher the chance, and never in the direct answerers', () => {
    const share = (giveUp: number) => make('all_strategies', giveUp, 400).filter((e) => !e.correct).length;
    expect(share(0)).toBe(0);
    expect(share(0.1)).toBeLessThan(share(0.3));
    expect(share(0.3)).toBeLessThan(share(0.6));
    // empty_cot and dots learn the answers of searches that worked, whatever the option
    for (const condition of ['empty_cot', 'dots'] as const)
      expect(make(condition, 0.5, 300)).toEqual(make(condition, 0, 300));
  });

  it('giveUpOnce stops only at the first miss: a search that goes on never gives up later', () => {
    const once = (giveUp: number) =>
      primeData({
        condition: 'backtracking_verification',
        n: 1000,
        seed: 11,
        preset: 'easy',
        ranges,
        trace: { phrasing: 'terse', giveUp, giveUpOnce: true },
      });
    const examples = once(0.6);
    const plain = make('backtracking_verification', 0);
    const firstHit = plain.filter((e) => e.behaviors.backtracking === 0);
    for (const e of examples) {
      // every wrong answer is a search stopped after one attempt
      if (!e.correct) expect(e.behaviors.backtracking, e.completion).toBe(0);
    }
    // searches that hit at once are the same share; of the others, about 40% go on (and work)
    const n = examples.length;
    const hitAtOnce = examples.filter((e) => e.correct && e.behaviors.backtracking === 0).length / n;
    expect(Math.abs(hitAtOnce - firstHit.length / n)).toBeLessThan(0.05);
    const missed = 1 - hitAtOnce;
    const goOn = examples.filter((e) => e.behaviors.backtracking > 0).length / n / missed;
    expect(goOn).toBeGreaterThan(0.3);
    expect(goOn).toBeLessThan(0.5);
    // the searches that go on are as long as those that never give up
    const mean = (xs: { behaviors: { backtracking: number } }[]) =>
      xs.reduce((a, e) => a + e.behaviors.backtracking, 0) / xs.length;
    const longOnce = mean(examples.filter((e) => e.behaviors.backtracking > 0));
    const longNever = mean(plain.filter((e) => e.behaviors.backtracking > 0));
    expect(Math.abs(longOnce - longNever)).toBeLessThan(0.4);
    // and giveUp 0 with giveUpOnce writes the plain traces
    expect(once(0)).toEqual(plain);
  });

  it("searchedIncorrect: all_strategies' search, every answer wrong and taken from a missed attempt", () => {
    const trace = { phrasing: 'terse' as const, giveUp: 0.6, giveUpOnce: true };
    const write = (condition: 'incorrect' | 'all_strategies', searchedIncorrect: boolean) =>
      primeData({
        condition,
        n: 1000,
        seed: 11,
        preset: 'easy',
        ranges,
        trace: { ...trace, searchedIncorrect },
      });
    const wrong = write('incorrect', true);
    const right = write('all_strategies', false);
    for (const e of wrong) {
      expect(e.correct, e.completion).toBe(false);
      const think = thinkOf(e);
      const expr = answerOf(e);
      expect(evalArith(expr)).not.toBe(e.target);
      // the answer is an attempt the trace checked and found wanting
      expect(think, expr).toMatch(/not \d+\./);
    }
    // the same search as all_strategies': as many reach a hit, with every habit in it
    expect(Math.abs(shareOf(wrong, stops) - shareOf(right, stops))).toBeLessThan(0.05);
    for (const b of BEHAVIORS)
      expect(
        shareOf(wrong, (e) => e.behaviors[b] > 0),
        b,
      ).toBeGreaterThan(0.2);
    // off by default: incorrect's own traces stay as they were
    expect(write('incorrect', false)).toEqual(
      primeData({ condition: 'incorrect', n: 1000, seed: 11, preset: 'easy', ranges, trace }),
    );
  });

  it('incorrectSlip: a search that hit answers with the hit, its last operation changed', () => {
    const trace = { phrasing: 'terse' as const, giveUp: 0.6, giveUpOnce: true, searchedIncorrect: true };
    const slipped = primeData({
      condition: 'incorrect',
      n: 1000,
      seed: 12,
      preset: 'easy',
      ranges,
      trace: { ...trace, incorrectSlip: true },
    });
    const ops = (x: string) => x.replace(/[^+\-*/]/g, '');
    const numbers = (x: string) => (x.match(/\d+/g) ?? []).map(Number).sort((a, b) => a - b);
    let hits = 0;
    for (const e of slipped) {
      expect(e.correct, e.completion).toBe(false);
      const think = thinkOf(e);
      const expr = answerOf(e);
      expect(evalArith(expr)).not.toBe(e.target);
      expect(numbers(expr)).toEqual([...e.numbers].sort((a, b) => a - b));
      if (!think.includes('That works!')) continue;
      hits++;
      // the hit's two steps, e.g. "8 - 1 = 7, 7 * 4 = 28. That works!": the answer keeps the
      // first step's operation and changes the last one
      const last = think.slice(think.lastIndexOf("Let's try another way.") + 1);
      const steps = [...last.matchAll(/(\d+) ([+\-*/]) (\d+) = (\d+)/g)].map((m) => m[2]);
      const lastOp = steps[steps.length - 1];
      expect(ops(expr), `${think} -> ${expr}`).toHaveLength(2);
      expect(
        ops(expr)
          .split('')
          .filter((o) => o === lastOp).length,
        `${think} -> ${expr}`,
      ).toBeLessThan(steps.filter((o) => o === lastOp).length);
    }
    // most searches that reach a hit keep it (the rest were searches that gave up)
    expect(hits / slipped.length).toBeGreaterThan(0.4);
  });

  it('incorrectClaim: a search ends on a miss that says it works, and answers with it', () => {
    const trace = { phrasing: 'terse' as const, giveUp: 0.6, giveUpOnce: true, searchedIncorrect: true };
    const write = (condition: 'incorrect' | 'all_strategies', extra: object) =>
      primeData({ condition, n: 1000, seed: 14, preset: 'easy', ranges, trace: { ...trace, ...extra } });
    const claimed = write('incorrect', { incorrectClaim: true });
    const right = write('all_strategies', {});
    for (const e of claimed) {
      expect(e.correct, e.completion).toBe(false);
      const think = thinkOf(e);
      const expr = answerOf(e);
      expect(evalArith(expr)).not.toBe(e.target);
      const values = [...think.matchAll(/= (\d+)/g)].map((m) => Number(m[1]));
      if (!stops(e)) continue;
      // only the last attempt claims to work
      expect(think.trim().endsWith('That works!'), think).toBe(true);
      expect(think.split('That works!')).toHaveLength(2);
      // the claim's last value is the answer's
      expect(evalArith(expr), `${think} -> ${expr}`).toBe(values.at(-1));
    }
    expectSearchOf(claimed, right);
  });

  it('incorrectMisread: where the search would hit, an attempt over one misread number hits and answers', () => {
    const trace = { phrasing: 'terse' as const, giveUp: 0.6, giveUpOnce: true, searchedIncorrect: true };
    const write = (condition: 'incorrect' | 'all_strategies', extra: object) =>
      primeData({ condition, n: 2000, seed: 15, preset: 'easy', ranges, trace: { ...trace, ...extra } });
    const misread = write('incorrect', { incorrectMisread: true });
    const right = write('all_strategies', {});
    let keptHits = 0;
    for (const e of misread) {
      expect(e.correct, e.completion).toBe(false);
      const think = thinkOf(e);
      const expr = answerOf(e);
      const used = (expr.match(/\d+/g) ?? []).map(Number);
      // every check is true to its value: "That works!" follows the target, "not N." a miss
      for (const m of think.matchAll(/= (\d+)\. That works!/g)) expect(Number(m[1]), think).toBe(e.target);
      for (const m of think.matchAll(/= (\d+), not (\d+)\./g)) expect(m[1], think).not.toBe(m[2]);
      if (!stops(e) || evalArith(expr) !== e.target) {
        // a search that gave up, or (where no digit misread makes the target) one that keeps its
        // hit: a checked miss answers
        expect(evalArith(expr)).not.toBe(e.target);
        if (stops(e)) keptHits++;
        continue;
      }
      // the stop reaches the target over the problem's numbers with exactly one of them misread
      expect(think.trim().endsWith('That works!'), think).toBe(true);
      expect(used).toHaveLength(e.numbers.length);
      const unread = [...used];
      const matched = e.numbers.filter((n) => {
        const at = unread.indexOf(n);
        if (at >= 0) unread.splice(at, 1);
        return at >= 0;
      });
      expect(matched, `${e.numbers} -> ${expr}`).toHaveLength(e.numbers.length - 1);
    }
    expect(keptHits / misread.length).toBeLessThan(0.02);
    expectSearchOf(misread, right);
  });

  it('commaBacktrack: a failed step runs into its backtracking sentence with a comma, nothing else changes', () => {
    const trace = { phrasing: 'terse' as const, giveUp: 0.7, giveUpOnce: true };
    const write = (condition: Condition, commaBacktrack: boolean) =>
      primeData({ condition, n: 500, seed: 13, preset: 'easy', ranges, trace: { ...trace, commaBacktrack } });
    // a spoken check ("not 14.") already carries the decision: traces with checks stay as they were,
    // and so do those without backtracking (every shipped condition but only_backtracking)
    for (const condition of [
      'all_strategies',
      'backtracking_verification',
      'incorrect',
      'empty_cot',
      'dots',
      'negative_control',
    ] as const)
      expect(write(condition, true), condition).toEqual(write(condition, false));
    for (const condition of ['only_backtracking', 'backtracking_subgoal'] as const) {
      const plain = write(condition, false);
      const comma = write(condition, true);
      let searched = 0;
      comma.forEach((e, i) => {
        // the same trace, the same counts and answer, with ". Let's" written ", let's"
        expect(e.completion.replaceAll(", let's try another way.", ". Let's try another way.")).toBe(
          plain[i].completion,
        );
        expect(e.behaviors).toEqual(plain[i].behaviors);
        expect(e.completion).not.toContain(". Let's");
        if (e.behaviors.backtracking > 0) searched++;
        // and the classifier still counts every backtrack
        expect(classify(e.completion, e).counts).toEqual(e.behaviors);
      });
      expect(searched).toBeGreaterThan(20);
    }
  });

  it('guessSolution and giveUpAtEnd at their defaults write exactly the traces written without them', () => {
    const write = (trace: object) =>
      primeData({ condition: 'all_strategies', n: 300, seed: 5, preset: 'easy', ranges, trace });
    const plain = write({ phrasing: 'terse' });
    expect(write({ phrasing: 'terse', guessSolution: 0.2, giveUpAtEnd: false })).toEqual(plain);
    // the direct answerers learn the searches' hits whatever the searches guess or give up
    for (const condition of ['empty_cot', 'dots'] as const) {
      const own = { phrasing: 'terse' as const, guessSolution: 0, giveUpAtEnd: true, maxFailedAttempts: 2 };
      const direct = (trace: object) =>
        primeData({ condition, n: 300, seed: 5, preset: 'easy', ranges, trace });
      const withOwn = direct(own);
      expect(withOwn).toEqual(direct({ phrasing: 'terse', maxFailedAttempts: 2 }));
      expect(withOwn.every((e) => e.correct)).toBe(true);
    }
  });

  it('giveUpAtEnd: a search whose guesses all miss gives up after the last one, with its closest attempt', () => {
    const maxFailedAttempts = 3;
    const write = (guessSolution: number, giveUpAtEnd: boolean) =>
      primeData({
        condition: 'backtracking_verification',
        n: 1000,
        seed: 17,
        preset: 'easy',
        ranges,
        // a budget no trace reaches, so no failed attempt is dropped
        trace: { phrasing: 'terse', guessSolution, giveUpAtEnd, maxFailedAttempts, tokenBudget: 4096 },
      });
    const own = write(0, true);
    for (const e of own) {
      expect(classify(e.completion, e).counts).toEqual(e.behaviors);
      if (e.correct) {
        // a hit its own guesses found, within the guesses allowed
        expect(scoreResponse(e.completion, e).score).toBe(1);
        expect(e.behaviors.backtracking).toBeLessThanOrEqual(maxFailedAttempts);
        continue;
      }
      // every one of the maxFailedAttempts + 1 guesses missed, each said so, and the closest answers
      const think = thinkOf(e);
      expect(think).not.toContain('That works');
      expect(e.behaviors.backtracking).toBe(maxFailedAttempts);
      const values = [...think.matchAll(/= (\d+), not/g)].map((m) => Number(m[1]));
      expect(values).toHaveLength(maxFailedAttempts + 1);
      const gap = (v: number) => Math.abs(v - e.target);
      expect(gap(evalArith(answerOf(e)))).toBe(Math.min(...values.map(gap)));
      expect(scoreResponse(e.completion, e).reason).toBe('wrong_value');
    }
    // Searches that are handed no solution hit less often than those that are, and both less than
    // those that end on the solver's solution (all of them).
    const hits = (xs: PrimingExample[]) => shareOf(xs, (e) => e.correct);
    expect(hits(own)).toBeGreaterThan(0.2);
    expect(hits(own)).toBeLessThan(hits(write(0.2, true)) - 0.1);
    expect(hits(write(0.2, true))).toBeLessThan(0.99);
    expect(hits(write(0, false))).toBe(1);
    // guessSolution 1: the first guess is a solution, so no search goes past it
    expect(write(1, true).every((e) => e.correct && e.behaviors.backtracking === 0)).toBe(true);
  });

  /** Honest four-number searches under a budget no trace reaches, with one option set. */
  const fourNumbers = (condition: Condition, seed: number, option: Partial<TraceOptions>) =>
    primeData({
      condition,
      n: 400,
      seed,
      preset: 'easy',
      ranges: { ...ranges, counts: [4] },
      trace: { phrasing: 'terse', guessSolution: 0, giveUpAtEnd: true, tokenBudget: 4096, ...option },
    });

  it('numbersFirst: a plain attempt first lists its numbers, in the order its steps then use them', () => {
    const write = (condition: Condition, numbersFirst: boolean) =>
      fourNumbers(condition, 19, { numbersFirst });
    const plain = write('backtracking_verification', false);
    const listed = write('backtracking_verification', true);
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    let attempts = 0;
    listed.forEach((e, i) => {
      // the same trace, counts and answer, with the lists added
      expect(e.completion.replace(/Using [\d, and]+: /g, '')).toBe(plain[i].completion);
      expect(e.behaviors).toEqual(plain[i].behaviors);
      expect(classify(e.completion, e).counts).toEqual(e.behaviors);
      for (const m of thinkOf(e).matchAll(/Using ([\d, and]+): ([^A-Z]*)/g)) {
        attempts++;
        const list = m[1].split(/, | and /).map(Number);
        expect(sorted(list)).toEqual(sorted(e.numbers));
        // the operands in text order, less each step's previous result, are the list
        const used: number[] = [];
        let previous: number | null = null;
        for (const eq of m[2].matchAll(/([^=]*?) = (\d+)/g)) {
          const operands = [...eq[1].matchAll(/\d+/g)].map((d) => Number(d[0]));
          if (previous !== null) operands.splice(operands.indexOf(previous), 1);
          used.push(...operands);
          previous = Number(eq[2]);
        }
        expect(used, m[0]).toEqual(list);
      }
    });
    expect(attempts).toBeGreaterThan(1000);
    // the direct answerers keep the plan's traces
    expect(write('empty_cot', true)).toEqual(write('empty_cot', false));
  });

  it('expressionSteps: each step writes the expression so far, so the answer is a copy of a step', () => {
    const write = (condition: Condition, expressionSteps: boolean) =>
      fourNumbers(condition, 23, { expressionSteps });
    const chains = write('backtracking_verification', false);
    const whole = write('backtracking_verification', true);
    const answerOf = (e: PrimingExample) => e.completion.match(/<answer> (.*) <\/answer>/)?.[1] ?? '';
    const values = (e: PrimingExample) => [...thinkOf(e).matchAll(/ = (\d+)/g)].map((m) => m[1]);
    const copied = (e: PrimingExample) => thinkOf(e).includes(` ${answerOf(e)} = `);
    let steps = 0;
    whole.forEach((e, i) => {
      // the same search (values, checks, counts, answer); only the steps' left sides differ
      expect(values(e)).toEqual(values(chains[i]));
      expect([e.behaviors, e.correct, answerOf(e)]).toEqual([
        chains[i].behaviors,
        chains[i].correct,
        answerOf(chains[i]),
      ]);
      expect(classify(e.completion, e).counts).toEqual(e.behaviors);
      // every step's left side computes its value and the answer is written as a step
      for (const m of thinkOf(e).matchAll(/(?:^|[.,] )(?:Then |then )?([\d ()+\-*/]+?) = (\d+)/g)) {
        steps++;
        const v = pyEval(m[1]);
        expect(v.type === 'int' ? Number(v.value) : v.type === 'float' ? v.value : NaN, m[0]).toBe(
          Number(m[2]),
        );
      }
      expect(copied(e), e.completion).toBe(true);
    });
    expect(steps).toBeGreaterThan(5000);
    // written as chains, most answers of four numbers are not (so the check above can fail)
    expect(chains.filter(copied).length).toBeLessThan(chains.length / 2);
    // the direct answerers keep the plan's traces
    expect(write('empty_cot', true)).toEqual(write('empty_cot', false));
  });

  it('distinctGuesses and guessGreed: no guess made twice, and greedier distinct guesses hit more often', () => {
    const guesses = (e: PrimingExample) =>
      thinkOf(e)
        .split(/Let's try another way\./)
        .map((a) => [...a.matchAll(/(\d+) ([+\-*/]) (\d+) = /g)].map((m) => m.slice(1).join(' ')).join(', '));
    const hits = (xs: PrimingExample[]) => shareOf(xs, (e) => e.correct);
    const plain = fourNumbers('backtracking_verification', 29, { maxFailedAttempts: 15 });
    const distinct = fourNumbers('backtracking_verification', 29, {
      maxFailedAttempts: 15,
      distinctGuesses: true,
    });
    const greedy = fourNumbers('backtracking_verification', 29, {
      maxFailedAttempts: 15,
      distinctGuesses: true,
      guessGreed: 0.9,
    });
    // a search written without the option repeats a guess now and then; with it, never (a guess's
    // steps as written: the same numbers combined in the same order)
    const repeats = (xs: PrimingExample[]) =>
      xs.filter((e) => new Set(guesses(e)).size < guesses(e).length).length;
    expect(repeats(plain)).toBeGreaterThan(40);
    expect(repeats(distinct)).toBe(0);
    expect(repeats(greedy)).toBe(0);
    for (const e of [...distinct, ...greedy]) expect(classify(e.completion, e).counts).toEqual(e.behaviors);
    // measured on 2,000 traces (item 87): 41.4% -> 49.0% -> 55.7% of searches of up to 16 guesses hit
    expect(hits(distinct)).toBeGreaterThan(hits(plain) + 0.03);
    expect(hits(greedy)).toBeGreaterThan(hits(distinct) + 0.03);
    // the defaults write the traces made before the options existed; the direct answerers keep theirs
    expect(
      fourNumbers('backtracking_verification', 29, {
        maxFailedAttempts: 15,
        distinctGuesses: false,
        guessGreed: 0.6,
      }),
    ).toEqual(plain);
    expect(fourNumbers('empty_cot', 29, { distinctGuesses: true, guessGreed: 0.9 })).toEqual(
      fourNumbers('empty_cot', 29, {}),
    );
  });
  it('sweepGuesses: first steps in the listed order, then the moves closest to the target, no guess twice', () => {
    const options = { maxFailedAttempts: 13 };
    const sweep = fourNumbers('backtracking_verification', 31, { ...options, sweepGuesses: true });
    const plain = fourNumbers('backtracking_verification', 31, options);
    const stepRe = /(\d+) ([+\-*/]) (\d+) = (\d+)/g;
    let guesses = 0;
    for (const e of sweep) {
      const { numbers, target } = e;
      // the sweep's first steps: pairs as the problem lists its numbers, each move combine makes
      const firsts = numbers.flatMap((x, i) =>
        numbers.flatMap((y, j) =>
          j > i ? combineNumbers(x, y).map((m) => ({ text: `${m.left.n} ${m.op} ${m.right.n}`, i, j })) : [],
        ),
      );
      let at = -1;
      const seen = new Set<string>();
      for (const a of thinkOf(e).split("Let's try another way.")) {
        const steps = [...a.matchAll(stepRe)].map((m) => m.slice(1));
        guesses++;
        expect(seen.has(steps.join()), e.completion).toBe(false);
        seen.add(steps.join());
        // then the other numbers as listed, each folded in by a move landing closest to the target
        const sweeps = (f: (typeof firsts)[number]) => {
          const rest = numbers.filter((_, k) => k !== f.i && k !== f.j);
          return (
            steps.length === rest.length + 1 &&
            steps.slice(1).every(([l, , r, v], k) => {
              const acc = Number(steps[k][3]);
              const best = Math.min(
                ...combineNumbers(acc, rest[k]).map((m) => Math.abs(m.result.n / m.result.d - target)),
              );
              const operands = [Number(l), Number(r)].sort((p, q) => p - q);
              const expected = [acc, rest[k]].sort((p, q) => p - q);
              return operands.join() === expected.join() && Math.abs(Number(v) - target) === best;
            })
          );
        };
        // its first step comes later in the sweep than the last guess's (a number listed twice
        // makes the same first step twice)
        const first = steps[0].slice(0, 3).join(' ');
        at = firsts.findIndex((f, k) => k > at && f.text === first && sweeps(f));
        expect(at, e.completion).toBeGreaterThanOrEqual(0);
      }
      expect(classify(e.completion, e).counts).toEqual(e.behaviors);
    }
    expect(guesses).toBeGreaterThan(2000);
    // measured on 2,000 traces of up to 14 guesses (item 88): 57.5% hit, random chains about 40%
    const hits = (xs: PrimingExample[]) => shareOf(xs, (e) => e.correct);
    expect(hits(sweep)).toBeGreaterThan(hits(plain) + 0.1);
    // off, the traces are the ones made before the option; the direct answerers keep theirs
    expect(fourNumbers('backtracking_verification', 31, { ...options, sweepGuesses: false })).toEqual(plain);
    expect(fourNumbers('empty_cot', 31, { sweepGuesses: true })).toEqual(fourNumbers('empty_cot', 31, {}));
  });
});

describe('checkShare: checks spoken now and then by a condition without verification', () => {
  const ranges = { numberMin: 1, numberMax: 9, targetMin: 10, targetMax: 30 };
  const trace = { phrasing: 'terse' as const, giveUp: 0.7, giveUpOnce: true };
  const write = (condition: Condition, checkShare: number, n = 500) =>
    primeData({ condition, n, seed: 21, preset: 'easy', ranges, trace: { ...trace, checkShare } });

  it('changes only the conditions whose searches are written without checks, and 0 changes nothing', () => {
    expect(CONDITIONS.filter(checkShareApplies)).toEqual([
      'only_backtracking',
      'backtracking_subgoal',
      'backtracking_backward',
    ]);
    for (const condition of CONDITIONS) {
      // 0 draws nothing: the traces made before the option existed
      expect(write(condition, 0, 200), condition).toEqual(
        primeData({ condition, n: 200, seed: 21, preset: 'easy', ranges, trace }),
      );
      if (!checkShareApplies(condition))
        expect(write(condition, 0.5, 200), condition).toEqual(write(condition, 0, 200));
    }
  });

  it('speaks the check of about that share of attempts, truthfully, and the classifier counts it', () => {
    for (const q of [0.25, 0.6]) {
      const xs = write('only_backtracking', q, 2000);
      let attempts = 0;
      let spoken = 0;
      for (const e of xs) {
        attempts += e.behaviors.backtracking + 1;
        spoken += e.behaviors.verification;
        expect(e.behaviors.subgoal_setting + e.behaviors.backward_chaining).toBe(0);
        expect(classify(e.completion, e).counts).toEqual(e.behaviors);
        const think = thinkOf(e);
        // "That works!" only after the hit the trace answers with; "not T" only after a miss
        if (think.includes('That works!')) {
          expect(e.correct).toBe(true);
          expect(think.endsWith('That works! ') || think.endsWith('That works!')).toBe(true);
        }
        for (const m of think.matchAll(/= (\d+), not (\d+)\./g)) expect(m[1]).not.toBe(m[2]);
      }
      // 2,000 traces hold about 3,000 attempts: a binomial share is within 0.03 of q
      expect(Math.abs(spoken / attempts - q), `q = ${q}`).toBeLessThan(0.03);
    }
  });
});

describe("classifier on the lab's own traces", () => {
  it("gives exactly the generator's counts on every example of every condition and preset", () => {
    for (const preset of ['paper', 'easy'] as const) {
      for (const condition of CONDITIONS) {
        for (const e of data(condition, preset)) {
          const got = classify(e.completion, e).counts;
          if (BEHAVIORS.some((b) => got[b] !== e.behaviors[b])) {
            expect({ text: e.completion, got }).toEqual({ text: e.completion, got: e.behaviors });
          }
        }
      }
    }
  });

  it('reports a span for every count, inside the text', () => {
    for (const e of data('all_strategies').slice(0, 200)) {
      const r = classify(e.completion, e);
      for (const b of BEHAVIORS) expect(r.spans.filter((s) => s.behavior === b)).toHaveLength(r.counts[b]);
      for (const s of r.spans) {
        expect(s.start).toBeGreaterThanOrEqual(0);
        expect(s.end).toBeLessThanOrEqual(e.completion.length);
        expect(s.end).toBeGreaterThan(s.start);
      }
    }
  });
});

/** Exact arithmetic for the test's own check (integers, + - * /, parentheses). */
function evalArith(src: string): number {
  const tokens = src.match(/\d+|[()+\-*/]/g) ?? [];
  let i = 0;
  const expr = (): number => {
    let v = term();
    while (tokens[i] === '+' || tokens[i] === '-') v = tokens[i++] === '+' ? v + term() : v - term();
    return v;
  };
  const term = (): number => {
    let v = atom();
    while (tokens[i] === '*' || tokens[i] === '/') v = tokens[i++] === '*' ? v * atom() : v / atom();
    return v;
  };
  const atom = (): number => {
    if (tokens[i] === '(') {
      i++;
      const v = expr();
      i++;
      return v;
    }
    return Number(tokens[i++]);
  };
  return expr();
}
