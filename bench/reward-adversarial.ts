// Time the reward on 100,000 random and adversarial inputs per mode.
// Run: npx tsx bench/reward-adversarial.ts
import { computeScore, type RewardMode } from '../src/countdown';
import { Rng } from '../src/util/rng';

const rng = new Rng(Number(process.argv[2] ?? 7));
const pieces = [
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
  '\r',
  '\n',
  '<answer>',
  '</answer>',
  'Assistant:',
  '٣',
  '\u00a0',
];
function input(i: number): string {
  switch (i % 8) {
    case 0:
      return `Assistant: <answer>${'9**'.repeat(rng.int(1, 60))}9</answer>`;
    case 1:
      return `Assistant: <answer>${'('.repeat(rng.int(1, 10_000))}2*3*4${')'.repeat(rng.int(1, 10_000))}</answer>`;
    case 2:
      return `Assistant: <answer>${'-'.repeat(rng.int(1, 10_000))}24</answer>`;
    case 3:
      return `Assistant: ${'<answer>'.repeat(rng.int(1, 5_000))}`;
    case 4:
      return `Assistant: ${'x'.repeat(rng.int(1, 100_000))}<answer>2*3*4</answer>`;
    default: {
      let s = 'Assistant: <answer>';
      for (let k = rng.int(0, 80); k > 0; k--) s += rng.pick(pieces);
      return `${s}</answer>`;
    }
  }
}
const n = 100_000;
for (const mode of ['tinyzero', 'strict'] as RewardMode[]) {
  let worst = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = input(i);
    const runs = s.match(/\d+/g) ?? [];
    const t1 = performance.now();
    computeScore(s, { target: 24, numbers: runs.length < 100 ? runs.map(Number) : [2, 3, 4] }, { mode });
    worst = Math.max(worst, performance.now() - t1);
  }
  const total = performance.now() - t0;
  console.log(
    `${mode}: ${n} inputs, ${((total / n) * 1000).toFixed(1)} µs mean (incl. generation), worst ${worst.toFixed(2)} ms`,
  );
}
