// The paper's experiment in miniature (paper-facts.md §6-7): prime one model per condition from the
// same base model, run the same PPO budget on each over several seeds, evaluate every run on one
// held-out test set, and compare with the paper's table. This module is the plan: the miniature's
// problems and model, the plan's schema, and its runs as experiment configs.

import { z } from 'zod';
import { checkShareApplies } from '../../behaviors/traces';
import { CONDITIONS, type Condition } from '../../behaviors/types';
import { PRESET_NAMES, problemSpec } from '../../countdown/problems';
import { SIZE_NAMES } from '../../model/names';
import { MINIATURE, RangesSchema, RlSchema, SftSchema, type ExperimentInput } from '../config';
import {
  GiveUpSchema,
  pickTraceOptions,
  TRACE_OPTION_DEFAULTS,
  TRACE_OPTION_KEYS,
  TRACE_OPTIONS,
  traceOptionFields,
  type TraceOptionScope,
  type TraceOptionValues,
} from '../trace-options';
import { EMPTY_CONDITIONS } from './paper';

// ---------------------------------------------------------------------------------------------
// The miniature: problems, model and base model

// The miniature's problems and model size live in lab/config.ts (the classroom preset shares them).
export { MINIATURE };

/**
 * How the base model is trained (`habits-lab models`): next-token prediction on the behavior-free
 * corpus (src/behaviors/pretraining.ts), the lab's stand-in for a pretrained language model.
 */
export const BASE_RECIPE = {
  examples: 80_000,
  epochs: 3,
  lr: 3e-3,
  batchSize: 64,
  warmup: 0.02,
  weightDecay: 0.01,
  gradClip: 1,
  heldOut: 0.02,
  seed: 5,
};

// ---------------------------------------------------------------------------------------------
// The plan

export const REPLICATION_CONDITIONS: Condition[] = [
  'all_strategies',
  'backtracking_verification',
  'only_backtracking',
  'incorrect',
  'empty_cot',
  'dots',
  'negative_control',
];

const distinct = (xs: readonly unknown[]): boolean => new Set(xs).size === xs.length;

/**
 * The paper's 250 steps, with room for a whole search (256 tokens; the paper's budget was 1,024):
 * RL lifts the habit-primed searchers by about 20 points. docs/REPLICATION.md, items 35 and 37.
 */
const PLAN_RL = { steps: 250, maxNewTokens: 256 };
/** The last quarter of priming at a falling learning rate (item 31's cooldown). */
const PLAN_SFT = { epochs: 8, cooldown: 0.25 };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const under = (defaults: Record<string, unknown>, value: unknown) =>
  value === undefined ? defaults : isRecord(value) ? { ...defaults, ...value } : value;

/**
 * The plan's own defaults go under the settings a plan names, so `rl: { lr: 1e-4 }` keeps the plan's
 * 250 steps (not the lab-wide 50) and `ranges: { numberMax: 6 }` the miniature's other ranges.
 * Anything that is not an object is left for the schema to refuse.
 */
function withPlanDefaults(input: unknown): unknown {
  if (!isRecord(input)) return input;
  const prime = input.prime === undefined ? {} : input.prime;
  return {
    ...input,
    // The miniature's ranges narrow its own preset; another preset keeps its ranges unless given.
    ranges:
      input.preset === undefined || input.preset === MINIATURE.preset
        ? under(MINIATURE.ranges, input.ranges)
        : input.ranges,
    rl: under(PLAN_RL, input.rl),
    prime: isRecord(prime) ? { ...prime, sft: under(PLAN_SFT, prime.sft) } : prime,
  };
}

