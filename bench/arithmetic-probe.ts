// `npx tsx bench/arithmetic-probe.ts MODEL [PROBLEMS] [NUMBER_MIN NUMBER_MAX TARGET_MIN TARGET_MAX]`:
// not a benchmark but the probe behind docs/REPLICATION.md (items 60, 99-101): how well a model
// calculates. One response at T = 1 to each of PROBLEMS held-out problems (300) of a world (item
// 56's by default: 3 numbers 1-35, targets 10-99), and of its `a op b = c` steps the share whose
// value is wrong and the share that use a number not on hand (neither given nor made before).
import { loadModelOption } from '../src/cli/checkpoints';
import { generateProblems, problemSpec } from '../src/countdown/problems';
import { selectBackend } from '../src/model';
import { evaluate } from '../src/rl/evaluate';
import { Rng } from '../src/util/rng';

const [ref, ...rest] = process.argv.slice(2);
const [n = 300, numberMin = 1, numberMax = 35, targetMin = 10, targetMax = 99] = rest.map(Number);
if (!ref || [n, numberMin, numberMax, targetMin, targetMax].some((v) => !Number.isInteger(v) || v < 1)) {
  process.stderr.write(
    'usage: npx tsx bench/arithmetic-probe.ts MODEL [PROBLEMS] [NUMBER_MIN NUMBER_MAX TARGET_MIN TARGET_MAX]\n',
  );
  process.exit(2);
}

await selectBackend('wasm');
const spec = problemSpec('easy', { numberMin, numberMax, targetMin, targetMax, counts: [3] });
const problems = generateProblems(spec, { n, seed: 0, split: 'test', allowFewer: true });
const { model, tokenizer } = loadModelOption(ref);
const t0 = performance.now();
const options = { greedy: false, temperature: 1, maxNewTokens: 256, promptFormat: 'compact' as const };
const r = await evaluate(model, tokenizer, problems, { ...options, rewardMode: 'strict' }, new Rng(1));
model.dispose();

const OPS: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
};
let steps = 0;
let wrong = 0;
let missing = 0;
let flawed = 0;
for (const { problem, text } of r.responses) {
  const onHand = [...problem.numbers];
  let flaw = false;
  for (const m of text.matchAll(/(\d+) ?([-+*/]) ?(\d+) ?= ?(\d+)/g)) {
    const [a, b, value] = [Number(m[1]), Number(m[3]), Number(m[4])];
    steps++;
    if (Math.abs(OPS[m[2]](a, b) - value) > 1e-9) {
      wrong++;
      flaw = true;
    }
    // Each operand is used up; the value is on hand for later steps.
    const ia = onHand.indexOf(a);
    if (ia >= 0) onHand.splice(ia, 1);
    const ib = onHand.indexOf(b);
    if (ib >= 0) onHand.splice(ib, 1);
    if (ia < 0 || ib < 0) {
      missing++;
      flaw = true;
    }
    onHand.push(value);
  }
  if (flaw) flawed++;
}
const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
process.stdout.write(
  `${ref}: ${r.responses.length} held-out problems (numbers ${numberMin}-${numberMax}, targets ${targetMin}-${targetMax}), ` +
    `accuracy ${pct(r.accuracy, 1)}; ${steps} calculations, ${pct(wrong, steps)} wrong, ` +
    `${pct(missing, steps)} with a number not on hand; ${pct(flawed, r.responses.length)} of responses with either ` +
    `(${((performance.now() - t0) / 60_000).toFixed(1)} min)\n`,
);
