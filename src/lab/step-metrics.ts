// What one RL step and one evaluation report: the rollouts' accuracy, reward, length and habits,
// and the PPO update's statistics, as the events carry them to the charts and the records.

import { classify } from '../behaviors';
import { summarizeBehaviors } from '../behaviors/metrics';
import type { EvalResult } from '../rl/evaluate';
import { tokenMean, type Rollout, type UpdateStats } from '../rl/ppo';
import type { EvalSummary, SampleView, StepMetrics } from './events';

/** The metrics of RL step `step` from its rollouts and its update. */
export function stepMetrics(
  rollouts: readonly Rollout[],
  stats: UpdateStats,
  at: { step: number; lr: number; sampleSeconds: number; seconds: number },
): StepMetrics {
  const n = Math.max(1, rollouts.length);
  const behaviors = summarizeBehaviors(rollouts.map((r) => classify(r.text, r.problem).counts));
  const tokens = rollouts.reduce((a, r) => a + r.response.length, 0);
  return {
    step: at.step,
    accuracy: rollouts.filter((r) => r.reward.reason === 'correct').length / n,
    meanReward: rollouts.reduce((a, r) => a + r.reward.score, 0) / n,
    formatRate:
      rollouts.filter((r) => r.reward.reason !== 'no_answer' && r.reward.reason !== 'truncated').length / n,
    truncatedRate: rollouts.filter((r) => r.truncated).length / n,
    responseTokens: tokens / n,
    responseChars: rollouts.reduce((a, r) => a + r.text.length, 0) / n,
    behaviors: behaviors.mean,
    behaviorsPresent: behaviors.present,
    policyLoss: stats.policyLoss,
    valueLoss: stats.valueLoss,
    entropy: stats.entropy,
    klToReference: tokenMean(rollouts.map((r) => r.logprobs.map((lp, t) => lp - r.refLogprobs[t]))),
    approxKl: stats.approxKl,
    clipFraction: stats.clipFraction,
    gradNorm: stats.gradNorm,
    lr: at.lr,
    sampleTokensPerSecond: tokens / Math.max(1e-9, at.sampleSeconds),
    trainTokensPerSecond: stats.tokensPerSecond,
    stepSeconds: at.seconds,
  };
}

/** An evaluation as the events record it. */
export function summaryOf(r: EvalResult): EvalSummary {
  return {
    accuracy: r.accuracy,
    formatRate: r.formatRate,
    truncatedRate: r.truncatedRate,
    responseTokens: r.meanTokens,
    responseChars: r.meanChars,
    responseCharsMedian: r.medianChars,
    behaviors: r.behaviors.mean,
    behaviorsPresent: r.behaviors.present,
  };
}

/** A rollout as the UI shows it, with behavior spans. */
export function sampleView(r: Rollout): SampleView {
  const c = classify(r.text, r.problem);
  return {
    numbers: r.problem.numbers,
    target: r.problem.target,
    prompt: '',
    response: r.text,
    score: r.reward.score,
    reason: r.reward.reason,
    correct: r.reward.reason === 'correct',
    behaviors: c.counts,
    spans: c.spans,
  };
}