export const ReplicationSchema = z.preprocess(
  withPlanDefaults,
  z
    .object({
      name: z.string().max(200).default('replication'),
      conditions: z
        .array(z.enum(CONDITIONS))
        .min(1)
        .max(CONDITIONS.length)
        .refine(distinct, 'each condition once (a repeat would be the same runs counted twice)')
        .default(REPLICATION_CONDITIONS),
      seeds: z
        .array(
          z
            .number()
            .int()
            .min(0)
            .max(2 ** 32 - 1),
        )
        .min(1)
        .max(100)
        .refine(
          distinct,
          'each seed once (a repeated seed is the same run, not another sample of the spread)',
        )
        .default([1, 2, 3]),
      /** The pretrained base model every condition is primed from (a checkpoint folder or URL). */
      base: z.string().min(1).optional(),
      preset: z.enum(PRESET_NAMES).default(MINIATURE.preset),
      ranges: RangesSchema.optional(),
      size: z.enum(SIZE_NAMES).default(MINIATURE.size),
      prime: z
        .object({
          /** Priming traces per condition (80 per problem): 8,000 searched worse (item 40). */
          examples: z.number().int().min(1).max(100_000).default(16_000),
          /**
           * Distinct training problems (of 689) the examples come from, 80 traces each: priming on every
           * training problem teaches empty_cot the direct answers of the whole small world.
           */
          problems: z.number().int().min(1).max(100_000).default(200),
          // Every trace option; where the plan primes otherwise than the trace writer's default, why.
          ...traceOptionFields({
            // A search gives up once, at its first miss (giveUpOnce), with chance 0.7: a trace either
            // answers with that attempt or searches to the end, so PPO can change that one choice
            // (docs/REPLICATION.md, items 35 and 40).
            giveUp: 0.7,
            giveUpOnce: true,
            // incorrect's traces: all_strategies' search whose hit misreads one number, so every
            // answer is wrong while every check stays true (items 36 and 49).
            searchedIncorrect: true,
            incorrectMisread: true,
            // only_backtracking speaks its checks now and then, about as often as the paper's primed
            // model verified (0.59 times per response); without it RL dropped its search (item 48).
            checkShare: 0.6,
            phrasing: 'terse',
          }),
          /**
           * giveUp for the searches written without verification (only_backtracking; where checkShare
           * applies). Their checks are spoken only now and then, and they started RL slowest: fewer
           * give-ups took only_backtracking's RL gain from 16-24 to 23-24 points (item 54).
           */
          unverifiedGiveUp: GiveUpSchema.default(0.5),
          /** Priming data and batches come from this seed (one primed model per condition). */
          seed: z.number().int().min(0).default(0),
          sft: SftSchema.partial(),
        })
        .strict(),
      // prime, prime.sft and rl always come with the plan's defaults from withPlanDefaults.
      rl: RlSchema.partial(),
      eval: z
        .object({
          every: z.number().int().min(0).default(25),
          problems: z.number().int().min(1).max(100_000).default(200),
          /** Samples per problem at T = 1 (the miniature has only 80 test problems). */
          samples: z.number().int().min(1).max(64).default(5),
          /** One held-out test set for every run. */
          seed: z.number().int().min(0).default(0),
        })
        .strict()
        .prefault({}),
    })
    .strict(),
);

export type ReplicationPlan = z.infer<typeof ReplicationSchema>;

/**
 * The fast proxy (`replicate --proxy`): the best searcher against the direct answerer, one seed,
 * five samples per test problem. Its F1 margin is what design changes are iterated on; its agreement
 * with full replications is in docs/REPLICATION.md.
 */
export const PROXY_PLAN = {
  conditions: ['backtracking_verification', 'empty_cot'] as Condition[],
  seeds: [1],
  eval: { samples: 5 },
};

export function parseReplication(input: unknown): ReplicationPlan {
  const r = ReplicationSchema.safeParse(input);
  if (!r.success) throw new Error(`invalid replication plan:\n${z.prettifyError(r.error)}`);
  // Ranges that leave no problems are refused here, before any job (or plan.json) is written.
  try {
    problemSpec(r.data.preset, r.data.ranges);
  } catch (err) {
    throw new Error(`invalid replication plan: ${(err as Error).message}`, { cause: err });
  }
  return r.data;
}

/** The default plan: what `habits-lab replicate` runs, and where the page's knobs start. */
export const DEFAULT_PLAN: ReplicationPlan = parseReplication({});

export interface ReplicationJob {
  /** "prime/all_strategies" or "rl/all_strategies/seed-1": also its folder under the output. */
  id: string;
  kind: 'prime' | 'rl';
  condition: Condition;
  seed: number;
  /** The prime job whose final checkpoint an RL job starts from. */
  after?: string;
  config: ExperimentInput;
}

/** The RL run of one condition and seed, from a primed checkpoint (the page uses it with the shipped models). */
export function replicationRunConfig(
  plan: ReplicationPlan,
  condition: Condition,
  seed: number,
  checkpoint: string,
): ExperimentInput {
  return {
    preset: plan.preset,
    ...(plan.ranges ? { ranges: plan.ranges } : {}),
    size: plan.size,
    backend: 'auto',
    name: `${condition} seed ${seed}`,
    seed,
    start: { kind: 'checkpoint', checkpoint },
    rl: plan.rl,
    eval: {
      problems: plan.eval.problems,
      samples: plan.eval.samples,
      seed: plan.eval.seed,
      greedy: false,
      every: plan.eval.every,
    },
    examplesPerStep: 2,
  };
}

