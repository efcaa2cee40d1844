// Model output is untrusted: no input may throw, hang or take long in the reward.
import { describe, expect, it } from 'vitest';
import { computeScore, scoreResponse, type RewardMode } from '../../src/countdown';
import { Rng } from '../../src/countdown/rng';

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
  it('returns for 20,000 random and adversarial inputs, without throwing, well under 1 ms each on average', () => {
    const rng = new Rng(2026);
    const modes: RewardMode[] = ['tinyzero', 'strict'];
    const truthFor = (s: string) => {
      // Ground truths that pass the number check, so the evaluator itself is exercised.
      const runs = s.match(/\d+/g) ?? [];
      return { target: 24, numbers: runs.length < 200 ? runs.map(Number) : [2, 3, 4] };
    };
    let total = 0;
    let worst = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const s = adversarial(rng, i);
      const truth = truthFor(s);
      for (const mode of modes) {
        const t0 = performance.now();
        const r = computeScore(s, truth, { mode });
        const dt = performance.now() - t0;
        total += dt;
        worst = Math.max(worst, dt);
        expect([0, 0.1, 1]).toContain(r.score);
      }
    }
    expect(total / (2 * n)).toBeLessThan(1);
    expect(worst).toBeLessThan(500);
  });

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
