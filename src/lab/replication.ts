// The paper's experiment in miniature (paper-facts.md §6-7): prime one model per condition from the
// same base model, run the same PPO budget on each over several seeds, evaluate every run on one
// held-out test set, and compare with the paper's table. This module is plain data: the plan as
// experiment configs, the results table, the findings, the figure. The CLI (`habits-lab replicate`)
// runs the plan; the page runs the same configs one after another.

import { z } from 'zod';
import {
  BEHAVIOR_LABELS,
  BEHAVIORS,
  CONDITIONS,
  TRACE_DEFAULTS,
  type Behavior,
  type Condition,
} from '../behaviors/types';
import { PRESET_NAMES, problemSpec } from '../countdown/problems';
import { SIZE_NAMES } from '../model/names';
import type { ChartSpec } from './charts';
import { RangesSchema, RlSchema, SftSchema, type ExperimentInput } from './config';
import type { EvalMetrics, LabEvent } from './events';

// ---------------------------------------------------------------------------------------------
// The paper's numbers (Llama-3.2-3B after priming, paper-facts.md §7)

export interface PaperRow {
  acc0: number;
  acc250: number;
  /** verification, backtracking, subgoal setting, backward chaining (average count per response) */
  behaviors0: [number, number, number, number];
  behaviors250: [number, number, number, number];
}

export const PAPER_RESULTS: Partial<Record<Condition, PaperRow>> = {
  all_strategies: {
    acc0: 0.352,
    acc250: 0.736,
    behaviors0: [1.67, 2.6, 3.42, 1.61],
    behaviors250: [3.81, 4.57, 0.1, 0.04],
  },
  only_backtracking: {
    acc0: 0.409,
    acc250: 0.769,
    behaviors0: [0.59, 2.96, 0.1, 0.07],
    behaviors250: [0.64, 4.58, 0.04, 0.1],
  },
  backtracking_verification: {
    acc0: 0.419,
    acc250: 0.774,
    behaviors0: [2.56, 2.94, 0.61, 0.07],
    behaviors250: [3.4, 3.81, 0, 0.01],
  },
  backtracking_subgoal: {
    acc0: 0.176,
    acc250: 0.706,
    behaviors0: [0.12, 2.93, 3.63, 0.03],
    behaviors250: [0.33, 4.87, 2.0, 0.12],
  },
  backtracking_backward: {
    acc0: 0.31,
    acc250: 0.773,
    behaviors0: [0.13, 2.5, 0.95, 2.12],
    behaviors250: [0.12, 4.77, 0.08, 2.4],
  },
  incorrect: {
    acc0: 0.283,
    acc250: 0.735,
    behaviors0: [1.89, 3.17, 3.73, 1.59],
    behaviors250: [3.63, 4.05, 0.15, 0.12],
  },
  empty_cot: { acc0: 0.061, acc250: 0.41, behaviors0: [0, 0, 0, 0], behaviors250: [0, 0, 0, 0] },
  dots: { acc0: 0.111, acc250: 0.381, behaviors0: [0, 0, 0, 0], behaviors250: [0, 0, 0, 0] },
};

/** Conditions whose traces carry behaviors and correct answers (F1 compares them with the empty ones). */
export const BEHAVIOR_CONDITIONS: Condition[] = [
  'all_strategies',
  'backtracking_verification',
  'only_backtracking',
];
export const EMPTY_CONDITIONS: Condition[] = ['empty_cot', 'dots'];

// ---------------------------------------------------------------------------------------------
// The miniature: problems, model and base model

/**
 * The problems of the miniature: the easy preset's 3 numbers, drawn from 1-9 so that every number is
 * one token, and targets 10-30 like the paper's 10-25 (paper-facts.md §3).
 */
export const MINIATURE = {
  preset: 'easy' as const,
  ranges: { numberMin: 1, numberMax: 9, targetMin: 10, targetMax: 30 },
  size: 'nano' as const,
};

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

