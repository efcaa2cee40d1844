// `npx tsx bench/search-diagnostic.ts MODEL... [--samples 3] [--budget 192]`: not a benchmark but the
// diagnostic behind docs/REPLICATION.md (item 26): where a searching model's searches fail. It samples
// every model on the replication's 80 test problems at T = 1 and reads each attempt of the terse
// traces ("... = 16, not 14." / "... = 14. That works!"): whether its value is the target, and
// whether the model then says "That works!". MODEL is a checkpoint folder or "shipped:<name>".
import { loadModelOption } from '../src/cli/checkpoints';
import { generateProblems, problemSpec } from '../src/countdown/problems';
import { MINIATURE } from '../src/lab';
import { selectBackend } from '../src/model';
import { evaluate } from '../src/rl/evaluate';
import { Rng } from '../src/util/rng';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args.splice(i, 2)[1]) : fallback;
};
const samples = option('--samples', 3);
const budget = option('--budget', 192);
if (
  args.length === 0 ||
  !(Number.isInteger(samples) && samples >= 1) ||
  !(Number.isInteger(budget) && budget >= 1)
) {
  process.stderr.write('usage: npx tsx bench/search-diagnostic.ts MODEL... [--samples 3] [--budget 192]\n');
  process.exit(2);
}

await selectBackend('wasm');
const spec = problemSpec(MINIATURE.preset, MINIATURE.ranges);
const problems = generateProblems(spec, { n: 200, seed: 0, split: 'test', allowFewer: true });
// An attempt's last value and the verdict on it: "= 16, not" or "= 14. That works" (also with a
// restated target, "= 16, target 14: not").
const ATTEMPT = /= (\d+)(?:, target \d+:|[.,])? ?(not|That works)/g;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

for (const ref of args) {
  const { model, tokenizer } = loadModelOption(ref);
  const options = {
    greedy: false,
    temperature: 1,
    maxNewTokens: budget,
    promptFormat: 'compact' as const,
    samples,
  };
  const r = await evaluate(model, tokenizer, problems, { ...options, rewardMode: 'strict' }, new Rng(3));
  model.dispose();
  let attempts = 0;
  let hits = 0;
  let falseWorks = 0;
  let passedOver = 0;
  let stops = 0;
  for (const response of r.responses) {
    for (const m of response.text.split('</think>')[0].matchAll(ATTEMPT)) {
      const hit = Number(m[1]) === response.problem.target;
      const works = m[2] === 'That works';
      attempts++;
      if (hit) hits++;
      if (works) stops++;
      if (works && !hit) falseWorks++;
      if (!works && hit) passedOver++;
    }
  }
  const per = (x: number, of: number) => (of > 0 ? pct(x / of) : '-');
  process.stdout.write(
    `${ref}: accuracy ${pct(r.accuracy)} (${r.responses.length} samples, ${budget} tokens), ` +
      `${(attempts / r.responses.length).toFixed(1)} attempts per response, ${per(hits, attempts)} of attempts hit the target, ` +
      `false "works" on ${per(falseWorks, attempts)} of attempts (${per(falseWorks, stops)} of stops), ` +
      `${per(passedOver, hits)} of hits passed over\n`,
  );
}
