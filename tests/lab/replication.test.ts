import { describe, expect, it } from 'vitest';
import { BEHAVIORS, type Behavior, type Condition } from '../../src/behaviors';
import {
  checkFindings,
  parseConfig,
  parseReplication,
  primeGiveUp,
  primingRecipe,
  PROXY_PLAN,
  replicationCharts,
  replicationJobs,
  resultsMarkdown,
  summarizeReplication,
  type ConditionSummary,
  type LabEvent,
  type RunResult,
} from '../../src/lab';

/** An eval event with the given accuracy, behaviors (v/b/s/w) and length in characters. */
function evalEvent(step: number, accuracy: number, behaviors: number[], chars: number): LabEvent {
  const b = Object.fromEntries(BEHAVIORS.map((k, i) => [k, behaviors[i]])) as Record<Behavior, number>;
  return {
    type: 'eval',
    metrics: {
      step,
      problems: 100,
      sampled: {
        accuracy,
        formatRate: 1,
        truncatedRate: 0,
        responseTokens: chars / 4,
        responseChars: chars,
        behaviors: b,
        behaviorsPresent: b,
      },
    },
  };
}

const run = (
  condition: Condition,
  seed: number,
  points: [number, number, number[], number][],
): RunResult => ({
  condition,
  seed,
  events: points.map(([step, acc, beh, chars]) => evalEvent(step, acc, beh, chars)),
});

/** A behavior-less run evaluated twice: length `from` at step 0, `to` at step 10 (chars). */
const bare = (condition: Condition, seed: number, from: number, to: number): RunResult =>
  run(condition, seed, [
    [0, 0.2, [0, 0, 0, 0], from],
    [10, 0.3, [0, 0, 0, 0], to],
  ]);

/** The conditions whose priming neither checkShare nor unverifiedGiveUp changes. */
const UNTOUCHED_BY_OB = [
  'all_strategies',
  'backtracking_verification',
  'incorrect',
  'empty_cot',
  'dots',
] as const;

