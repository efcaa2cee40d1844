// A simplified but honest PPO for language models, read top to bottom like CleanRL's ppo.py:
//
//   1. rollout   sample n responses per prompt at temperature T (1 by default, as the paper), with
//                log-probs and values; the policy PPO trains is that tempered distribution, so every
//                log-prob below (new, old, reference) and the entropy are taken of logits / T
//   2. reward    score each response (the task score on its last token); responses cut by the
//                token budget score 0; a KL penalty to the frozen reference model on every token
//   3. advantage GAE with the value head (gamma 1, lambda 1 by default, as in the paper's runs), or
//                a group baseline over the n responses to a prompt (GRPO-style)
//   4. update    for each epoch and minibatch: clipped surrogate + clipped value loss - entropy
//                bonus, global grad-norm clip, AdamW
//
// The policy's trunk is shared with its value head (one network, two outputs).

import * as tf from '@tensorflow/tfjs';
import {
  formatPrompt,
  scoreResponse,
  type Problem,
  type PromptFormat,
  type RewardMode,
  type RewardResult,
} from '../countdown';
import type { Rng } from '../util/rng';
import { maskedMean, tokenLogprobsAndEntropy } from '../model/logprobs';
import type { Tokenizer } from '../model/tokenizer';
import type { Transformer } from '../model/transformer';
import { gae, groupAdvantages, klEstimate, tokenRewards, whiten, type KlEstimator } from './advantages';
import { onGrid, pack, toTensors } from './batch';
import { tfjsEngine, type RolloutEngine } from './rollout-engine';
import { tempered } from './teacher-forcing';
import { addGradients, gradients } from './grads';
import { ppoLosses } from './losses';
import type { AdamW } from './optim';

export interface PpoConfig {
  promptsPerStep: number;
  samplesPerPrompt: number;
  maxNewTokens: number;
  temperature: number;
  lr: number;
  klCoef: number;
  klEstimator: KlEstimator;
  advantage: 'gae' | 'group';
  gamma: number;
  lambda: number;
  normalizeAdvantages: boolean;
  clip: number;
  valueClip: number;
  valueCoef: number;
  entropyCoef: number;
  gradClip: number;
  epochs: number;
  minibatches: number;
  rewardMode: RewardMode;
  formatScore: number;
}

export interface Rollout {
  problem: Problem;
  prompt: number[];
  response: number[];
  logprobs: number[];
  values: number[];
  refLogprobs: number[];
  text: string;
  reward: RewardResult;
  /** Cut by the token budget before <eos>: scores 0. */
  truncated: boolean;
}

export interface UpdateStats {
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  approxKl: number;
  clipFraction: number;
  gradNorm: number;
  tokensPerSecond: number;
}

/**
 * Step 1-2: sample responses for the problems (each `samplesPerPrompt` times) and score them. The
 * engine samples (the tfjs sampler by default, or onnxruntime: src/rl/rollout-engine.ts) and gives
 * the reference log-probs, once per batch.
 */
export async function collectRollouts(
  policy: Transformer,
  reference: Transformer,
  tokenizer: Tokenizer,
  problems: readonly Problem[],
  config: PpoConfig,
  promptFormat: PromptFormat,
  rng: Rng,
  engine: RolloutEngine = tfjsEngine,
): Promise<Rollout[]> {
  const expanded = problems.flatMap((p) => new Array<Problem>(config.samplesPerPrompt).fill(p));
  const prompts = expanded.map((p) => tokenizer.encode(formatPrompt(p, promptFormat)));
  const sampled = await engine.sample(
    policy,
    prompts,
    {
      maxNewTokens: config.maxNewTokens,
      eosId: tokenizer.eosId,
      padId: tokenizer.padId,
      temperature: config.temperature,
      values: policy.hasValueHead,
    },
    rng,
  );
  const refLogprobs = await engine.referenceLogprobs(
    reference,
    prompts.map((prompt, i) => ({ prompt, response: sampled.tokens[i] })),
    tokenizer.padId,
    config.temperature,
  );
  return expanded.map((problem, i) => {
    const text = tokenizer.decode(sampled.tokens[i]);
    const truncated = !sampled.finished[i];
    const reward: RewardResult = truncated
      ? {
          score: 0,
          reason: 'truncated',
          answer: null,
          detail: `no <eos> within ${config.maxNewTokens} tokens`,
        }
      : scoreResponse(text, problem, { mode: config.rewardMode, formatScore: config.formatScore });
    return {
      problem,
      prompt: prompts[i],
      response: sampled.tokens[i],
      logprobs: sampled.logprobs[i],
      values: sampled.values?.[i] ?? sampled.tokens[i].map(() => 0),
      refLogprobs: refLogprobs[i],
      text,
      reward,
      truncated,
    };
  });
}