/** 40 steps: what the 60-minute CPU budget allows for 21 runs (the paper ran 250). */
const PLAN_RL = { steps: 40 };
const PLAN_SFT = { epochs: 6 };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const under = (defaults: Record<string, unknown>, value: unknown) =>
  value === undefined ? defaults : isRecord(value) ? { ...defaults, ...value } : value;

/**
 * The plan's own defaults go under the settings a plan names, so `rl: { lr: 1e-4 }` keeps the plan's
 * 40 steps (not the lab-wide 50) and `ranges: { numberMax: 6 }` the miniature's other ranges.
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
          examples: z.number().int().min(1).max(100_000).default(4000),
          /**
           * Distinct training problems (of 689) the examples come from, 20 traces each: priming on every
           * training problem teaches empty_cot the direct answers of the whole small world.
           */
          problems: z.number().int().min(1).max(100_000).default(200),
          tokenBudget: z.number().int().min(1).max(1024).default(TRACE_DEFAULTS.tokenBudget),
          maxFailedAttempts: z.number().int().min(0).max(10).default(TRACE_DEFAULTS.maxFailedAttempts),
          phrasing: z.enum(['varied', 'terse']).default('terse'),
          /** Priming data and batches come from this seed (one primed model per condition). */
          seed: z.number().int().min(0).default(0),
          sft: SftSchema.partial(),
        })
        .strict(),
      // prime, prime.sft and rl always come with the plan's defaults from withPlanDefaults.
      rl: RlSchema.partial(),
      eval: z
        .object({
          every: z.number().int().min(0).default(10),
          problems: z.number().int().min(1).max(100_000).default(200),
          /** One held-out test set for every run. */
          seed: z.number().int().min(0).default(0),
        })
        .strict()
        .prefault({}),
    })
    .strict(),
);

export type ReplicationPlan = z.infer<typeof ReplicationSchema>;

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
    eval: { problems: plan.eval.problems, seed: plan.eval.seed, greedy: false, every: plan.eval.every },
    examplesPerStep: 2,
  };
}

/**
 * Every job of a plan: one priming run per condition (no RL, evaluated once), then one RL run per
 * condition and seed from that primed model. `checkpointOf(primeJobId)` says where a prime job's
 * final checkpoint will be, as the runner's host will read it.
 */
export function replicationJobs(
  plan: ReplicationPlan,
  checkpointOf: (primeJob: string) => string,
): ReplicationJob[] {
  const common = {
    preset: plan.preset,
    ...(plan.ranges ? { ranges: plan.ranges } : {}),
    size: plan.size,
    backend: 'auto' as const,
  };
  const evalSettings = { problems: plan.eval.problems, seed: plan.eval.seed, greedy: false };
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
          tokenBudget: plan.prime.tokenBudget,
          maxFailedAttempts: plan.prime.maxFailedAttempts,
          phrasing: plan.prime.phrasing,
          sft: plan.prime.sft,
          ...(plan.base ? { from: plan.base } : {}),
        },
        rl: { ...plan.rl, steps: 0 },
        eval: { ...evalSettings, every: 0 },
        examplesPerStep: 0,
      },
    };
    jobs.push(prime);
    for (const seed of plan.seeds) {
      jobs.push({
        id: `rl/${condition}/seed-${seed}`,
        kind: 'rl',
        condition,
        seed,
        after: prime.id,
        config: replicationRunConfig(plan, condition, seed, checkpointOf(prime.id)),
      });
    }
  }
  return jobs;
}

// ---------------------------------------------------------------------------------------------
// Results

/** The eval curve of one finished RL run. */
export interface RunResult {
  condition: Condition;
  seed: number;
  events: readonly LabEvent[];
}

interface Stat {
  mean: number;
  sd: number;
  n: number;
}

