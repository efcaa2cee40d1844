// Countdown problems: presets, a seeded generator, and train/test splits that never overlap.
//
// Generation follows the paper's generator: draw how many numbers (uniformly from the preset's
// counts), then draw the numbers and a target uniformly from the preset's ranges until the solver
// finds an expression (in the preset's solver mode) that uses every number exactly once. The split a problem belongs to is a pure function of the
// problem itself (a hash of its sorted numbers and target), so train and test sets drawn with any
// seeds can never share a problem.

import { hash32, Rng } from '../util/rng';
import { isSolvable, MAX_NUMBERS, type SolverMode } from './solver';

export interface Problem {
  numbers: number[];
  target: number;
}

export type Split = 'train' | 'test';

export interface ProblemSpec {
  /** How many numbers a problem has: each count in the list is equally likely. */
  counts: number[];
  numberMin: number;
  numberMax: number;
  targetMin: number;
  targetMax: number;
  /** Which solver decides that a problem is solvable. */
  mode: SolverMode;
  /** Share of the problem space reserved for the test split (by hash), in [0, 1). */
  testShare: number;
}

export const PRESETS = {
  /** The paper's own generator (its priming data): 3 or 4 numbers from 1-24, target 10-25. */
  paper: {
    counts: [3, 4],
    numberMin: 1,
    numberMax: 24,
    targetMin: 10,
    targetMax: 25,
    mode: 'integer',
    testShare: 0.1,
  },
  /** TinyZero-like RL data: 3 or 4 numbers from 1-99, target up to 100. */
  tinyzero: {
    counts: [3, 4],
    numberMin: 1,
    numberMax: 99,
    targetMin: 1,
    targetMax: 100,
    mode: 'integer',
    testShare: 0.1,
  },
  /** For the smallest models and the tests: 3 numbers from 1-10, small targets. */
  easy: {
    counts: [3],
    numberMin: 1,
    numberMax: 10,
    targetMin: 1,
    targetMax: 30,
    mode: 'integer',
    testShare: 0.1,
  },
} as const satisfies Record<string, ProblemSpec>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

/** A preset by name, optionally with some fields overridden (custom ranges). */
export function problemSpec(preset: PresetName, overrides: Partial<ProblemSpec> = {}): ProblemSpec {
  if (!isPresetName(preset)) {
    throw new Error(`unknown problem preset "${String(preset)}"; choose one of ${PRESET_NAMES.join(', ')}`);
  }
  const spec: ProblemSpec = { ...PRESETS[preset], counts: [...PRESETS[preset].counts], ...overrides };
  validateSpec(spec);
  return spec;
}

export function validateSpec(spec: ProblemSpec): void {
  const bad = (msg: string): never => {
    throw new Error(`bad problem spec: ${msg}`);
  };
  if (!Array.isArray(spec.counts) || spec.counts.length === 0) bad('counts must be a non-empty list');
  for (const c of spec.counts) {
    if (!Number.isInteger(c) || c < 2 || c > MAX_NUMBERS)
      bad(`each count must be an integer in 2..${MAX_NUMBERS}`);
  }
  for (const k of ['numberMin', 'numberMax', 'targetMin', 'targetMax'] as const) {
    if (!Number.isInteger(spec[k]) || spec[k] < 0 || spec[k] > 100000)
      bad(`${k} must be an integer in 0..100000`);
  }
  if (spec.numberMin < 1) bad('numberMin must be at least 1');
  if (spec.numberMax < spec.numberMin) bad('numberMax must be >= numberMin');
  if (spec.targetMax < spec.targetMin) bad('targetMax must be >= targetMin');
  if (spec.mode !== 'integer' && spec.mode !== 'rational') bad('mode must be "integer" or "rational"');
  if (!(spec.testShare > 0 && spec.testShare < 1)) bad('testShare must be in (0, 1)');
}

/** A stable key for a problem: order of the numbers does not matter. */
export function problemKey(p: Problem): string {
  return `${[...p.numbers].sort((a, b) => a - b).join(',')}=${p.target}`;
}