/** Step 3: per-token KL to the reference, advantages and value targets. */
export function computeAdvantages(
  rollouts: readonly Rollout[],
  config: PpoConfig,
): { advantages: number[][]; returns: number[][]; kl: number[][] } {
  const kl = rollouts.map((r) =>
    r.logprobs.map((lp, t) => klEstimate(lp, r.refLogprobs[t], config.klEstimator)),
  );
  let advantages: number[][];
  let returns: number[][];
  if (config.advantage === 'gae') {
    const per = rollouts.map((r, i) =>
      gae(tokenRewards(r.reward.score, kl[i], config.klCoef), r.values, config.gamma, config.lambda),
    );
    advantages = per.map((x) => x.advantages);
    returns = per.map((x) => x.returns);
  } else {
    const totals = rollouts.map((r, i) => r.reward.score - config.klCoef * kl[i].reduce((a, b) => a + b, 0));
    const perResponse = groupAdvantages(totals, config.samplesPerPrompt);
    advantages = rollouts.map((r, i) => r.response.map(() => perResponse[i]));
    returns = rollouts.map((r) => r.response.map(() => 0));
  }
  if (config.normalizeAdvantages && config.advantage === 'gae') advantages = whiten(advantages);
  return { advantages, returns, kl };
}

/**
 * How the update cuts a minibatch into buckets of rows of similar length, each padded only to its
 * own longest row, their gradients summed before one optimizer step. A bucket of r rows of width w
 * costs about `overheadTokens + r w (1 + w / attentionWidth)` token-times (its ops' fixed cost, its
 * padded tokens, attention's share growing with w); `maxTokens` caps its padded tokens (memory).
 * Fitted to forward-backward times of buckets from 1 x 52 to 16 x 234 on wasm (docs/TRAINING.md).
 */
export interface UpdateBuckets {
  maxTokens: number;
  overheadTokens: number;
  attentionWidth: number;
}
export const UPDATE_BUCKETS: UpdateBuckets = { maxTokens: 2048, overheadTokens: 100, attentionWidth: 460 };

/**
 * Rows of a minibatch (indices) in buckets of similar length: sorted longest first, cut into the
 * runs of least total cost (dynamic programming over the cut points), each run at most `maxTokens`
 * padded tokens unless it is a single row.
 */
export function lengthBuckets(
  lengths: readonly number[],
  idx: readonly number[],
  { maxTokens, overheadTokens, attentionWidth }: UpdateBuckets,
): number[][] {
  const sorted = [...idx].sort((a, b) => lengths[b] - lengths[a] || a - b);
  const n = sorted.length;
  // cost[j]: the cheapest cut of the first j rows; from[j]: where its last bucket starts.
  const cost = new Array<number>(n + 1).fill(Infinity);
  const from = new Array<number>(n + 1).fill(0);
  cost[0] = 0;
  for (let j = 1; j <= n; j++)
    for (let i = j - 1; i >= 0; i--) {
      // Sorted longest first: the bucket [i, j) is as wide as its first row.
      const width = lengths[sorted[i]];
      const padded = (j - i) * width;
      if (padded > maxTokens && j - i > 1) break;
      const c = cost[i] + overheadTokens + padded * (1 + width / attentionWidth);
      if (c < cost[j]) {
        cost[j] = c;
        from[j] = i;
      }
    }
  const buckets: number[][] = [];
  for (let j = n; j > 0; j = from[j]) buckets.unshift(sorted.slice(from[j], j));
  return buckets;
}

/**
 * Step 4: PPO epochs over shuffled minibatches of the rollouts. The old log-probs and values are the
 * rollout's (the sampler's, which agree with the policy's to float32 precision: with one epoch the
 * policy has not moved since), so the update runs one forward and one backward pass per token.
 */