describe('replication plan', () => {
  const plan = parseReplication({ base: '/models/base' });

  it('primes each condition once and runs every seed from that primed model', () => {
    expect(plan.conditions).toHaveLength(7);
    expect(plan.seeds).toEqual([1, 2, 3]);
    const jobs = replicationJobs(plan, (id) => `/out/${id}/final`);
    expect(jobs.filter((j) => j.kind === 'prime')).toHaveLength(7);
    const rl = jobs.filter((j) => j.kind === 'rl');
    expect(rl).toHaveLength(21);
    for (const j of rl) {
      const c = parseConfig(j.config);
      expect(c.start).toEqual({ kind: 'checkpoint', checkpoint: `/out/prime/${j.condition}/final` });
      expect(j.after).toBe(`prime/${j.condition}`);
      expect(c.seed).toBe(j.seed);
      expect(c.eval.seed).toBe(plan.eval.seed); // one test set for every run
    }
    // Same PPO budget for every condition and seed: the RL settings do not differ at all.
    const rlSettings = new Set(rl.map((j) => JSON.stringify(parseConfig(j.config).rl)));
    expect(rlSettings.size).toBe(1);
    for (const p of jobs.filter((j) => j.kind === 'prime')) {
      const c = parseConfig(p.config);
      expect(c.rl.steps).toBe(0);
      expect(c.start).toMatchObject({ kind: 'prime', condition: p.condition, from: '/models/base' });
      // every condition is primed on 16,000 traces of the same 200 training problems, each search
      // given up at its first miss with chance 0.7 (the give-up-once design; only_backtracking 0.5)
      const giveUp = p.condition === 'only_backtracking' ? 0.5 : 0.7;
      expect(c.start).toMatchObject({ examples: 16000, problems: 200, giveUp, giveUpOnce: true });
      expect(c.start.kind === 'prime' && c.start.sft).toMatchObject({ epochs: 8, cooldown: 0.25 });
    }
    const other = parseReplication({ base: '/b', prime: { problems: 50 } });
    const prime = replicationJobs(other, (id) => id).find((j) => j.kind === 'prime');
    expect(parseConfig(prime!.config).start).toMatchObject({ problems: 50 });
  });

  it('a condition with a primed model already (the shipped one) is not primed again: its runs start there', () => {
    const jobs = replicationJobs(plan, (id) => `/out/${id}/final`, { dots: 'shipped:dots' });
    expect(jobs.filter((j) => j.kind === 'prime').map((j) => j.condition)).not.toContain('dots');
    expect(jobs.filter((j) => j.kind === 'prime')).toHaveLength(6);
    const dots = jobs.filter((j) => j.condition === 'dots');
    expect(dots.map((j) => [j.kind, j.after, parseConfig(j.config).start])).toEqual(
      plan.seeds.map(() => ['rl', undefined, { kind: 'checkpoint', checkpoint: 'shipped:dots' }]),
    );
    // The priming recipe the shipped manifest is compared with: the plan's, with every SFT setting.
    expect(primingRecipe(plan, 'dots')).toMatchObject({
      examples: 16000,
      problems: 200,
      giveUp: 0.7,
      giveUpOnce: true,
      sft: { epochs: 8, lr: 3e-3, batchSize: 32, cooldown: 0.25 },
      seed: 0,
    });
  });

  it('prime.giveUp reaches the priming jobs, and the recipe names it only when it is used', () => {
    const giving = parseReplication({ base: '/b', prime: { giveUp: 0.25, giveUpOnce: true } });
    for (const j of replicationJobs(giving, (id) => `/out/${id}/final`).filter((x) => x.kind === 'prime')) {
      const start = parseConfig(j.config).start;
      const giveUp = j.condition === 'only_backtracking' ? 0.5 : 0.25; // its own: unverifiedGiveUp
      expect(start.kind === 'prime' && [start.giveUp, start.giveUpOnce]).toEqual([giveUp, true]);
    }
    expect(primingRecipe(giving, 'all_strategies')).toMatchObject({ giveUp: 0.25, giveUpOnce: true });
    // Without them the recipe is the one manifests recorded before the options existed.
    const plain = parseReplication({ prime: { giveUp: 0, giveUpOnce: false } });
    expect(primingRecipe(plain, 'all_strategies')).not.toHaveProperty('giveUp');
    expect(primingRecipe(plain, 'all_strategies')).not.toHaveProperty('giveUpOnce');
    expect(() => parseReplication({ prime: { giveUp: 1 } })).toThrow();
  });

  it('prime.guessSolution, guessGreed, distinctGuesses, sweepGuesses, giveUpAtEnd, numbersFirst and expressionSteps reach the priming jobs; the recipes name them where they change traces', () => {
    const options = {
      guessSolution: 0,
      guessGreed: 0.9,
      distinctGuesses: true,
      sweepGuesses: true,
      giveUpAtEnd: true,
      numbersFirst: true,
      expressionSteps: true,
    };
    const own = parseReplication({ base: '/b', prime: options });
    for (const j of replicationJobs(own, (id) => `/out/${id}/final`).filter((x) => x.kind === 'prime')) {
      const start = parseConfig(j.config).start;
      expect(start).toMatchObject(options);
    }
    expect(primingRecipe(own, 'backtracking_verification')).toMatchObject(options);
    // the direct answerers' traces do not depend on them, so their recipes (and shipped models) stay
    const plan = parseReplication({ base: '/b' });
    for (const c of ['empty_cot', 'dots'] as const)
      expect(primingRecipe(own, c)).toEqual(primingRecipe(plan, c));
    // and at their defaults no recipe names them
    for (const c of plan.conditions)
      for (const key of Object.keys(options)) expect(primingRecipe(plan, c)).not.toHaveProperty(key);
    expect(() => parseReplication({ prime: { guessSolution: 1.5 } })).toThrow();
    expect(() => parseReplication({ prime: { guessGreed: -0.1 } })).toThrow();
    // up to 24 failed attempts, the CLI's bound too (item 82: 16 guesses fit 495 new tokens)
    expect(parseReplication({ prime: { maxFailedAttempts: 24 } }).prime.maxFailedAttempts).toBe(24);
    expect(() => parseReplication({ prime: { maxFailedAttempts: 25 } })).toThrow();
  });

  it('prime.unverifiedGiveUp is the give-up chance of the searches without verification, and theirs only', () => {
    // the plan: only_backtracking gives up at its first miss half the time, the rest 70% (item 54)
    const plan = parseReplication({ base: '/b' });
    const primings = replicationJobs(plan, (id) => `/out/${id}/final`).filter((x) => x.kind === 'prime');
    const giveUps = Object.fromEntries(
      primings.map((j) => {
        const start = parseConfig(j.config).start;
        return [j.condition, start.kind === 'prime' ? start.giveUp : null];
      }),
    );
    expect(giveUps).toEqual({
      all_strategies: 0.7,
      backtracking_verification: 0.7,
      only_backtracking: 0.5,
      incorrect: 0.7,
      empty_cot: 0.7,
      dots: 0.7,
      negative_control: 0.7,
    });
    expect(primeGiveUp(plan, 'backtracking_subgoal')).toBe(0.5); // a search without checks too
    expect(primingRecipe(plan, 'only_backtracking')).toMatchObject({ giveUp: 0.5, giveUpOnce: true });
    // changing it leaves every other condition's recipe (and shipped model) as it was
    const other = parseReplication({ base: '/b', prime: { unverifiedGiveUp: 0.3 } });
    expect(primingRecipe(other, 'only_backtracking')).toMatchObject({ giveUp: 0.3 });
    for (const c of UNTOUCHED_BY_OB) expect(primingRecipe(other, c)).toEqual(primingRecipe(plan, c));
    // and giveUp no longer reaches only_backtracking
    expect(primeGiveUp(parseReplication({ prime: { giveUp: 0.2 } }), 'only_backtracking')).toBe(0.5);
    expect(() => parseReplication({ prime: { unverifiedGiveUp: 1 } })).toThrow(/unverifiedGiveUp/);
  });

  it("incorrect's trace options are in incorrect's recipe only: the other shipped models still match", () => {
    // the plan's incorrect traces misread a number where the search would hit (item 49)
    const shipped = parseReplication({});
    expect(primingRecipe(shipped, 'incorrect')).toMatchObject({
      searchedIncorrect: true,
      incorrectMisread: true,
    });
    const claim = parseReplication({ prime: { incorrectMisread: false, incorrectClaim: true } });
    const plain = parseReplication({ prime: { searchedIncorrect: false, incorrectMisread: false } });
    expect(primingRecipe(claim, 'incorrect')).toMatchObject({
      searchedIncorrect: true,
      incorrectClaim: true,
    });
    expect(primingRecipe(claim, 'incorrect')).not.toHaveProperty('incorrectMisread');
    expect(primingRecipe(plain, 'incorrect')).not.toHaveProperty('searchedIncorrect');
    for (const c of ['all_strategies', 'backtracking_verification', 'empty_cot'] as const) {
      expect(primingRecipe(claim, c)).toEqual(primingRecipe(plain, c));
      expect(primingRecipe(shipped, c)).toEqual(primingRecipe(plain, c));
    }
  });

  it("prime.checkShare reaches the priming jobs and only_backtracking's recipe only", () => {
    // the plan speaks 60% of only_backtracking's checks (item 48)
    expect(parseReplication({}).prime.checkShare).toBe(0.6);
    const checking = parseReplication({ base: '/b', prime: { checkShare: 0.25 } });
    const plain = parseReplication({ base: '/b', prime: { checkShare: 0 } });
    for (const j of replicationJobs(checking, (id) => `/out/${id}/final`).filter((x) => x.kind === 'prime')) {
      const start = parseConfig(j.config).start;
      expect(start.kind === 'prime' && start.checkShare).toBe(0.25);
    }
    expect(primingRecipe(checking, 'only_backtracking')).toMatchObject({ checkShare: 0.25 });
    expect(primingRecipe(plain, 'only_backtracking')).not.toHaveProperty('checkShare');
    // the conditions it leaves as they were keep their recipes: their shipped models still match
    for (const c of UNTOUCHED_BY_OB) expect(primingRecipe(checking, c)).toEqual(primingRecipe(plain, c));
    expect(() => parseReplication({ prime: { checkShare: 1.5 } })).toThrow();
  });

  it('eval.samples reaches every run of the plan (the proxy asks for 5)', () => {
    const proxy = parseReplication({ base: '/b', ...PROXY_PLAN });
    expect(proxy.conditions).toEqual(['backtracking_verification', 'empty_cot']);
    for (const j of replicationJobs(proxy, (id) => id)) expect(parseConfig(j.config).eval.samples).toBe(5);
    expect(parseReplication({ eval: { samples: 1 } }).eval.samples).toBe(1);
    expect(plan.eval).toMatchObject({ samples: 5, every: 25 });
  });

  it("keeps the plan's own defaults beside a setting that is overridden (--set rl.lr=...)", () => {
    const plan = parseReplication({
      rl: { lr: 1e-4 },
      prime: { sft: { lr: 1e-3 } },
      ranges: { numberMax: 6 },
    });
    expect(plan.rl).toMatchObject({ steps: 250, maxNewTokens: 256, lr: 1e-4 }); // not the lab-wide 50 steps
    expect(plan.prime.sft).toMatchObject({ epochs: 8, cooldown: 0.25, lr: 1e-3 }); // not the lab-wide 3 epochs
    expect(plan.ranges).toEqual({ numberMin: 1, numberMax: 6, targetMin: 10, targetMax: 30 });
    expect(parseReplication({ rl: { steps: 80 } }).rl.steps).toBe(80);
    // Another preset keeps its own ranges; ranges that leave no problems are refused at once.
    expect(parseReplication({ preset: 'paper' }).ranges).toBeUndefined();
    expect(parseReplication({ preset: 'tinyzero', ranges: { targetMin: 50 } }).ranges).toEqual({
      targetMin: 50,
    });
    expect(() => parseReplication({ ranges: { targetMin: 50 } })).toThrow(/targetMax must be >= targetMin/);
    expect(parseReplication({}).rl.steps).toBe(250);
  });

  it('rejects a broken plan with the field that is wrong', () => {
    expect(() => parseReplication({ seeds: [] })).toThrow(/seeds/);
    expect(() => parseReplication({ rl: 5 })).toThrow(/rl/);
    expect(() => parseReplication({ prime: 'x' })).toThrow(/prime/);
    expect(() => parseReplication({ conditions: ['nope'] })).toThrow(/conditions/);
    expect(() => parseReplication({ extra: 1 })).toThrow(/extra/);
  });
});

