// One experiment, one config object: validated with zod (clear messages), filled with defaults,
// named presets, and serializable to JSON and to a URL fragment.

import { z } from 'zod';
import { CONDITIONS } from '../behaviors/types';
import {
  generateProblems,
  PRESET_NAMES,
  problemSpec,
  trainingProblems,
  type Problem,
} from '../countdown/problems';
import { PROMPT_FORMATS } from '../countdown/prompt';
import { shippedRef } from '../model/checkpoint-ref';
import { BACKENDS, countParameters, headProblem, MAX_PARAMETERS, SIZE_NAMES } from '../model/names';
import { traceOptionFields } from './trace-options';

/** Kept here rather than imported from src/rl/rollout-engine.ts: this module stays free of TensorFlow.js. */
export const ROLLOUT_ENGINES = ['auto', 'onnx', 'tfjs'] as const;

const positiveInt = (max: number) => z.number().int().min(1).max(max);
const share = z.number().min(0).max(1);

export const SftSchema = z
  .object({
    epochs: positiveInt(100).default(3),
    lr: z.number().positive().max(1).default(3e-3),
    batchSize: positiveInt(1024).default(32),
    warmup: share.default(0.1),
    weightDecay: z.number().min(0).max(1).default(0.01),
    gradClip: z.number().min(0).default(1.0),
    heldOut: z.number().min(0).max(0.5).default(0.1),
    /** Share of all steps, at the end, run at a tenth of lr (0: none). */
    cooldown: z.number().min(0).max(0.9).default(0),
  })
  .strict();

export const StartSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('prime'),
      condition: z.enum(CONDITIONS).default('all_strategies'),
      examples: positiveInt(100_000).default(1000),
      /** Distinct training problems the examples are drawn from (default: as many as examples). */
      problems: positiveInt(100_000).optional(),
      // Every trace option with the trace writer's default (./trace-options.ts).
      ...traceOptionFields(),
      sft: SftSchema.default(SftSchema.parse({})),
      /** Prime this checkpoint (a pretrained base model) instead of freshly initialized weights. */
      from: z.string().min(1).optional(),
    })
    .strict(),
  z.object({ kind: z.literal('checkpoint'), checkpoint: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('scratch') }).strict(),
]);

export const RlSchema = z
  .object({
    steps: z.number().int().min(0).max(100_000).default(50),
    promptsPerStep: positiveInt(4096).default(16),
    samplesPerPrompt: positiveInt(64).default(4),
    maxNewTokens: positiveInt(2048).default(160),
    temperature: z.number().positive().max(10).default(1.0),
    lr: z.number().min(0).max(1).default(3e-4),
    klCoef: z.number().min(0).max(10).default(0.001),
    klEstimator: z.enum(['k1', 'k3']).default('k1'),
    advantage: z.enum(['gae', 'group']).default('gae'),
    gamma: share.default(1.0),
    lambda: share.default(1.0),
    normalizeAdvantages: z.boolean().default(true),
    clip: z.number().positive().max(10).default(0.2),
    valueClip: z.number().positive().max(100).default(0.5),
    valueCoef: z.number().min(0).max(100).default(0.5),
    entropyCoef: z.number().min(0).max(10).default(0.001),
    gradClip: z.number().min(0).default(1.0),
    epochs: positiveInt(100).default(1),
    minibatches: positiveInt(1024).default(2),
    rewardMode: z.enum(['strict', 'tinyzero']).default('strict'),
    formatScore: z.number().min(0).max(1).default(0.1),
    /**
     * What samples the rollouts: 'onnx' (onnxruntime, when the host has one: the CLI's
     * onnxruntime-node), 'tfjs' (the lab's own sampler, on every host), or 'auto' (onnx where it can).
     */
    rolloutEngine: z.enum(ROLLOUT_ENGINES).default('auto'),
  })
  .strict();

export const EvalSchema = z
  .object({
    every: z.number().int().min(0).max(100_000).default(10),
    problems: z.number().int().min(0).max(100_000).default(100),
    /**
     * Samples per problem at T = 1: accuracy is over problems x samples, so more samples measure
     * each model with less noise on the same problems (greedy is one per problem: it never varies).
     */
    samples: positiveInt(64).default(1),
    sampled: z.boolean().default(true),
    greedy: z.boolean().default(true),
    /** Seed of the held-out test set (default: the run's seed); fix it to compare runs with different seeds. */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
  })
  .strict();

