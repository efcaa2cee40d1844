// Supervised fine-tuning ("priming"): next-token cross-entropy on completion tokens only, batches of
// similar length, AdamW with linear warmup (and an optional cooldown) and gradient-norm clipping, and a
// held-out loss.

import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng';
import { maskedMean, tokenLogprobs } from '../model/logprobs';
import type { Tokenizer } from '../model/tokenizer';
import type { Transformer } from '../model/transformer';
import { pack, toTensors, type Sequence } from './batch';
import { gradients } from './grads';
import { AdamW, primingLr } from './optim';

export interface SftConfig {
  epochs: number;
  lr: number;
  batchSize: number;
  /** Share of all steps spent warming the learning rate up from 0. */
  warmup: number;
  weightDecay: number;
  gradClip: number;
  /** Share of the examples held out for the held-out loss. */
  heldOut: number;
  /** Share of all steps, at the end, run at a tenth of the rate (0: none). */
  cooldown?: number;
}

export const DEFAULT_SFT: SftConfig = {
  epochs: 3,
  lr: 3e-3,
  batchSize: 32,
  warmup: 0.1,
  weightDecay: 0.01,
  gradClip: 1.0,
  heldOut: 0.1,
};

export interface SftExample {
  query: string;
  completion: string;
}

export interface SftProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerSecond: number;
  /** Mean completion-token loss on the held-out examples (at the end of each epoch). */
  heldOutLoss?: number;
}

export interface SftHooks {
  onProgress?: (p: SftProgress) => void | Promise<void>;
  /** Awaited between steps: resolves when the run may go on (pause), returns true to stop. */
  checkpoint?: () => Promise<boolean>;
}

/** Prompt + completion + eos, with the loss starting at the completion. */
export function toSequence(tokenizer: Tokenizer, e: SftExample): Sequence {
  const prompt = tokenizer.encode(e.query);
  return { ids: [...prompt, ...tokenizer.encode(e.completion), tokenizer.eosId], lossFrom: prompt.length };
}

/** Batches of similar length (little padding), in a shuffled order. */
export function lengthBatches(seqs: readonly Sequence[], batchSize: number, rng: Rng): number[][] {
  const order = rng.shuffled(seqs.map((_, i) => i)).sort((a, b) => seqs[a].ids.length - seqs[b].ids.length);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return rng.shuffled(batches);
}

/**
 * Mean completion-token cross-entropy of the model on sequences (no gradients), in batches of
 * similar length of at most `maxRows` rows and `maxTokens` padded tokens: one 1,000-token trace
 * would pad a batch of 64 random ones to a gigabyte of attention scores.
 */
export async function evaluateLoss(
  model: Transformer,
  seqs: readonly Sequence[],
  padId: number,
  { maxRows = 64, maxTokens = 16_384 }: { maxRows?: number; maxTokens?: number } = {},
): Promise<number> {
  const order = seqs.map((_, i) => i).sort((a, b) => seqs[a].ids.length - seqs[b].ids.length);
  let total = 0;
  let count = 0;
  for (let i = 0; i < order.length;) {
    // Shortest first, so a batch is as wide as its last row; a row too long for maxTokens goes alone.
    let j = i + 1;
    while (j < order.length && j - i < maxRows && (j - i + 1) * seqs[order[j]].ids.length <= maxTokens) j++;
    const packed = pack(
      order.slice(i, j).map((k) => seqs[k]),
      padId,
    );
    i = j;
    const [sum, n] = tf.tidy(() => {
      const { inputs, targets, mask } = toTensors(packed);
      const logp = tokenLogprobs(model.forward(inputs).logits, targets);
      return [tf.neg(tf.sum(tf.mul(logp, mask))), tf.sum(mask)];
    });
    total += (await sum.data())[0];
    count += (await n.data())[0];
    tf.dispose([sum, n]);
  }
  return count > 0 ? total / count : NaN;
}

/** Prime a model on examples. Returns the last progress report. */
export async function runSft(
  model: Transformer,
  tokenizer: Tokenizer,
  examples: readonly SftExample[],
  config: SftConfig,
  rng: Rng,
  hooks: SftHooks = {},
): Promise<SftProgress> {
  const seqs = examples.map((e) => toSequence(tokenizer, e));
  const order = rng.shuffled(seqs.map((_, i) => i));
  const nHeld = Math.min(Math.floor(seqs.length * config.heldOut), seqs.length - 1);
  const heldOut = order.slice(0, nHeld).map((i) => seqs[i]);
  const train = order.slice(nHeld).map((i) => seqs[i]);
  const stepsPerEpoch = Math.ceil(train.length / config.batchSize);
  const totalSteps = stepsPerEpoch * config.epochs;
  const warmup = Math.round(totalSteps * config.warmup);
  const cooldownFrom = totalSteps - Math.round(totalSteps * (config.cooldown ?? 0));
  const policyParams = new Map([...model.params].filter(([n]) => !n.startsWith('value_head')));
  const optimizer = new AdamW(policyParams, { weightDecay: config.weightDecay, gradClip: config.gradClip });
  let last: SftProgress = {
    step: 0,
    totalSteps,
    epoch: 0,
    loss: NaN,
    lr: 0,
    gradNorm: 0,
    tokensPerSecond: 0,
  };
  let step = 0;
  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const batches = lengthBatches(train, config.batchSize, rng);
      for (let b = 0; b < batches.length; b++) {
        if (hooks.checkpoint && (await hooks.checkpoint())) return last;
        const t0 = performance.now();
        const packed = pack(
          batches[b].map((i) => train[i]),
          tokenizer.padId,
        );
        const lr = primingLr(config.lr, step, warmup, cooldownFrom);
        const [lossT, normT] = tf.tidy(() => {
          const { inputs, targets, mask } = toTensors(packed);
          const { value, grads } = gradients(
            model,
            () => tf.neg(maskedMean(tokenLogprobs(model.forward(inputs).logits, targets), mask)),
            false,
          );
          return [value, optimizer.apply(grads, lr)];
        });
        const loss = (await lossT.data())[0];
        const gradNorm = (await normT.data())[0];
        tf.dispose([lossT, normT]);
        step++;
        const tokens = packed.mask.flat().reduce((a, x) => a + x, 0);
        last = {
          step,
          totalSteps,
          epoch: epoch + 1,
          loss,
          lr,
          gradNorm,
          tokensPerSecond: tokens / ((performance.now() - t0) / 1000),
        };
        if (b === batches.length - 1 && heldOut.length > 0)
          last.heldOutLoss = await evaluateLoss(model, heldOut, tokenizer.padId);
        await hooks.onProgress?.(last);
      }
    }
    return last;
  } finally {
    optimizer.dispose();
  }
}