function stat(values: number[]): Stat {
  const n = values.length;
  if (n === 0) return { mean: NaN, sd: NaN, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}

export interface EvalPoint {
  accuracy: number;
  behaviors: Record<Behavior, number>;
  chars: number;
  tokens: number;
}

export interface ConditionSummary {
  condition: Condition;
  seeds: number[];
  start: { accuracy: Stat; behaviors: Record<Behavior, Stat>; chars: Stat; tokens: Stat };
  end: { accuracy: Stat; behaviors: Record<Behavior, Stat>; chars: Stat; tokens: Stat };
  /** Steps of the last evaluation (the same for every seed of a finished plan). */
  endStep: number;
  /** Test problems each evaluation scored (fewer than asked when the preset has fewer). */
  problems: number;
  /** Mean over seeds at every evaluated step. */
  curve: { step: number; point: EvalPoint }[];
}

function evalsOf(events: readonly LabEvent[]): EvalMetrics[] {
  return events.flatMap((e) => (e.type === 'eval' && e.metrics.sampled ? [e.metrics] : []));
}

function pointOf(m: EvalMetrics): EvalPoint {
  const s = m.sampled!;
  return {
    accuracy: s.accuracy,
    behaviors: { ...s.behaviors },
    chars: s.responseChars,
    tokens: s.responseTokens,
  };
}

function statsOf(points: EvalPoint[]) {
  return {
    accuracy: stat(points.map((p) => p.accuracy)),
    behaviors: Object.fromEntries(
      BEHAVIORS.map((b) => [b, stat(points.map((p) => p.behaviors[b]))]),
    ) as Record<Behavior, Stat>,
    chars: stat(points.map((p) => p.chars)),
    tokens: stat(points.map((p) => p.tokens)),
  };
}

function meanPoint(points: EvalPoint[]): EvalPoint {
  const s = statsOf(points);
  return {
    accuracy: s.accuracy.mean,
    behaviors: Object.fromEntries(BEHAVIORS.map((b) => [b, s.behaviors[b].mean])) as Record<Behavior, number>,
    chars: s.chars.mean,
    tokens: s.tokens.mean,
  };
}

/** Mean and spread over seeds, per condition, at the first and the last evaluation. */
export function summarizeReplication(
  runs: readonly RunResult[],
  conditions: readonly Condition[],
): ConditionSummary[] {
  return conditions.flatMap((condition) => {
    const mine = runs
      .filter((r) => r.condition === condition)
      .map((r) => ({ seed: r.seed, evals: evalsOf(r.events) }));
    const usable = mine.filter((r) => r.evals.length > 0);
    if (usable.length === 0) return [];
    const steps = [...new Set(usable.flatMap((r) => r.evals.map((e) => e.step)))].sort((a, b) => a - b);
    const curve = steps.flatMap((step) => {
      const at = usable.flatMap((r) => r.evals.filter((e) => e.step === step).map(pointOf));
      return at.length === usable.length ? [{ step, point: meanPoint(at) }] : [];
    });
    return [
      {
        condition,
        seeds: usable.map((r) => r.seed),
        start: statsOf(usable.map((r) => pointOf(r.evals[0]))),
        end: statsOf(usable.map((r) => pointOf(r.evals[r.evals.length - 1]))),
        endStep: Math.min(...usable.map((r) => r.evals[r.evals.length - 1].step)),
        problems: usable[0].evals[0].problems,
        curve,
      },
    ];
  });
}

export interface Finding {
  id: 'F1' | 'F2' | 'F3' | 'F4';
  claim: string;
  holds: boolean | null; // null: the plan lacks the conditions to test it
  detail: string;
}

const pts = (x: number) => `${(100 * x).toFixed(1)}`;

/** The paper's four findings (paper-facts.md §7), checked on a replication's summaries. */
export function checkFindings(summaries: readonly ConditionSummary[]): Finding[] {
  const by = new Map(summaries.map((s) => [s.condition, s]));
  const out: Finding[] = [];

  const primed = BEHAVIOR_CONDITIONS.filter((c) => by.has(c));
  const empty = EMPTY_CONDITIONS.filter((c) => by.has(c));
  if (primed.length && empty.length) {
    const bestEmpty = Math.max(...empty.map((c) => by.get(c)!.end.accuracy.mean));
    const gaps = primed.map((c) => ({ c, gap: by.get(c)!.end.accuracy.mean - bestEmpty }));
    const minGap = Math.min(...gaps.map((g) => g.gap));
    out.push({
      id: 'F1',
      claim: 'behavior-primed models end at least 15 accuracy points above empty_cot and dots after equal RL',
      holds: minGap >= 0.15,
      detail: `${gaps.map((g) => `${g.c} ${g.gap >= 0 ? '+' : ''}${pts(g.gap)}`).join(', ')} points over the best of ${empty.join('/')} (${pts(bestEmpty)}%)`,
    });
  } else
    out.push({
      id: 'F1',
      claim: 'behavior priming beats empty priming',
      holds: null,
      detail: 'needs a behavior condition and empty_cot or dots',
    });

  const all = by.get('all_strategies');
  const wrong = by.get('incorrect');
  if (all && wrong) {
    const diff = wrong.end.accuracy.mean - all.end.accuracy.mean;
    out.push({
      id: 'F2',
      claim: 'incorrect (behaviors, wrong answers) ends within 5 points of all_strategies',
      holds: Math.abs(diff) <= 0.05,
      detail: `incorrect ${pts(wrong.end.accuracy.mean)}% vs all_strategies ${pts(all.end.accuracy.mean)}% (${diff >= 0 ? '+' : ''}${pts(diff)} points)`,
    });
  } else
    out.push({
      id: 'F2',
      claim: 'incorrect priming is as good as correct priming',
      holds: null,
      detail: 'needs all_strategies and incorrect',
    });

  // F3 on the conditions whose traces carry all four behaviors.
  const rich = (['all_strategies', 'incorrect'] as Condition[]).filter((c) => by.has(c));
  if (rich.length) {
    const change = (b: Behavior) =>
      rich.map((c) => by.get(c)!.end.behaviors[b].mean - by.get(c)!.start.behaviors[b].mean);
    const fell = (b: Behavior) => change(b).every((d) => d < 0);
    const kept = (b: Behavior) =>
      rich.every((c) => by.get(c)!.end.behaviors[b].mean >= 0.9 * by.get(c)!.start.behaviors[b].mean);
    const holds =
      fell('subgoal_setting') && fell('backward_chaining') && kept('backtracking') && kept('verification');
    out.push({
      id: 'F3',
      claim:
        'during RL subgoal setting and backward chaining fall while backtracking and verification do not',
      holds,
      detail: rich
        .map(
          (c) =>
            `${c}: ${BEHAVIORS.map((b) => `${BEHAVIOR_LABELS[b].toLowerCase()} ${by.get(c)!.start.behaviors[b].mean.toFixed(2)}→${by.get(c)!.end.behaviors[b].mean.toFixed(2)}`).join(', ')}`,
        )
        .join('; '),
    });
  } else
    out.push({
      id: 'F3',
      claim: 'RL prunes subgoals and backward chaining',
      holds: null,
      detail: 'needs all_strategies or incorrect',
    });

  const bare = (['empty_cot', 'dots', 'negative_control'] as Condition[]).filter((c) => by.has(c));
  if (bare.length) {
    const shorter = bare.map((c) => ({
      c,
      from: by.get(c)!.start.chars.mean,
      to: by.get(c)!.end.chars.mean,
    }));
    out.push({
      id: 'F4',
      claim: 'the responses of models without behaviors get shorter during RL',
      // By at least 5%: a fraction of a character is sampling noise (a short answer cannot shrink).
      holds: shorter.every((s) => s.to <= 0.95 * s.from),
      detail: shorter.map((s) => `${s.c} ${s.from.toFixed(0)}→${s.to.toFixed(0)} chars`).join(', '),
    });
  } else
    out.push({
      id: 'F4',
      claim: 'behavior-less models get shorter',
      holds: null,
      detail: 'needs empty_cot, dots or negative_control',
    });
  return out;
}

const fmtPct = (s: Stat) =>
  Number.isNaN(s.mean) ? '–' : s.n > 1 ? `${pts(s.mean)} ± ${pts(s.sd)}` : pts(s.mean);
const behaviorsText = (b: Record<Behavior, Stat>) => BEHAVIORS.map((k) => b[k].mean.toFixed(2)).join('/');

/** The results table (Markdown) with the paper's numbers beside ours, and the findings. */
export function resultsMarkdown(
  plan: ReplicationPlan,
  summaries: readonly ConditionSummary[],
  findings: readonly Finding[],
): string {
  const lines = [
    `Accuracy on ${summaries[0]?.problems ?? plan.eval.problems} held-out problems (one sample each at temperature 1, test seed ${plan.eval.seed}), mean ± sd over seeds ${plan.seeds.join(', ')}; behaviors are average counts per response (verification/backtracking/subgoal setting/backward chaining). Paper: Llama-3.2-3B after priming, steps 0 and 250.`,
    '',
    '| condition | accuracy % at 0 | accuracy % at end | behaviors at 0 | behaviors at end | length (chars) 0 → end | paper accuracy 0 → 250 | paper behaviors 0 → 250 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...summaries.map((s) => {
      const p = PAPER_RESULTS[s.condition];
      return `| ${s.condition} | ${fmtPct(s.start.accuracy)} | ${fmtPct(s.end.accuracy)} | ${behaviorsText(s.start.behaviors)} | ${behaviorsText(s.end.behaviors)} | ${s.start.chars.mean.toFixed(0)} → ${s.end.chars.mean.toFixed(0)} | ${p ? `${pts(p.acc0)} → ${pts(p.acc250)}` : '–'} | ${p ? `${p.behaviors0.join('/')} → ${p.behaviors250.join('/')}` : '–'} |`;
    }),
    '',
    '| finding | holds | measured |',
    '| --- | --- | --- |',
    ...findings.map(
      (f) =>
        `| ${f.id}: ${f.claim} | ${f.holds === null ? 'not tested' : f.holds ? 'yes' : 'no'} | ${f.detail} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

const CONDITION_COLORS: Record<Condition, string> = {
  all_strategies: '#1f5fbf',
  backtracking_verification: '#2a9d8f',
  only_backtracking: '#6a4c93',
  backtracking_subgoal: '#8e5ad8',
  backtracking_backward: '#b8860b',
  incorrect: '#e76f51',
  empty_cot: '#7f8c8d',
  dots: '#2c3e50',
  negative_control: '#c0392b',
};

/** The figure: accuracy per condition (mean over seeds), response length, and each behavior. */
export function replicationCharts(summaries: readonly ConditionSummary[]): ChartSpec[] {
  const line = (s: ConditionSummary, y: (p: EvalPoint) => number) => ({
    label: s.condition,
    color: CONDITION_COLORS[s.condition],
    dashed: EMPTY_CONDITIONS.includes(s.condition) || s.condition === 'negative_control',
    points: s.curve.map((c) => ({ x: c.step, y: y(c.point) })),
  });
  return [
    {
      id: 'accuracy',
      title: 'Held-out accuracy (mean over seeds)',
      yLabel: 'accuracy',
      yMin: 0,
      yMax: 1,
      series: summaries.map((s) => line(s, (p) => p.accuracy)),
    },
    {
      id: 'length',
      title: 'Response length',
      yLabel: 'characters',
      yMin: 0,
      series: summaries.map((s) => line(s, (p) => p.chars)),
    },
    ...BEHAVIORS.map((b) => ({
      id: 'behaviors' as const,
      title: `${BEHAVIOR_LABELS[b]} (average count per response)`,
      yLabel: 'count per response',
      yMin: 0,
      series: summaries
        .filter((s) => s.curve.some((c) => c.point.behaviors[b] > 0))
        .map((s) => line(s, (p) => p.behaviors[b])),
    })),
  ];
}
