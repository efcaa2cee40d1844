// Supervised fine-tuning ("priming"): next-token cross-entropy on completion tokens only, batches of
// similar length, AdamW with linear warmup (and an optional cooldown) and gradient-norm clipping, and a
// held-out loss.

import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng';
import { maskedMean, tokenLogprobs } from '../model/logprobs';
import type { Tokenizer } from '../model/tokenizer';
import type { Transformer } from '../model/transformer';
import { countedTokens, pack, toTensors, type Sequence } from './batch';
import { addGradients, gradients } from './grads';
import { AdamW, primingLr, type OptimizerState } from './optim';

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
  /** Told the optimizer's state when `checkpoint` stops the run: what `from` resumes it with. */
  onStop?: (state: OptimizerState) => void | Promise<void>;
  /**
   * Asked after each step but the last: true to be told the optimizer's state now (`onKeep`), so a
   * run killed later can go on from here as if stopped here.
   */
  keep?: () => boolean;
  onKeep?: (state: OptimizerState) => void | Promise<void>;
}

export interface SftOptions {
  /** Padded tokens × layers × hidden size a part of a batch may hold (SFT_ACTIVATION_LIMIT). */
  activationLimit?: number;
  /**
   * Go on from a stopped run (its model already in `model`): the optimizer's saved state, whose step
   * counts the steps done. The same examples and rng replay the same batches, so the resumed run
   * takes the steps the whole one would have taken.
   */
  from?: OptimizerState;
  /**
   * Computes a batch's gradients in place of `batchGradients` (the CLI's two-core priming,
   * src/cli/gradient-worker.ts); it must return what `batchGradients` would.
   */
  gradients?: (rows: readonly Sequence[]) => Promise<BatchGradients>;
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
 * What a priming batch may hold on wasm, as padded tokens × layers × hidden size: nano's 32 rows of
 * 512 tokens fill it, while micro crashed at 16 rows of 490 (measured 2026-12-06, docs/REPLICATION.md
 * item 85). A larger batch runs in parts whose gradients add up to the whole batch's.
 */
export const SFT_ACTIVATION_LIMIT = 32 * 512 * 2 * 64;

/**
 * Mean completion-token cross-entropy of the model on sequences (no gradients), in batches of
 * similar length of at most `maxRows` rows and `maxTokens` padded tokens (by default what
 * SFT_ACTIVATION_LIMIT allows: 16,384 for nano): one 1,000-token trace would pad a batch of 64
 * random ones to a gigabyte of attention scores.
 */
export async function evaluateLoss(
  model: Transformer,
  seqs: readonly Sequence[],
  padId: number,
  {
    maxRows = 64,
    maxTokens = SFT_ACTIVATION_LIMIT / (model.config.numLayers * model.config.hiddenSize),
  }: { maxRows?: number; maxTokens?: number } = {},
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

export interface BatchGradients {
  loss: tf.Scalar;
  grads: Map<string, tf.Tensor>;
  /** Counted (completion) tokens of the batch. */
  tokens: number;
}

/**
 * The gradients of a batch's mean completion-token loss, in parts of at most `limit` padded tokens ×
 * layers × hidden size: each part's mean weighted by its share of the batch's counted tokens, so the
 * sum is the gradient of the whole batch's mean (one part: the batch at once, weight exactly 1).
 */
export function batchGradients(
  model: Transformer,
  rows: readonly Sequence[],
  padId: number,
  limit: number,
): BatchGradients {
  const width = Math.max(2, ...rows.map((r) => r.ids.length));
  const perPart = Math.max(1, Math.floor(limit / (width * model.config.numLayers * model.config.hiddenSize)));
  const tokens = rows.reduce((n, r) => n + countedTokens(r), 0);
  const total = Math.max(1, tokens);
  let loss: tf.Scalar | null = null;
  let summed: Map<string, tf.Tensor> | null = null;
  for (let i = 0; i < rows.length; i += perPart) {
    const part = rows.slice(i, i + perPart);
    const share = part.reduce((n, r) => n + countedTokens(r), 0) / total;
    const packed = pack(part, padId);
    // A plain object: tf.tidy keeps the tensors of the objects it returns, not of a Map's.
    const out = tf.tidy(() => {
      const { inputs, targets, mask } = toTensors(packed);
      const { value, grads } = gradients(
        model,
        () =>
          tf.mul(
            tf.neg(maskedMean(tokenLogprobs(model.forward(inputs).logits, targets), mask)),
            share,
          ) as tf.Scalar,
        false,
      );
      return { value, grads: Object.fromEntries(grads) };
    });
    summed = addGradients(summed, new Map(Object.entries(out.grads)));
    if (loss === null) loss = out.value;
    else {
      const previous: tf.Scalar = loss;
      loss = tf.add(previous, out.value);
      tf.dispose([previous, out.value]);
    }
  }
  if (loss === null || summed === null) throw new Error('a priming batch has no rows');
  return { loss, grads: summed, tokens };
}

/** Prime a model on examples. Returns the last progress report. */
export async function runSft(
  model: Transformer,
  tokenizer: Tokenizer,
  examples: readonly SftExample[],
  config: SftConfig,
  rng: Rng,
  hooks: SftHooks = {},
  {
    activationLimit = SFT_ACTIVATION_LIMIT,
    from,
    gradients = async (rows) => batchGradients(model, rows, tokenizer.padId, activationLimit),
  }: SftOptions = {},
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
  if (from)
    try {
      if (from.step > totalSteps)
        throw new Error(`the stopped priming took ${from.step} steps, more than its ${totalSteps}`);
      optimizer.setState(from);
    } catch (err) {
      optimizer.dispose();
      throw err;
    }
  const done = from?.step ?? 0;
  let last: SftProgress = {
    step: done,
    totalSteps,
    epoch: Math.ceil(done / stepsPerEpoch),
    loss: NaN,
    lr: 0,
    gradNorm: 0,
    tokensPerSecond: 0,
  };
  let step = 0;
  // Asked before each step and after the last: a stop during the last step keeps the whole priming.
  const stopHere = async (): Promise<boolean> => {
    if (!hooks.checkpoint || !(await hooks.checkpoint())) return false;
    await hooks.onStop?.(await optimizer.getState());
    return true;
  };
  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      // Drawn for every epoch, resumed or not: the rng then stands where the whole run's would.
      const batches = lengthBatches(train, config.batchSize, rng);
      for (let b = 0; b < batches.length; b++) {
        if (step < done) {
          step++;
          continue;
        }
        if (await stopHere()) return last;
        const t0 = performance.now();
        const rows = batches[b].map((i) => train[i]);
        const lr = primingLr(config.lr, step, warmup, cooldownFrom);
        const { loss: lossT, grads, tokens } = await gradients(rows);
        const normT = optimizer.apply(grads, lr);
        tf.dispose([...grads.values()]);
        const loss = (await lossT.data())[0];
        const gradNorm = (await normT.data())[0];
        tf.dispose([lossT, normT]);
        step++;
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
        if (step < totalSteps && hooks.onKeep && hooks.keep?.())
          await hooks.onKeep(await optimizer.getState());
      }
    }
    await stopHere();
    return last;
  } finally {
    optimizer.dispose();
  }
}