/** Which split a problem belongs to: a pure function of the problem, so splits never overlap. */
export function splitOf(p: Problem, testShare: number): Split {
  return hash32(problemKey(p)) / 4294967296 < testShare ? 'test' : 'train';
}

export interface GenerateOptions {
  n: number;
  seed: number;
  split?: Split;
  /** Allow the same problem twice (default false: problems are distinct). */
  allowDuplicates?: boolean;
  /** Return fewer than n problems, instead of failing, when the spec's problem space runs out. */
  allowFewer?: boolean;
  /** Most solver steps to spend (default 1e8 + 1e5 per problem asked for; docs/TRAINING.md has the time). */
  maxSolverSteps?: number;
}

/**
 * Generate `n` solvable problems for a split. The seed and split pick the stream, so
 * `generateProblems(spec, {n: 10, seed})` is a prefix of `generateProblems(spec, {n: 100, seed})`.
 */
export function generateProblems(spec: ProblemSpec, options: GenerateOptions): Problem[] {
  validateSpec(spec);
  const { n, seed } = options;
  const split = options.split ?? 'train';
  if (!Number.isInteger(n) || n < 0) throw new Error(`n must be a non-negative integer, got ${n}`);
  const rng = new Rng(seed).fork(`problems:${split}`);
  const seen = new Set<string>();
  const out: Problem[] = [];
  // Give up when the spec's problem space looks exhausted: this many draws in a row found nothing new.
  const maxMisses = 200_000;
  // And when finding them costs too much (large numbers make each unsolvable draw expensive). The
  // limit is counted in solver steps, not seconds, so that what is generated never depends on the machine.
  const work = { nodes: 0 };
  const maxNodes = options.maxSolverSteps ?? 1e8 + n * 1e5;
  let draws = 0;
  while (out.length < n) {
    // The count is drawn first and kept, so the counts of the output follow `counts` exactly
    // (50/50 for 3 and 4 numbers), even though larger counts are more often solvable.
    const count = rng.pick(spec.counts);
    for (let misses = 0; ; misses++) {
      if (misses > maxMisses) {
        if (options.allowFewer) return out;
        throw new Error(
          `could only find ${out.length} of ${n} distinct solvable ${split} problems for this spec; ` +
            'widen the ranges or ask for fewer',
        );
      }
      const numbers = Array.from({ length: count }, () => rng.int(spec.numberMin, spec.numberMax));
      const target = rng.int(spec.targetMin, spec.targetMax);
      const problem = { numbers, target };
      if (splitOf(problem, spec.testShare) !== split) continue;
      const key = problemKey(problem);
      if (!options.allowDuplicates && seen.has(key)) continue;
      draws++;
      if (work.nodes > maxNodes) {
        if (options.allowFewer) return out;
        throw new Error(
          `found only ${out.length} of ${n} solvable ${split} problems in ${draws} draws before the solver's work limit: ` +
            'solvable problems are too rare or too costly to find in these ranges; narrow them or use fewer numbers',
        );
      }
      if (!isSolvable(numbers, target, spec.mode, work)) continue;
      seen.add(key);
      out.push(problem);
      break;
    }
  }
  return out;
}

/**
 * Up to `n` distinct training-split problems of a preset (narrowed by `ranges`), fewer where the
 * space holds fewer; none at all is an error that names the ranges.
 */
export function trainingProblems(
  preset: PresetName,
  ranges: Partial<ProblemSpec> | undefined,
  options: { n: number; seed: number },
): Problem[] {
  const problems = generateProblems(problemSpec(preset, ranges), {
    ...options,
    split: 'train',
    allowFewer: true,
  });
  if (problems.length === 0)
    throw new Error(
      ranges
        ? `no training problems in the ${preset} preset with ranges ${JSON.stringify(ranges)}`
        : `the ${preset} preset has no training problems`,
    );
  return problems;
}
