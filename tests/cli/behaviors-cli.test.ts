import { describe, expect, it } from 'vitest';
import { primeData, BEHAVIORS, type PrimingExample } from '../../src/behaviors';
import { cli, jsonLines } from './helpers';

describe('habits-lab CLI: behavior commands (child process)', () => {
  it("prime-data writes the library's examples and a one-line summary on stderr", () => {
    const r = cli([
      'prime-data',
      '--condition',
      'backtracking_verification',
      '--n',
      '30',
      '--seed',
      '2',
      '--preset',
      'easy',
    ]);
    expect(r.status).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines).toEqual(
      primeData({ condition: 'backtracking_verification', n: 30, seed: 2, preset: 'easy' }),
    );
    const summary = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('npm warn'));
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatch(
      /^backtracking_verification n=30 problems=30 verification=\d+\.\d\d backtracking=\d+\.\d\d subgoal_setting=0\.00 backward_chaining=0\.00 correct=100\.0% length=[\d.]+ tokens \(\d+ chars\)$/,
    );
  });

  it("prime-data with --problems, ranges and --phrasing writes the replication's kind of data", () => {
    const args = [
      '--n',
      '40',
      '--problems',
      '5',
      '--preset',
      'easy',
      '--number-max',
      '9',
      '--target-min',
      '10',
    ];
    const r = cli(['prime-data', '--condition', 'incorrect', ...args, '--phrasing', 'terse']);
    expect(r.status).toBe(0);
    const lines = jsonLines(r.stdout) as { numbers: number[]; target: number; correct: boolean }[];
    expect(lines).toEqual(
      primeData({
        condition: 'incorrect',
        n: 40,
        seed: 0,
        preset: 'easy',
        problems: 5,
        ranges: { numberMax: 9, targetMin: 10 },
        trace: { phrasing: 'terse' },
      }),
    );
    // 40 examples from 5 problems, inside the ranges, every answer wrong.
    expect(new Set(lines.map((l) => `${l.numbers}:${l.target}`)).size).toBe(5);
    for (const l of lines) {
      expect(Math.max(...l.numbers)).toBeLessThanOrEqual(9);
      expect(l.target).toBeGreaterThanOrEqual(10);
      expect(l.correct).toBe(false);
    }
    const bad = cli([
      'prime-data',
      '--condition',
      'dots',
      '--n',
      '3',
      '--number-min',
      '9',
      '--number-max',
      '2',
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('numberMax must be >= numberMin');
    expect(bad.stdout).toBe('');
  });

  // The give-up flags on 30 backtracking_verification examples: the CLI writes what primeData does.
  const giveUpArgs = [
    'prime-data',
    '--condition',
    'backtracking_verification',
    '--n',
    '30',
    '--preset',
    'easy',
  ];
  const expectGiveUpData = (flags: string[], trace: { giveUp: number; giveUpOnce?: boolean }) => {
    const r = cli([...giveUpArgs, ...flags]);
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)).toEqual(
      primeData({ condition: 'backtracking_verification', n: 30, seed: 0, preset: 'easy', trace }),
    );
  };

  it('prime-data --give-up writes the searches that give up, and refuses a chance out of 0..0.9', () => {
    expectGiveUpData(['--give-up', '0.4'], { giveUp: 0.4 });
    for (const [chance, why] of [
      ['0.95', 'must be in 0..0.9'],
      ['-0.1', 'must be in 0..0.9'],
      ['often', 'must be a number'],
    ]) {
      const bad = cli([...giveUpArgs, '--give-up', chance]);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain(`--give-up ${why}`);
      expect(bad.stdout).toBe('');
    }
  });

  it('prime-data --give-up-once draws the give-up chance once, at the first miss', () => {
    expectGiveUpData(['--give-up', '0.4', '--give-up-once'], { giveUp: 0.4, giveUpOnce: true });
  });

  it('prime-data --guess-solution, --give-up-at-end, --numbers-first, --expression-steps, --guess-greed, --distinct-guesses and --sweep-guesses reach the traces', () => {
    const r = cli([
      ...giveUpArgs,
      '--guess-solution',
      '0',
      '--give-up-at-end',
      '--numbers-first',
      '--expression-steps',
      '--guess-greed',
      '0.9',
      '--distinct-guesses',
      '--sweep-guesses',
    ]);
    expect(r.status).toBe(0);
    const trace = {
      guessSolution: 0,
      giveUpAtEnd: true,
      numbersFirst: true,
      expressionSteps: true,
      guessGreed: 0.9,
      distinctGuesses: true,
      sweepGuesses: true,
    };
    expect(jsonLines(r.stdout)).toEqual(
      primeData({ condition: 'backtracking_verification', n: 30, seed: 0, preset: 'easy', trace }),
    );
    const bad = cli([...giveUpArgs, '--guess-solution', '2']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--guess-solution must be in 0..1');
    const greedy = cli([...giveUpArgs, '--guess-greed', '1.5']);
    expect(greedy.status).toBe(2);
    expect(greedy.stderr).toContain('--guess-greed must be in 0..1');
  });

  it('prime-data --max-failed takes up to 24 failed attempts, as the plan does, and refuses more', () => {
    const args = [...giveUpArgs, '--guess-solution', '0', '--give-up-at-end', '--token-budget', '1024'];
    const r = cli([...args, '--max-failed', '15']);
    expect(r.status).toBe(0);
    const lines = jsonLines(r.stdout) as { behaviors: { backtracking: number } }[];
    const trace = { guessSolution: 0, giveUpAtEnd: true, tokenBudget: 1024, maxFailedAttempts: 15 };
    expect(lines).toEqual(
      primeData({ condition: 'backtracking_verification', n: 30, seed: 0, preset: 'easy', trace }),
    );
    // searches past the old cap of 10 misses: a search that never hits backtracks 15 times
    expect(Math.max(...lines.map((e) => e.behaviors.backtracking))).toBe(15);
    const bad = cli([...args, '--max-failed', '25']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--max-failed must be an integer in 0..24');
    // the budget's bounds are a priming config's (a longer trace could not be primed on)
    const long = cli([...args.slice(0, -1), '1025']);
    expect(long.status).toBe(2);
    expect(long.stderr).toContain('--token-budget must be an integer in 1..1024');
  });

  it('prime-data --check-share writes only_backtracking traces that speak some checks, and refuses a share out of 0..1', () => {
    const args = ['prime-data', '--condition', 'only_backtracking', '--n', '30', '--preset', 'easy'];
    const r = cli([...args, '--check-share', '0.5']);
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)).toEqual(
      primeData({
        condition: 'only_backtracking',
        n: 30,
        seed: 0,
        preset: 'easy',
        trace: { checkShare: 0.5 },
      }),
    );
    for (const share of ['1.5', '-0.1', 'often']) {
      const bad = cli([...args, '--check-share', share]);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain('--check-share must be');
      expect(bad.stdout).toBe('');
    }
  });

  it("prime-data --searched-incorrect --incorrect-misread writes the plan's incorrect traces, every answer wrong", () => {
    const flags = ['--searched-incorrect', '--incorrect-misread', '--give-up', '0.7', '--give-up-once'];
    const r = cli(['prime-data', '--condition', 'incorrect', '--n', '30', '--preset', 'easy', ...flags]);
    expect(r.status).toBe(0);
    const lines = jsonLines(r.stdout) as PrimingExample[];
    expect(lines).toEqual(
      primeData({
        condition: 'incorrect',
        n: 30,
        seed: 0,
        preset: 'easy',
        trace: { searchedIncorrect: true, incorrectMisread: true, giveUp: 0.7, giveUpOnce: true },
      }),
    );
    expect(lines.filter((e) => e.correct)).toEqual([]);
  });

  it('prime-data refuses an unknown condition with the list of conditions', () => {
    const r = cli(['prime-data', '--condition', 'everything', '--n', '3']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('all_strategies');
  });

  it('classify reads {"text", "numbers", "target"} and writes the four counts per line', () => {
    const examples = primeData({ condition: 'all_strategies', n: 20, seed: 1, preset: 'paper' });
    const input = examples
      .map((e) => JSON.stringify({ text: e.completion, numbers: e.numbers, target: e.target }))
      .join('\n');
    const r = cli(['classify', '--summary'], input);
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)).toEqual(examples.map((e) => e.behaviors));
    expect(r.stderr).toMatch(/n=20 verification: mean [\d.]+, present \d+%/);
    const withSpans = jsonLines(cli(['classify', '--spans'], input).stdout) as {
      spans: { behavior: string }[];
    }[];
    expect(withSpans[0].spans.length).toBe(BEHAVIORS.reduce((a, b) => a + examples[0].behaviors[b], 0));
  });

  it('classify names a malformed line, classifies the rest, and exits 1', () => {
    const good = JSON.stringify({
      text: 'Too high! Let me try another way: 5 * 3 = 15.',
      numbers: [5, 3],
      target: 16,
    });
    const r = cli(['classify'], `${good}\n{"text": 3}\n${good}\n`);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/line 2: .*text/);
    expect(jsonLines(r.stdout)).toHaveLength(3);
  });
});
