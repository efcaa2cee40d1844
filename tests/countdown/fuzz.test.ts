// Model output is untrusted: no input may throw, hang or take long in the reward.
import { describe, expect, it } from 'vitest';
import { computeScore, scoreResponse, type RewardMode } from '../../src/countdown';
import { Rng } from '../../src/util/rng';

const ALPHABET = [
  '0',
  '1',
  '2',
  '9',
  '+',
  '-',
  '*',
  '**',
  '/',
  '//',
  '(',
  ')',
  '.',
  ' ',
  '\t',
  '\r',
  '\n',
  '<answer>',
  '</answer>',
  'Assistant:',
  'x',
  '٣',
  '\u00a0',
  '\u2028',
  'e',
  'j',
  '_',
];

function adversarial(rng: Rng, i: number): string {
  switch (i % 10) {
    case 0:
      return `Assistant: <answer>${'9**'.repeat(rng.int(1, 40))}9</answer>`;
    case 1:
      return `Assistant: <answer>${'('.repeat(rng.int(150, 10_000))}2*3*4${')'.repeat(rng.int(150, 10_000))}</answer>`;
    case 2:
      return `Assistant: <answer>${'-'.repeat(rng.int(1, 20_000))}24</answer>`;
    case 3:
      return `Assistant: ${'<answer>'.repeat(rng.int(1, 12_000))}`;
    case 4:
      return `Assistant: <answer>${'2*'.repeat(rng.int(1, 50_000))}2</answer>`;
    case 5:
      return `Assistant: <answer>${'9'.repeat(rng.int(1, 100_000))}</answer>`;
    case 6:
      return `Assistant: <answer>(${'99**99*'.repeat(rng.int(1, 100))}1)</answer>`;
    default: {
      const n = rng.int(0, 60);
      let s = rng.chance(0.7) ? 'Assistant: <answer>' : '';
      for (let k = 0; k < n; k++) s += rng.pick(ALPHABET);
      return rng.chance(0.7) ? `${s}</answer>` : s;
    }
  }
}

describe('reward fuzz', () => {
  // Its speed on these inputs (mean and worst case) is measured by bench/reward-adversarial.ts.
  it('returns for 20,000 random and adversarial inputs, without throwing, a score that matches its reason', () => {
    const rng = new Rng(2026);
    const modes: RewardMode[] = ['tinyzero', 'strict'];
    const truthFor = (s: string) => {
      // Ground truths that pass the number check, so the evaluator itself is exercised.
      const runs = s.match(/\d+/g) ?? [];
      return { target: 24, numbers: runs.length < 200 ? runs.map(Number) : [2, 3, 4] };
    };
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const s = adversarial(rng, i);
      const truth = truthFor(s);
      for (const mode of modes) {
        const r = scoreResponse(s, truth, { mode });
        expect([0, 0.1, 1]).toContain(r.score);
        // 1 exactly when correct; 0 exactly when there is no answer (or it was cut off).
        expect(r.score === 1).toBe(r.reason === 'correct');
        expect(r.score === 0).toBe(r.reason === 'no_answer' || r.reason === 'truncated');
        // TinyZero's call shape reads only what follows "Assistant:": a score of its own, in range.
        expect([0, 0.1, 1]).toContain(computeScore(s, truth, { mode }).score);
      }
    }
  }, 180_000); // about 50 s alone; longer beside another test file

  it('handles a 100 kB line and 10,000 nested parentheses in both modes', () => {
    const big = `Assistant: ${'x'.repeat(100_000)} <answer>2*3*4</answer>`;
    expect(computeScore(big, { target: 24, numbers: [2, 3, 4] }, { mode: 'tinyzero' }).score).toBe(1);
    const nested = `<answer>${'('.repeat(10_000)}2*3*4${')'.repeat(10_000)}</answer>`;
    for (const mode of ['tinyzero', 'strict'] as const) {
      expect(scoreResponse(nested, { target: 24, numbers: [2, 3, 4] }, { mode }).reason).toBe('invalid');
    }
    expect(
      scoreResponse(
        '<answer>9**9**9**9</answer>',
        { target: 24, numbers: [9, 9, 9, 9] },
        { mode: 'tinyzero' },
      ).reason,
    ).toBe('invalid');
  });
});
