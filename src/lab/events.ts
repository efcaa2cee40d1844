// What a run reports, as typed events: the browser worker streams them to the page, the CLI writes
// them to metrics.jsonl and prints summaries. Each event's zod schema is its one definition: the
// types are inferred from it, and the same schema checks an imported result file or a resumed
// run's history (files a user imports are untrusted: sizes bounded, every number finite or null).

import { z } from 'zod';
import { BEHAVIORS, type Behavior } from '../behaviors/types';
import type { BackendReport } from '../model/backend';
import { importedArray } from './validate';

export const STAGES = ['setup', 'prime', 'rl', 'eval', 'paused', 'stopped', 'done', 'error'] as const;
export type Stage = (typeof STAGES)[number];

/** A run in one of these stages has ended: nothing more happens until a new run starts. */
export function isFinished(stage: Stage): boolean {
  return stage === 'done' || stage === 'stopped' || stage === 'error';
}

// Pieces every imported file format checks the same way (run records, surveys in survey.ts).
// A finite number, or null: JSON writes NaN (a diverged loss, say) as null, and such a run must
// still load back. Infinity is refused; JSON cannot write it, so only a hand-made file has it.
export const num = z.union([
  z.number().refine(Number.isFinite, 'must be a finite number'),
  z.null().transform(() => NaN),
]);
export const counts = z.object(
  Object.fromEntries(BEHAVIORS.map((b) => [b, num])) as Record<Behavior, typeof num>,
);
export const spansSchema = (max: number) =>
  importedArray(
    z.object({ behavior: z.enum(BEHAVIORS), start: z.number().int().min(0), end: z.number().int().min(0) }),
    max,
  );

/** Metrics of one PPO step (the training batch). */
export const StepMetricsSchema = z.object({
  step: z.number().int().min(0),
  /** Share of responses scoring 1 (a correct answer). */
  accuracy: num,
  meanReward: num,
  /** Share of responses with an answer the reward could read. */
  formatRate: num,
  /** Share of responses cut by the token budget (they score 0). */
  truncatedRate: num,
  responseTokens: num,
  responseChars: num,
  /** Average count per response (the paper's metric). */
  behaviors: counts,
  /** Share of responses with at least one. */
  behaviorsPresent: counts,
  policyLoss: num,
  valueLoss: num,
  entropy: num,
  /** Mean per-token KL estimate (k1) between the sampling policy and the reference model. */
  klToReference: num,
  approxKl: num,
  clipFraction: num,
  gradNorm: num,
  lr: num,
  sampleTokensPerSecond: num,
  trainTokensPerSecond: num,
  stepSeconds: num,
});
export type StepMetrics = z.infer<typeof StepMetricsSchema>;

export const EvalSummarySchema = z.object({
  accuracy: num,
  formatRate: num,
  truncatedRate: num,
  responseTokens: num,
  responseChars: num,
  /** Median response length (absent in files written before it was recorded). */
  responseCharsMedian: num.optional(),
  behaviors: counts,
  behaviorsPresent: counts,
});
export type EvalSummary = z.infer<typeof EvalSummarySchema>;

/** Evaluation on the fixed held-out test set, at temperature 1 (the paper's) and greedy. */
export const EvalMetricsSchema = z.object({
  step: z.number().int().min(0),
  problems: z.number().int().min(0),
  /** Samples per problem of the sampled evaluation (absent in runs from before it: one). */
  samples: z.number().int().min(1).optional(),
  sampled: EvalSummarySchema.optional(),
  greedy: EvalSummarySchema.optional(),
});
export type EvalMetrics = z.infer<typeof EvalMetricsSchema>;

/** One rollout to show: the response with its reward and where each behavior occurs. */
export const SampleViewSchema = z.object({
  numbers: importedArray(z.number().int(), 16),
  target: z.number().int(),
  prompt: z.string().max(10_000),
  response: z.string().max(20_000),
  score: num,
  reason: z.string().max(40),
  correct: z.boolean(),
  behaviors: counts,
  spans: spansSchema(1000),
});
export type SampleView = z.infer<typeof SampleViewSchema>;

/** Progress of priming (supervised fine-tuning); the same fields as rl/sft's SftProgress. */
export const PrimeProgressSchema = z.object({
  step: z.number().int(),
  totalSteps: z.number().int(),
  epoch: z.number().int(),
  loss: num,
  lr: num,
  gradNorm: num,
  tokensPerSecond: num,
  /** Mean completion-token loss on the held-out examples (at the end of each epoch). */
  heldOutLoss: num.optional(),
});

export const RunSummarySchema = z.object({
  name: z.string().max(200),
  steps: z.number().int().min(0),
  startEval: EvalMetricsSchema.optional(),
  finalEval: EvalMetricsSchema.optional(),
  seconds: num,
  backend: z.string().max(40),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

/** Every event a run record keeps (all but the status lines). */
export const RecordEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('step'), metrics: StepMetricsSchema }),
  z.object({ type: z.literal('eval'), metrics: EvalMetricsSchema }),
  z.object({
    type: z.literal('samples'),
    step: z.number().int(),
    samples: importedArray(SampleViewSchema, 64),
  }),
  z.object({ type: z.literal('prime'), progress: PrimeProgressSchema }),
  z.object({ type: z.literal('checkpoint'), step: z.number().int(), name: z.string().max(200) }),
  z.object({ type: z.literal('done'), summary: RunSummarySchema }),
  z.object({ type: z.literal('error'), message: z.string().max(10_000) }),
]);

/** A line of progress; a resumed run keeps the earlier ones in its history. */
export const StatusEventSchema = z.object({
  type: z.literal('status'),
  stage: z.enum(STAGES),
  message: z.string().max(10_000),
  step: z.number().int(),
  time: num,
  // Shown as the worker reports it, never acted on: not checked beyond being present.
  backend: z.custom<BackendReport>().optional(),
});

/** Every event a run emits. */
export const LabEventSchema = z.union([RecordEventSchema, StatusEventSchema]);
export type LabEvent = z.infer<typeof LabEventSchema>;

/** Wall-clock measurements of an event (they differ between runs of the same seed). */
export interface Timing {
  step?: number;
  stage: 'prime' | 'rl' | 'done';
  seconds?: number;
  tokensPerSecond?: number;
  sampleTokensPerSecond?: number;
  trainTokensPerSecond?: number;
}

/**
 * An event without its wall-clock fields, and those fields apart: metrics files keep only what a
 * seed determines, so two runs of the same config write identical metrics files.
 */
export function splitTiming(e: LabEvent): { event: LabEvent; timing?: Timing } {
  if (e.type === 'step') {
    const { stepSeconds, sampleTokensPerSecond, trainTokensPerSecond, ...metrics } = e.metrics;
    return {
      event: {
        type: 'step',
        metrics: { ...metrics, stepSeconds: 0, sampleTokensPerSecond: 0, trainTokensPerSecond: 0 },
      },
      timing: {
        stage: 'rl',
        step: metrics.step,
        seconds: stepSeconds,
        sampleTokensPerSecond,
        trainTokensPerSecond,
      },
    };
  }
  if (e.type === 'prime') {
    const { tokensPerSecond, ...progress } = e.progress;
    return {
      event: { type: 'prime', progress: { ...progress, tokensPerSecond: 0 } },
      timing: { stage: 'prime', step: progress.step, tokensPerSecond },
    };
  }
  if (e.type === 'done') {
    return {
      event: { type: 'done', summary: { ...e.summary, seconds: 0 } },
      timing: { stage: 'done', seconds: e.summary.seconds },
    };
  }
  return { event: e };
}
