// What a run reports, as typed events: the browser worker streams them to the page, the CLI writes
// them to metrics.jsonl and prints summaries.

import type { BehaviorCounts, BehaviorSpan } from '../behaviors/types';
import type { BackendReport } from '../model/backend';
import type { SftProgress } from '../rl/sft';

export type Stage = 'setup' | 'prime' | 'rl' | 'eval' | 'paused' | 'stopped' | 'done' | 'error';

/** A run in one of these stages has ended: nothing more happens until a new run starts. */
export function isFinished(stage: Stage): boolean {
  return stage === 'done' || stage === 'stopped' || stage === 'error';
}

/** Metrics of one PPO step (the training batch). */
export interface StepMetrics {
  step: number;
  /** Share of responses scoring 1 (a correct answer). */
  accuracy: number;
  meanReward: number;
  /** Share of responses with an answer the reward could read. */
  formatRate: number;
  /** Share of responses cut by the token budget (they score 0). */
  truncatedRate: number;
  responseTokens: number;
  responseChars: number;
  /** Average count per response (the paper's metric). */
  behaviors: BehaviorCounts;
  /** Share of responses with at least one. */
  behaviorsPresent: BehaviorCounts;
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  /** Mean per-token KL estimate (k1) between the sampling policy and the reference model. */
  klToReference: number;
  approxKl: number;
  clipFraction: number;
  gradNorm: number;
  lr: number;
  sampleTokensPerSecond: number;
  trainTokensPerSecond: number;
  stepSeconds: number;
}

export interface EvalSummary {
  accuracy: number;
  formatRate: number;
  truncatedRate: number;
  responseTokens: number;
  responseChars: number;
  behaviors: BehaviorCounts;
  behaviorsPresent: BehaviorCounts;
}

/** Evaluation on the fixed held-out test set, at temperature 1 (the paper's) and greedy. */
export interface EvalMetrics {
  step: number;
  problems: number;
  sampled?: EvalSummary;
  greedy?: EvalSummary;
}

/** One rollout to show: the response with its reward and where each behavior occurs. */
export interface SampleView {
  numbers: number[];
  target: number;
  prompt: string;
  response: string;
  score: number;
  reason: string;
  correct: boolean;
  behaviors: BehaviorCounts;
  spans: BehaviorSpan[];
}

export interface RunSummary {
  name: string;
  steps: number;
  startEval?: EvalMetrics;
  finalEval?: EvalMetrics;
  seconds: number;
  backend: string;
}

export type LabEvent =
  | { type: 'status'; stage: Stage; message: string; step: number; time: number; backend?: BackendReport }
  | { type: 'prime'; progress: SftProgress }
  | { type: 'step'; metrics: StepMetrics }
  | { type: 'eval'; metrics: EvalMetrics }
  | { type: 'samples'; step: number; samples: SampleView[] }
  | { type: 'checkpoint'; step: number; name: string }
  | { type: 'done'; summary: RunSummary }
  | { type: 'error'; message: string };

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