export async function ppoUpdate(
  policy: Transformer,
  optimizer: AdamW,
  rollouts: readonly Rollout[],
  advantages: readonly number[][],
  returns: readonly number[][],
  config: PpoConfig,
  rng: Rng,
  padId: number,
  buckets: UpdateBuckets = UPDATE_BUCKETS,
): Promise<UpdateStats> {
  const useValues = config.advantage === 'gae' && policy.hasValueHead;
  const sums = { policyLoss: 0, valueLoss: 0, entropy: 0, approxKl: 0, clipFraction: 0, gradNorm: 0 };
  let updates = 0;
  let tokens = 0;
  const lengths = rollouts.map((r) => r.prompt.length + r.response.length);
  const t0 = performance.now();
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    const order = rng.shuffled(rollouts.map((_, i) => i));
    const size = Math.ceil(order.length / config.minibatches);
    for (let start = 0; start < order.length; start += size) {
      const minibatch = order.slice(start, start + size);
      const counted = minibatch.reduce((n, i) => n + rollouts[i].response.length, 0);
      let summed: Map<string, tf.Tensor> | null = null;
      // The loss parts, token-weighted over the buckets: [policy, value, entropy, approxKl, clip].
      let parts: tf.Tensor1D | null = null;
      for (const idx of lengthBuckets(lengths, minibatch, buckets)) {
        const mb = idx.map((i) => rollouts[i]);
        // Each bucket's means count its share of the minibatch's tokens: the summed gradient is the
        // gradient of the minibatch's token means.
        const share = mb.reduce((n, r) => n + r.response.length, 0) / Math.max(1, counted);
        const packed = pack(
          mb.map((r) => ({ ids: [...r.prompt, ...r.response], lossFrom: r.prompt.length })),
          padId,
        );
        const starts = mb.map((r) => r.prompt.length);
        const W = packed.width - 1;
        // Position t predicts token t + 1: none before the bucket's first response token counts.
        const from = Math.min(...starts) - 1;
        // The per-token values on the grid of positions from..W-1 (the grid shifted by `from`).
        const shifted = starts.map((p) => p - from);
        const grid = (rows: readonly (readonly number[])[]) =>
          tf.tensor2d(onGrid(rows, shifted, packed.width - from), [mb.length, W - from]);
        let bucketParts: tf.Tensor1D | null = null;
        // A plain object: tf.tidy keeps the tensors of the objects it returns, not of a Map's.
        const byName = tf.tidy(() => {
          const { inputs, targets: allTargets, mask: allMask } = toTensors(packed);
          const targets = allTargets.slice([0, from]) as tf.Tensor2D;
          const mask = allMask.slice([0, from]) as tf.Tensor2D;
          const oldLogprobs = grid(mb.map((r) => r.logprobs));
          const adv = grid(idx.map((i) => advantages[i]));
          const oldValues = grid(mb.map((r) => r.values));
          const rets = grid(idx.map((i) => returns[i]));
          const { grads } = gradients(
            policy,
            () => {
              const out = policy.forward(inputs, { values: useValues, from });
              const { logprobs, entropy } = tokenLogprobsAndEntropy(
                tempered(out.logits, config.temperature),
                targets,
              );
              const l = ppoLosses(
                {
                  logprobs,
                  oldLogprobs,
                  advantages: adv,
                  entropy,
                  mask,
                  ...(useValues ? { values: out.values, oldValues, returns: rets } : {}),
                },
                config.clip,
                config.valueClip,
              );
              // Kept out of the gradient tape's scope (tf.keep) to report them.
              bucketParts = tf.keep(
                tf.mul(tf.stack([l.policyLoss, l.valueLoss, l.entropy, l.approxKl, l.clipFraction]), share),
              ) as tf.Tensor1D;
              // loss = policy loss - c_ent * entropy + c_v * value loss, weighted by the bucket's share
              return tf.mul(
                tf.add(
                  tf.sub(l.policyLoss, tf.mul(config.entropyCoef, l.entropy)),
                  tf.mul(config.valueCoef, l.valueLoss),
                ),
                share,
              ) as tf.Scalar;
            },
            useValues,
          );
          return Object.fromEntries(grads);
        });
        summed = addGradients(summed, new Map(Object.entries(byName)));
        const b = bucketParts as unknown as tf.Tensor1D;
        if (parts === null) parts = b;
        else {
          const previous: tf.Tensor1D = parts;
          parts = tf.add(previous, b);
          tf.dispose([previous, b]);
        }
      }
      if (summed === null || parts === null) continue;
      const finalGrads: Map<string, tf.Tensor> = summed;
      const finalParts: tf.Tensor1D = parts;
      const stats = tf.tidy(() =>
        tf.concat([finalParts, optimizer.apply(finalGrads, config.lr).reshape([1])]),
      );
      tf.dispose([...finalGrads.values(), finalParts]);
      const [pl, vl, ent, kl, cf, gn] = Array.from((await stats.data()) as Float32Array);
      stats.dispose();
      sums.policyLoss += pl;
      sums.valueLoss += vl;
      sums.entropy += ent;
      sums.approxKl += kl;
      sums.clipFraction += cf;
      sums.gradNorm += gn;
      updates++;
      tokens += counted;
    }
  }
  const n = Math.max(1, updates);
  return {
    policyLoss: sums.policyLoss / n,
    valueLoss: sums.valueLoss / n,
    entropy: sums.entropy / n,
    approxKl: sums.approxKl / n,
    clipFraction: sums.clipFraction / n,
    gradNorm: sums.gradNorm / n,
    tokensPerSecond: tokens / ((performance.now() - t0) / 1000),
  };
}

/** Mean of a per-token quantity over all response tokens of a batch. */
export function tokenMean(rows: readonly (readonly number[])[]): number {
  const all = rows.flat();
  return all.length === 0 ? 0 : all.reduce((a, b) => a + b, 0) / all.length;
}

export { maskedMean };