describe('replication results', () => {
  const runs: RunResult[] = [
    run('all_strategies', 1, [
      [0, 0.2, [2, 2, 1, 1], 300],
      [10, 0.5, [2.5, 2, 0.5, 0.2], 280],
    ]),
    run('all_strategies', 2, [
      [0, 0.3, [2, 2, 1, 1], 320],
      [10, 0.7, [2.1, 2.2, 0.3, 0.4], 260],
    ]),
    run('incorrect', 1, [
      [0, 0.1, [2, 3, 1, 1], 400],
      [10, 0.58, [2, 3, 0.5, 0.5], 350],
    ]),
    run('empty_cot', 1, [
      [0, 0.05, [0, 0, 0, 0], 40],
      [10, 0.3, [0, 0, 0, 0], 38],
    ]),
    run('dots', 1, [
      [0, 0.04, [0, 0, 0, 0], 300],
      [10, 0.2, [0, 0, 0, 0], 320],
    ]),
  ];
  const summaries = summarizeReplication(runs, ['all_strategies', 'incorrect', 'empty_cot', 'dots']);
  const by = (c: Condition) => summaries.find((s) => s.condition === c) as ConditionSummary;

  it('averages over seeds at the first and last evaluation (mean and sample sd)', () => {
    const all = by('all_strategies');
    expect(all.start.accuracy.mean).toBeCloseTo(0.25, 12);
    expect(all.end.accuracy.mean).toBeCloseTo(0.6, 12);
    expect(all.end.accuracy.sd).toBeCloseTo(Math.sqrt(0.02), 12); // (0.1² + 0.1²) / (2 - 1)
    expect(all.end.behaviors.subgoal_setting.mean).toBeCloseTo(0.4, 12);
    expect(all.end.chars.mean).toBe(270);
    expect(all.curve.map((c) => c.step)).toEqual([0, 10]);
    expect(by('dots').end.accuracy.sd).toBe(0); // one seed
  });

  it('checks the four findings against their thresholds', () => {
    const f = Object.fromEntries(checkFindings(summaries).map((x) => [x.id, x]));
    // F1: 0.6 - max(0.3, 0.2) = 0.3 >= 0.15 (only all_strategies of the behavior conditions is here)
    expect(f.F1.holds).toBe(true);
    expect(f.F1.detail).toMatch(/all_strategies \+30\.0 points/);
    // F2: |0.58 - 0.6| = 0.02 <= 0.05
    expect(f.F2.holds).toBe(true);
    // F3: subgoals and backward chaining fall in both rich conditions, backtracking and verification do not
    expect(f.F3.holds).toBe(true);
    // F4: empty_cot gets no longer but dots gets longer
    expect(f.F4.holds).toBe(false);
    expect(f.F4.detail).toMatch(/dots 300→320 chars/);
  });

  it('F4 needs dots at least 5% shorter and the direct answerers no more than 5% longer, all without behaviors', () => {
    // Length (chars) and behaviors per response at the first and last evaluation of each behavior-less condition.
    type Lengths = [number, number, number?];
    const f4 = (ec: Lengths, dots: Lengths, nc?: Lengths) => {
      const chars: [Condition, Lengths][] = [
        ['empty_cot', ec],
        ['dots', dots],
        ...(nc ? [['negative_control', nc] as [Condition, Lengths]] : []),
      ];
      const runs = chars.map(([c, [from, to, behaviors = 0]]) =>
        run(c, 1, [
          [0, 0.2, [0, 0, 0, 0], from],
          [10, 0.3, [behaviors, 0, 0, 0], to],
        ]),
      );
      const summaries = summarizeReplication(
        runs,
        chars.map(([c]) => c),
      );
      return checkFindings(summaries).find((f) => f.id === 'F4')!;
    };
    // Seeds 101-103: the bare answer and the linear solution keep their length while dots loses 38%.
    expect(f4([39, 39], [130, 80], [79, 79, 0.14]).holds).toBe(true);
    expect(f4([39, 39], [130, 80], [79, 79, 0.14]).detail).toBe(
      'dots 130→80 chars, 0.00 behaviors; empty_cot 39→39 chars, 0.00 behaviors; negative_control 79→79 chars, 0.14 behaviors',
    );
    // dots must lose 5%: 200 -> 190 counts, 200 -> 190.5 (sampling noise) does not.
    expect(f4([39, 39], [200, 190]).holds).toBe(true);
    expect(f4([39, 39], [200, 190.5]).holds).toBe(false);
    // A direct answerer may not grow by more than 5%: 40 -> 42 counts, 40 -> 42.1 does not.
    expect(f4([40, 42], [200, 100]).holds).toBe(true);
    expect(f4([40, 42.1], [200, 100]).holds).toBe(false);
    expect(f4([39, 39], [200, 100], [80, 84.5]).holds).toBe(false);
    // Behaviors after RL: one in four responses is too many.
    expect(f4([39, 39], [130, 80], [79, 79, 0.25]).holds).toBe(false);
    // Without dots there is nothing to collapse, so F4 cannot be tested.
    const direct = summarizeReplication(
      [
        run('empty_cot', 1, [
          [0, 0.2, [0, 0, 0, 0], 40],
          [10, 0.3, [0, 0, 0, 0], 40],
        ]),
      ],
      ['empty_cot'],
    );
    expect(checkFindings(direct).find((f) => f.id === 'F4')!.holds).toBeNull();
  });

  it('F4 reads the typical (median) length where evaluations record it, so a few runaway answers do not decide it', () => {
    // [mean, median] chars at the first and last evaluation, seeds 1 and 2 of one condition.
    const lengthRun = (c: Condition, seed: number, [m0, d0]: number[], [m1, d1]: number[]): RunResult => {
      const withMedian = (e: LabEvent, median: number): LabEvent =>
        e.type === 'eval'
          ? {
              ...e,
              metrics: { ...e.metrics, sampled: { ...e.metrics.sampled!, responseCharsMedian: median } },
            }
          : e;
      const r = bare(c, seed, m0, m1);
      return { ...r, events: [withMedian(r.events[0], d0), withMedian(r.events[1], d1)] };
    };
    const f4 = (ec: number[][]) =>
      checkFindings(
        summarizeReplication(
          [
            lengthRun('empty_cot', 1, ec[0], ec[1]),
            lengthRun('empty_cot', 2, ec[2], ec[3]),
            lengthRun('dots', 1, [130, 131], [80, 77]),
            lengthRun('dots', 2, [128, 129], [76, 75]),
          ],
          ['empty_cot', 'dots'],
        ),
      ).find((f) => f.id === 'F4')!;
    // like seed 131's empty_cot: 3 of 400 answers ran to the 256-token budget, mean 38.6 -> 45.7, median unmoved
    const runaway = f4([
      [38.6, 37],
      [45.7, 37],
      [38.6, 37],
      [38.5, 37],
    ]);
    expect(runaway.holds).toBe(true);
    // the mean is still reported beside the median that was checked
    expect(runaway.detail).toBe(
      'dots 130→76 chars (median; mean 129→78), 0.00 behaviors; empty_cot 37→37 chars (median; mean 39→42), 0.00 behaviors',
    );
    // a typical answer that grows fails: medians 37 -> 39 (+5.4%)
    expect(
      f4([
        [38.6, 37],
        [40, 39],
        [38.6, 37],
        [40, 39],
      ]).holds,
    ).toBe(false);
    // evaluations recorded before the median existed are read by their means, as before
    const old = summarizeReplication(
      [bare('empty_cot', 1, 38.6, 45.7), bare('dots', 1, 130, 80)],
      ['empty_cot', 'dots'],
    );
    expect(old[0].start.medianChars).toBeUndefined();
    expect(checkFindings(old).find((f) => f.id === 'F4')!.holds).toBe(false);
  });

  it('reports a finding that does not hold, and one that cannot be tested', () => {
    const close = summarizeReplication(
      [
        run('all_strategies', 1, [
          [0, 0.2, [1, 1, 1, 1], 100],
          [5, 0.44, [1, 1, 1, 1], 100],
        ]),
        run('empty_cot', 1, [
          [0, 0.1, [0, 0, 0, 0], 40],
          [5, 0.3, [0, 0, 0, 0], 40],
        ]),
      ],
      ['all_strategies', 'empty_cot'],
    );
    const f = Object.fromEntries(checkFindings(close).map((x) => [x.id, x]));
    expect(f.F1.holds).toBe(false); // 0.14 < 0.15
    expect(f.F2.holds).toBeNull();
    expect(f.F3.holds).toBe(false); // subgoals did not fall
  });

  it('writes the table next to the paper numbers, and the figure as mean curves', () => {
    const md = resultsMarkdown(parseReplication({ seeds: [1, 2] }), summaries, checkFindings(summaries));
    expect(md).toMatch(/\| all_strategies \| 25\.0 ± 7\.1 \| 60\.0 ± 14\.1 \|/);
    expect(md).toMatch(/35\.2 → 73\.6/); // the paper's all_strategies row
    expect(md).toMatch(/\| F2: .* \| yes \|/);
    expect(md).toMatch(/\(5 samples each at temperature 1/);
    const one = resultsMarkdown(parseReplication({ eval: { samples: 1 } }), summaries, []);
    expect(one).toMatch(/\(one sample each at temperature 1/);
    const [acc] = replicationCharts(summaries);
    expect(acc.series.map((s) => s.label)).toEqual(['all_strategies', 'incorrect', 'empty_cot', 'dots']);
    expect(acc.series[0].points).toEqual([
      { x: 0, y: 0.25 },
      { x: 10, y: 0.6 },
    ]);
  });
});
