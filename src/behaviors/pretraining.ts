// Text for the base model, the lab's stand-in for a pretrained language model: it knows the format,
// the arithmetic and how to copy numbers, but shows none of the four habits. Each example is a
// problem, one random calculation on its numbers (which ignores the target), and that calculation
// written as the answer:
//
//   Numbers: 8, 4, 2. Target: 30.\n<think> 8 + 4 = 12, 12 * 2 = 24 </think>\n<answer> (8 + 4) * 2 </answer>
//
// No verification (the result is never compared with the target), no backtracking (one attempt), no
// subgoals, no backward chaining: the classifier finds none of them (tests/behaviors). Priming then
// adds the habits of one condition on top, as the paper primes Llama.

import {
  combine,
  formatPrompt,
  formatResponse,
  fracToNumber,
  leaf,
  trainingProblems,
  type Expr,
  type PresetName,
  type Problem,
  type ProblemSpec,
  type PromptFormat,
} from '../countdown';
import { Rng } from '../util/rng';
import { chainOf, exprText, isDegenerate } from './traces';

export interface BaseCorpusOptions {
  n: number;
  seed: number;
  preset: PresetName;
  ranges?: Partial<ProblemSpec>;
  promptFormat?: PromptFormat;
}

/** A calculation that uses every number once, with random (plausible) operations. */
export function randomCalculation(numbers: readonly number[], rng: Rng): Expr {
  const pool = numbers.map(leaf);
  while (pool.length > 1) {
    const a = pool.splice(rng.int(0, pool.length - 1), 1)[0];
    const b = pool.splice(rng.int(0, pool.length - 1), 1)[0];
    const moves = combine(a, b, 'integer');
    const plausible = moves.filter((m) => !isDegenerate(m) && fracToNumber(m.value) <= 100);
    pool.push(rng.pick(plausible.length > 0 ? plausible : moves));
  }
  return pool[0];
}

export function baseExample(problem: Problem, rng: Rng, promptFormat: PromptFormat = 'compact') {
  const calc = randomCalculation(rng.shuffled(problem.numbers), rng);
  const think = chainOf(calc)
    .map((s) => s.text)
    .join(', ');
  return { query: formatPrompt(problem, promptFormat), completion: formatResponse(think, exprText(calc)) };
}

/** The base model's training text: calculations on training-split problems only. */
export function baseCorpus(options: BaseCorpusOptions): { query: string; completion: string }[] {
  const problems = trainingProblems(options.preset, options.ranges, {
    n: Math.min(options.n, 20_000),
    seed: options.seed,
  });
  const rng = new Rng(options.seed).fork('base-corpus');
  return Array.from({ length: options.n }, (_, i) =>
    baseExample(problems[i % problems.length], rng, options.promptFormat),
  );
}
