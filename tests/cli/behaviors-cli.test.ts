import { describe, expect, it } from 'vitest';
import { primeData, BEHAVIORS } from '../../src/behaviors';
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
      /^backtracking_verification n=30 verification=\d+\.\d\d backtracking=\d+\.\d\d subgoal_setting=0\.00 backward_chaining=0\.00 correct=100\.0% length=[\d.]+ tokens \(\d+ chars\)$/,
    );
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