/**
 * Every job of a plan: one priming run per condition (no RL, evaluated once), then one RL run per
 * condition and seed from that primed model. `checkpointOf(primeJobId)` says where a prime job's
 * final checkpoint will be, as the runner's host will read it. A condition in `primed` (a checkpoint
 * reference, e.g. the shipped model this plan's priming made) is not primed again: its RL runs start there.
 */
export function replicationJobs(
  plan: ReplicationPlan,
  checkpointOf: (primeJob: string) => string,
  primed: Partial<Record<Condition, string>> = {},
): ReplicationJob[] {
  const common = {
    preset: plan.preset,
    ...(plan.ranges ? { ranges: plan.ranges } : {}),
    size: plan.size,
    backend: 'auto' as const,
  };
  const evalSettings = {
    problems: plan.eval.problems,
    samples: plan.eval.samples,
    seed: plan.eval.seed,
    greedy: false,
  };
  const jobs: ReplicationJob[] = [];
  for (const condition of plan.conditions) {
    const prime: ReplicationJob = {
      id: `prime/${condition}`,
      kind: 'prime',
      condition,
      seed: plan.prime.seed,
      config: {
        ...common,
        name: `${condition} (primed)`,
        seed: plan.prime.seed,
        start: {
          kind: 'prime',
          condition,
          examples: plan.prime.examples,
          problems: plan.prime.problems,
          ...primeTraceOptions(plan, condition),
          sft: plan.prime.sft,
          ...(plan.base ? { from: plan.base } : {}),
        },
        rl: { ...plan.rl, steps: 0 },
        eval: { ...evalSettings, every: 0 },
        examplesPerStep: 0,
      },
    };
    const ready = primed[condition];
    if (ready === undefined) jobs.push(prime);
    for (const seed of plan.seeds) {
      jobs.push({
        id: `rl/${condition}/seed-${seed}`,
        kind: 'rl',
        condition,
        seed,
        ...(ready === undefined ? { after: prime.id } : {}),
        config: replicationRunConfig(plan, condition, seed, ready ?? checkpointOf(prime.id)),
      });
    }
  }
  return jobs;
}

/** The chance that a condition's priming traces give up: unverifiedGiveUp for the unverified searches. */
export function primeGiveUp(plan: ReplicationPlan, condition: Condition): number {
  return checkShareApplies(condition) ? plan.prime.unverifiedGiveUp : plan.prime.giveUp;
}

/** The trace options a condition's priming uses: the plan's, with that condition's give-up chance. */
export function primeTraceOptions(plan: ReplicationPlan, condition: Condition): TraceOptionValues {
  return { ...pickTraceOptions(plan.prime), giveUp: primeGiveUp(plan, condition) };
}

/**
 * How a plan primes each condition, as the shipped manifest records it (`habits-lab models` writes
 * it; `replicate` compares it): a shipped model with this recipe, from the shipped base model in this
 * plan's world, is the model this plan's priming job would make. The options of incorrect's traces
 * are recorded for incorrect only: they leave every other condition's traces as they were.
 */
export function primingRecipe(plan: ReplicationPlan, condition: Condition): Record<string, unknown> {
  const options = primeTraceOptions(plan, condition);
  const applies: Record<TraceOptionScope, boolean> = {
    always: true,
    all: true,
    // The direct answerers' traces do not depend on how the searches guess.
    searches: !EMPTY_CONDITIONS.includes(condition),
    incorrect: condition === 'incorrect',
    unverified: checkShareApplies(condition),
  };
  // An option is recorded only where it applies and, unless always, when it differs from the
  // trace writer's default, so that the recipes of models primed before it still match.
  const recorded = TRACE_OPTION_KEYS.filter((k) => {
    const { scope } = TRACE_OPTIONS[k];
    return applies[scope] && (scope === 'always' || options[k] !== TRACE_OPTION_DEFAULTS[k]);
  });
  return {
    examples: plan.prime.examples,
    problems: plan.prime.problems,
    ...Object.fromEntries(recorded.map((k) => [k, options[k]])),
    sft: recipeSft(plan.prime.sft),
    seed: plan.prime.seed,
  };
}

/**
 * SFT settings as a priming recipe records them: every setting filled in, the cooldown only when
 * used (so models primed before it existed still match); undefined if they are not SFT settings.
 */
export function recipeSft(sft: unknown): Record<string, unknown> | undefined {
  const parsed = SftSchema.safeParse(sft);
  if (!parsed.success) return undefined;
  const { cooldown, ...rest } = parsed.data;
  return cooldown > 0 ? { ...rest, cooldown } : rest;
}
