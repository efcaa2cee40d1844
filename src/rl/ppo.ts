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
import { maskedMean, tokenEntropy, tokenLogprobs } from '../model/logprobs';
import { sample } from '../model/sampling';
import type { Tokenizer } from '../model/tokenizer';
import type { Transformer } from '../model/transformer';
import { gae, groupAdvantages, klEstimate, tokenRewards, whiten, type KlEstimator } from './advantages';
import { onGrid, pack, toTensors } from './batch';
import { gradients } from './grads';
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

/** The logits of the distribution sampled at temperature T (the sampler divides the same way). */
function tempered(logits: tf.Tensor3D, temperature: number): tf.Tensor3D {
  return temperature === 1 ? logits : tf.div(logits, temperature);
}

/** Log-probabilities a model gives each response token at temperature T, by teacher forcing (no gradients). */

export async function responseLogprobs(
  model: Transformer,
  rows: readonly { prompt: readonly number[]; response: readonly number[] }[],
  padId: number,
  batchSize = 64,
  temperature = 1,
): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < rows.length; i += batchSize) {
    const chunk = rows.slice(i, i + batchSize);
    const packed = pack(
      chunk.map((r) => ({ ids: [...r.prompt, ...r.response], lossFrom: r.prompt.length })),
      padId,
    );
    const logpT = tf.tidy(() => {
      const { inputs, targets } = toTensors(packed);
      return tokenLogprobs(tempered(model.forward(inputs).logits, temperature), targets);
    });
    const logp = (await logpT.data()) as Float32Array;
    logpT.dispose();
    const W = packed.width - 1;
    chunk.forEach((r, b) =>
      out.push(
        Array.from(
          logp.subarray(b * W + r.prompt.length - 1, b * W + r.prompt.length - 1 + r.response.length),
        ),
      ),
    );
  }
  return out;
}

/** Step 1-2: sample responses for the problems (each `samplesPerPrompt` times) and score them. */
export async function collectRollouts(
  policy: Transformer,
  reference: Transformer,
  tokenizer: Tokenizer,
  problems: readonly Problem[],
  config: PpoConfig,
  promptFormat: PromptFormat,
  rng: Rng,
): Promise<Rollout[]> {
  const expanded = problems.flatMap((p) => new Array<Problem>(config.samplesPerPrompt).fill(p));
  const prompts = expanded.map((p) => tokenizer.encode(formatPrompt(p, promptFormat)));
  const sampled = await sample(
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
  const refLogprobs = await responseLogprobs(
    reference,
    prompts.map((prompt, i) => ({ prompt, response: sampled.tokens[i] })),
    tokenizer.padId,
    64,
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

/** Step 4: PPO epochs over shuffled minibatches of the rollouts. */
export async function ppoUpdate(
  policy: Transformer,
  optimizer: AdamW,
  rollouts: readonly Rollout[],
  advantages: readonly number[][],
  returns: readonly number[][],
  config: PpoConfig,
  rng: Rng,
  padId: number,
): Promise<UpdateStats> {
  const useValues = config.advantage === 'gae' && policy.hasValueHead;
  const sums = { policyLoss: 0, valueLoss: 0, entropy: 0, approxKl: 0, clipFraction: 0, gradNorm: 0 };
  let updates = 0;
  let tokens = 0;
  const t0 = performance.now();
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    const order = rng.shuffled(rollouts.map((_, i) => i));
    const size = Math.ceil(order.length / config.minibatches);
    for (let start = 0; start < order.length; start += size) {
      const idx = order.slice(start, start + size);
      const mb = idx.map((i) => rollouts[i]);
      const packed = pack(
        mb.map((r) => ({ ids: [...r.prompt, ...r.response], lossFrom: r.prompt.length })),
        padId,
      );
      const starts = mb.map((r) => r.prompt.length);
      const W = packed.width - 1;
      const grid = (rows: readonly (readonly number[])[]) =>
        tf.tensor2d(onGrid(rows, starts, packed.width), [mb.length, W]);
      // The loss parts are kept out of the gradient tape's scope (tf.keep) to report them.
      let parts: tf.Scalar[] = [];
      const stats = tf.tidy(() => {
        const { inputs, targets, mask } = toTensors(packed);
        const oldLogprobs = grid(mb.map((r) => r.logprobs));
        const adv = grid(idx.map((i) => advantages[i]));
        const oldValues = grid(mb.map((r) => r.values));
        const rets = grid(idx.map((i) => returns[i]));
        const { grads } = gradients(
          policy,
          () => {
            const out = policy.forward(inputs, { values: useValues });
            const logits = tempered(out.logits, config.temperature);
            const l = ppoLosses(
              {
                logprobs: tokenLogprobs(logits, targets),
                oldLogprobs,
                advantages: adv,
                entropy: tokenEntropy(logits),
                mask,
                ...(useValues ? { values: out.values, oldValues, returns: rets } : {}),
              },
              config.clip,
              config.valueClip,
            );
            parts = [l.policyLoss, l.valueLoss, l.entropy, l.approxKl, l.clipFraction].map((t) => tf.keep(t));
            // loss = policy loss - c_ent * entropy + c_v * value loss
            return tf.add(
              tf.sub(l.policyLoss, tf.mul(config.entropyCoef, l.entropy)),
              tf.mul(config.valueCoef, l.valueLoss),
            ) as tf.Scalar;
          },
          useValues,
        );
        const gradNorm = optimizer.apply(grads, config.lr);
        return tf.stack([...parts, gradNorm]);
      });
      tf.dispose(parts);
      const [pl, vl, ent, kl, cf, gn] = Array.from((await stats.data()) as Float32Array);
      stats.dispose();
      sums.policyLoss += pl;
      sums.valueLoss += vl;
      sums.entropy += ent;
      sums.approxKl += kl;
      sums.clipFraction += cf;
      sums.gradNorm += gn;
      updates++;
      tokens += packed.mask.flat().reduce((a, x) => a + x, 0);
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
