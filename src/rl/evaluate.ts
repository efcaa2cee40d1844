// Evaluation on a fixed held-out test set, the paper's way: samples at temperature 1 (one per problem
// by default, `samples` for more; or greedy); accuracy is the share scoring 1, with no credit for format.

import { formatPrompt, scoreResponse, type Problem, type PromptFormat, type RewardMode } from '../countdown';
import type { Rng } from '../util/rng';
import { classify, summarizeBehaviors, type BehaviorCounts, type BehaviorSummary } from '../behaviors';
import type { Tokenizer } from '../model/tokenizer';
import type { Transformer } from '../model/transformer';
import { tfjsEngine, type RolloutEngine } from './rollout-engine';

export interface EvalResult {
  accuracy: number;
  /** Share of responses with an answer the reward could read (numbers checked or not). */
  formatRate: number;
  truncatedRate: number;
  meanTokens: number;
  meanChars: number;
  /** The typical length: a few responses run to the token budget and move the mean, not this. */
  medianChars: number;
  behaviors: BehaviorSummary;
  /** Per problem: the response and its score (for inspection). */
  responses: { problem: Problem; text: string; score: number; reason: string; behaviors: BehaviorCounts }[];
}

export interface EvalOptions {
  greedy: boolean;
  temperature: number;
  maxNewTokens: number;
  promptFormat: PromptFormat;
  rewardMode: RewardMode;
  batchSize?: number;
  /** Samples per problem (default 1): the rates are over problems x samples. */
  samples?: number;
  /** Where the responses are sampled (default: the tfjs sampler); a run passes its rollout engine. */
  engine?: RolloutEngine;
}

export async function evaluate(
  model: Transformer,
  tokenizer: Tokenizer,
  problems: readonly Problem[],
  options: EvalOptions,
  rng: Rng,
): Promise<EvalResult> {
  const batch = options.batchSize ?? 64;
  const k = options.samples ?? 1;
  const all = k > 1 ? problems.flatMap((p) => Array.from({ length: k }, () => p)) : problems;
  const responses: EvalResult['responses'] = [];
  let truncated = 0;
  let tokens = 0;
  for (let i = 0; i < all.length; i += batch) {
    const chunk = all.slice(i, i + batch);
    const r = await (options.engine ?? tfjsEngine).sample(
      model,
      chunk.map((p) => tokenizer.encode(formatPrompt(p, options.promptFormat))),
      {
        maxNewTokens: options.maxNewTokens,
        eosId: tokenizer.eosId,
        padId: tokenizer.padId,
        greedy: options.greedy,
        temperature: options.temperature,
      },
      rng,
    );
    chunk.forEach((problem, b) => {
      const text = tokenizer.decode(r.tokens[b]);
      tokens += r.tokens[b].length;
      const cut = !r.finished[b];
      if (cut) truncated++;
      const reward = cut
        ? { score: 0, reason: 'truncated' }
        : scoreResponse(text, problem, { mode: options.rewardMode });
      responses.push({
        problem,
        text,
        score: reward.score,
        reason: reward.reason,
        behaviors: classify(text, problem).counts,
      });
    });
  }
  const n = Math.max(1, responses.length);
  return {
    accuracy: responses.filter((r) => r.reason === 'correct').length / n,
    formatRate: responses.filter((r) => r.reason !== 'no_answer' && r.reason !== 'truncated').length / n,
    truncatedRate: truncated / n,
    meanTokens: tokens / n,
    meanChars: responses.reduce((a, r) => a + r.text.length, 0) / n,
    medianChars: median(responses.map((r) => r.text.length)),
    behaviors: summarizeBehaviors(responses.map((r) => r.behaviors)),
    responses,
  };
}

/** The middle value (the mean of the two middle ones for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const v = [...values].sort((a, b) => a - b);
  const h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}