/** Custom problem ranges on top of the preset (for example smaller numbers for the tiniest models). */
export const RangesSchema = z
  .object({
    counts: z.array(z.number().int().min(2).max(6)).min(1).max(5),
    numberMin: z.number().int().min(1).max(1000),
    numberMax: z.number().int().min(1).max(1000),
    targetMin: z.number().int().min(0).max(10_000),
    targetMax: z.number().int().min(0).max(10_000),
    testShare: z.number().gt(0).lt(1),
  })
  .partial()
  .strict();

// The shape checks of validateConfig (src/model/transformer.ts), made when the config is read
// rather than when a run starts; this module stays free of TensorFlow.js.
const CustomSize = z
  .object({
    hiddenSize: positiveInt(4096),
    numLayers: positiveInt(64),
    numHeads: positiveInt(64),
    intermediateSize: positiveInt(65536),
  })
  .strict()
  .superRefine((s, ctx) => {
    const heads = headProblem(s.hiddenSize, s.numHeads);
    if (heads) ctx.addIssue({ code: 'custom', path: ['hiddenSize'], message: heads });
    // The weights without the embeddings (the vocabulary is the tokenizer's, known at run time).
    const atLeast = countParameters({ ...s, vocabSize: 0 });
    if (atLeast > MAX_PARAMETERS)
      ctx.addIssue({
        code: 'custom',
        message: `the model would have more than ${atLeast} parameters, over the lab's limit of ${MAX_PARAMETERS}`,
      });
  });

export const ExperimentSchema = z
  .object({
    name: z.string().max(200).default('experiment'),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(0),
    backend: z.enum(['auto', ...BACKENDS]).default('auto'),
    preset: z.enum(PRESET_NAMES).default('easy'),
    ranges: RangesSchema.optional(),
    promptFormat: z.enum(PROMPT_FORMATS).default('compact'),
    size: z.union([z.enum(SIZE_NAMES), CustomSize]).default('nano'),
    start: StartSchema.default(StartSchema.parse({ kind: 'prime' })),
    rl: RlSchema.default(RlSchema.parse({})),
    eval: EvalSchema.default(EvalSchema.parse({})),
    checkpointEvery: z.number().int().min(0).max(100_000).default(0),
    examplesPerStep: z.number().int().min(0).max(64).default(4),
  })
  .strict();

export type ExperimentConfig = z.infer<typeof ExperimentSchema>;
export type ExperimentInput = z.input<typeof ExperimentSchema>;
export type SftSettings = z.infer<typeof SftSchema>;
export type RlSettings = z.infer<typeof RlSchema>;
export type PrimeStart = Extract<ExperimentConfig['start'], { kind: 'prime' }>;

/** Validate and fill defaults; throws an Error whose message lists every problem by path. */
export function parseConfig(input: unknown): ExperimentConfig {
  const r = ExperimentSchema.safeParse(input);
  if (!r.success) throw new Error(`invalid experiment config:\n${z.prettifyError(r.error)}`);
  return r.data;
}

/** Merge a partial override into a config (nested objects merge), then validate. */
export function withOverrides(base: ExperimentInput, overrides: Record<string, unknown>): ExperimentConfig {
  const merge = (a: unknown, b: unknown): unknown => {
    if (
      typeof a !== 'object' ||
      a === null ||
      Array.isArray(a) ||
      typeof b !== 'object' ||
      b === null ||
      Array.isArray(b)
    )
      return b;
    // Another kind of start ("kind": "checkpoint" over a "prime" one) replaces it: the fields of
    // the old kind mean nothing to the new one.
    const kindOf = (o: object) => (o as { kind?: unknown }).kind;
    if (kindOf(b) !== undefined && kindOf(b) !== kindOf(a)) return b;
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b)) out[k] = merge(out[k], v);
    return out;
  };
  return parseConfig(merge(base, overrides));
}

/**
 * The problems of the miniature: the easy preset's 3 numbers, drawn from 1-9 so that every number is
 * one token, and targets 10-30 like the paper's 10-25 (paper-facts.md §3).
 */
export const MINIATURE = {
  preset: 'easy' as const,
  ranges: { numberMin: 1, numberMax: 9, targetMin: 10, targetMax: 30 },
  size: 'nano' as const,
};

export const CONFIG_PRESETS: Record<string, { description: string; config: ExperimentInput }> = {
  smoke: {
    description:
      'seconds: a nano model primed on 64 examples and 3 PPO steps on the easy problems (for tests)',
    config: {
      name: 'smoke',
      preset: 'easy',
      size: 'nano',
      start: { kind: 'prime', condition: 'all_strategies', examples: 64, sft: { epochs: 1, batchSize: 32 } },
      rl: { steps: 3, promptsPerStep: 4, samplesPerPrompt: 2, maxNewTokens: 48, minibatches: 1 },
      eval: { every: 3, problems: 8 },
      examplesPerStep: 2,
    },
  },
  classroom: {
    description:
      "a few minutes on CPU: 50 PPO steps on the shipped backtracking_verification model in the replication's world, which lift its held-out accuracy by about 15 points (docs/TRAINING.md); start from shipped:empty_cot instead to see a direct answerer stay where it was",
    config: {
      name: 'classroom',
      // the replication's world, where the shipped models were primed
      preset: MINIATURE.preset,
      ranges: { ...MINIATURE.ranges },
      size: MINIATURE.size,
      start: { kind: 'checkpoint', checkpoint: shippedRef('backtracking_verification') },
      // the replication's PPO settings, for 50 of its 250 steps
      rl: { steps: 50, promptsPerStep: 16, samplesPerPrompt: 4, maxNewTokens: 256, lr: 3e-4 },
      // all 80 test problems of that world, five samples each: one sample per problem is too noisy
      eval: { every: 25, problems: 80, samples: 5, seed: 0, greedy: false },
    },
  },
};

/** The fewest training problems a run asks for (found in well under a second). */
export const RL_POOL_MIN = 5000;

/**
 * How many training problems a run's RL steps draw from: ten for every prompt the run draws, so that
 * RL cannot memorize them (issue 20), at least 5,000 and at most 100,000; fewer where the world holds
 * fewer (the miniature has 689). 40,000 of a large world take about 7 s to find.
 */
export function rlPoolSize(c: ExperimentConfig): number {
  return Math.min(100_000, Math.max(RL_POOL_MIN, 10 * c.rl.steps * c.rl.promptsPerStep));
}

/** The run's training problems (train split), the same for every run with this seed, preset and ranges. */
export function rlPool(c: ExperimentConfig): Problem[] {
  return trainingProblems(c.preset, c.ranges, { n: rlPoolSize(c), seed: c.seed });
}

/** The run's fixed held-out test set (the same for every run with this eval seed, preset and ranges). */
export function testProblems(c: ExperimentConfig): Problem[] {
  return generateProblems(problemSpec(c.preset, c.ranges), {
    n: c.eval.problems,
    seed: c.eval.seed ?? c.seed,
    split: 'test',
    allowFewer: true,
  });
}

export function presetConfig(name: string): ExperimentConfig {
  const p = CONFIG_PRESETS[name];
  if (!p)
    throw new Error(`unknown preset "${name}"; choose one of ${Object.keys(CONFIG_PRESETS).join(', ')}`);
  return parseConfig(p.config);
}

/** The config as a URL fragment ("#config=<base64url JSON>") that reproduces the run. */
export function configToFragment(config: ExperimentConfig): string {
  const bytes = new TextEncoder().encode(JSON.stringify(config));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `#config=${btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

/** Read a config back from a URL fragment; throws a clear Error for a broken one. */
export function configFromFragment(fragment: string): ExperimentConfig {
  const m = /(?:^#|&)config=([A-Za-z0-9_-]+)/.exec(fragment);
  if (!m) throw new Error('the link has no #config=...');
  if (m[1].length > 20_000) throw new Error('the config in the link is too long');
  let json: unknown;
  try {
    const bin = atob(m[1].replace(/-/g, '+').replace(/_/g, '/'));
    json = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))),
    );
  } catch (err) {
    throw new Error(`the config in the link cannot be read (${(err as Error).message})`, { cause: err });
  }
  return parseConfig(json);
}
