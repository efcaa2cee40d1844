// Sampling with a per-layer KV cache, for a batch of prompts of different lengths.
//
// Prompts are left-padded to a common length; padding is masked out of attention and positions
// count only real tokens, so each row is computed exactly as if it were alone. After one forward
// pass over the prompts (the prefill), each step feeds one token per row and appends its keys and
// values to the cache. Tokens are drawn on the host from downloaded logits with the seeded Rng
// (never tf.multinomial, which returns 0 for its first sample on webgpu), and tensors are only read
// with `await data()`.

import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng';
import { disposeCache, type KVCache, type Transformer } from './transformer';

export interface SampleOptions {
  /** Most new tokens per row; a row also stops at `eosId`. */
  maxNewTokens: number;
  eosId: number;
  padId: number;
  /** Softmax temperature (1 = the model's distribution). Ignored when greedy. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 = all). */
  topK?: number;
  greedy?: boolean;
  /** Also return the value head's estimate before each sampled token. */
  values?: boolean;
  /** Also return the full logits behind every sampled token (for inspection and tests). */
  keepLogits?: boolean;
}

export interface SampleResult {
  /** Generated ids per row, including the final eos when the row stopped at one. */
  tokens: number[][];
  /** log p(token) under the sampling distribution (temperature applied, before top-k truncation). */
  logprobs: number[][];
  /** Value estimates for the state before each generated token (when asked). */
  values?: number[][];
  /** Whether each row ended with eos (false: cut by maxNewTokens). */
  finished: boolean[];
  /** With keepLogits: the logits [V] that each sampled token was drawn from. */
  logits?: Float32Array[][];
}

/** exp(logit / T - max) of the row being drawn: one buffer, grown as needed, so a draw allocates nothing. */
let weightsBuffer = new Float64Array(0);

/** Draw one token from logits on the host; returns the token and its log-probability. */
export function drawToken(
  logits: Float32Array,
  offset: number,
  vocab: number,
  rng: Rng,
  temperature: number,
  topK: number,
  greedy: boolean,
): { token: number; logprob: number } {
  const t = greedy ? 1 : temperature;
  if (!(t > 0)) throw new Error(`temperature must be positive, got ${temperature}`);
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i] / t);
  if (weightsBuffer.length < vocab) weightsBuffer = new Float64Array(vocab);
  const w = weightsBuffer;
  // Each exp once: the normalizer and (without top-k) the sampling weights, summed in token order.
  let z = 0;
  for (let i = 0; i < vocab; i++) {
    w[i] = Math.exp(logits[offset + i] / t - max);
    z += w[i];
  }
  const logZ = max + Math.log(z);
  // NaN or infinite logits: the weights have diverged, and a token drawn from them would be noise
  // with a NaN log-prob that PPO would then train on.
  if (!Number.isFinite(logZ))
    throw new Error(
      'the model produced non-finite logits (NaN or infinity): training has diverged; lower the learning rate or start again from a checkpoint',
    );
  let token = 0;
  if (greedy) {
    for (let i = 1; i < vocab; i++) if (logits[offset + i] > logits[offset + token]) token = i;
  } else if (topK > 0 && topK < vocab) {
    // Restrict to the top k, then invert the CDF with one uniform draw.
    const ids = Array.from({ length: vocab }, (_, i) => i)
      .sort((a, b) => logits[offset + b] - logits[offset + a] || a - b)
      .slice(0, topK);
    let mass = 0;
    for (const i of ids) mass += w[i];
    let u = rng.float() * mass;
    token = ids[ids.length - 1];
    for (const i of ids) {
      u -= w[i];
      if (u < 0) {
        token = i;
        break;
      }
    }
  } else {
    // Invert the CDF with one uniform draw.
    let u = rng.float() * z;
    token = vocab - 1;
    for (let i = 0; i < vocab; i++) {
      u -= w[i];
      if (u < 0) {
        token = i;
        break;
      }
    }
  }
  return { token, logprob: logits[offset + token] / t - logZ };
}

/** Left-pad prompts; returns ids [B, P], key mask [B, P] and positions [B, P] as plain arrays. */
export function leftPad(
  prompts: readonly (readonly number[])[],
  padId: number,
): { ids: number[][]; mask: number[][]; positions: number[][]; width: number } {
  const width = Math.max(...prompts.map((p) => p.length));
  if (prompts.some((p) => p.length === 0)) throw new Error('every prompt needs at least one token');
  const ids: number[][] = [];
  const mask: number[][] = [];
  const positions: number[][] = [];
  for (const p of prompts) {
    const pad = width - p.length;
    ids.push([...new Array(pad).fill(padId), ...p]);
    mask.push([...new Array(pad).fill(0), ...new Array(p.length).fill(1)]);
    positions.push([...new Array(pad).fill(0), ...p.map((_, j) => j)]);
  }
  return { ids, mask, positions, width };
}

interface Step {
  logits: tf.Tensor; // [B, V] at the last position
  values: tf.Tensor; // [B]
  cache: KVCache;
}

/** tf.tidy for a decoding step: everything but the returned tensors is freed. */
function tidyStep(fn: () => Step): Step {
  return tf.tidy(() => fn() as unknown as tf.TensorContainerObject) as unknown as Step;
}

/** Generate completions for a batch of prompts (token ids). */
export async function sample(
  model: Transformer,
  prompts: readonly (readonly number[])[],
  options: SampleOptions,
  rng: Rng,
): Promise<SampleResult> {
  const B = prompts.length;
  const V = model.config.vocabSize;
  const temperature = options.temperature ?? 1;
  const topK = options.topK ?? 0;
  const greedy = options.greedy ?? false;
  const wantValues = options.values ?? false;
  const { ids, mask, positions, width } = leftPad(prompts, options.padId);
  if (width + options.maxNewTokens > model.config.maxPositions) {
    throw new Error(
      `prompt (${width}) + maxNewTokens (${options.maxNewTokens}) exceeds the model's ${model.config.maxPositions} positions`,
    );
  }

  const result: SampleResult = {
    tokens: prompts.map(() => []),
    logprobs: prompts.map(() => []),
    finished: new Array(B).fill(false),
  };
  if (wantValues) result.values = prompts.map(() => []);
  if (options.keepLogits) result.logits = prompts.map(() => []);
  const keyMask: number[][] = mask.map((row) => [...row]);
  const nextPos = positions.map((row) => row[row.length - 1] + 1);

  // Prefill: the prompts in one pass; keep the cache and the last position's outputs.
  let step = tidyStep(() => {
    const out = model.forward(tf.tensor2d(ids, [B, width], 'int32'), {
      positions: tf.tensor2d(positions, [B, width], 'int32'),
      keyMask: tf.tensor2d(keyMask, [B, width], 'int32'),
      cache: model.emptyCache(B),
      values: wantValues,
    });
    return {
      logits: out.logits.slice([0, width - 1, 0], [B, 1, V]).reshape([B, V]),
      values: out.values ? out.values.slice([0, width - 1], [B, 1]).reshape([B]) : tf.zeros([B]),
      cache: out.cache as KVCache,
    };
  });

  try {
    for (let t = 0; t < options.maxNewTokens; t++) {
      const logits = (await step.logits.data()) as Float32Array;
      const values = wantValues ? ((await step.values.data()) as Float32Array) : null;
      const feed: number[] = new Array(B).fill(options.padId);
      for (let b = 0; b < B; b++) {
        if (result.finished[b]) continue;
        const { token, logprob } = drawToken(logits, b * V, V, rng, temperature, topK, greedy);
        result.tokens[b].push(token);
        result.logprobs[b].push(logprob);
        if (values && result.values) result.values[b].push(values[b]);
        if (result.logits) result.logits[b].push(logits.slice(b * V, (b + 1) * V));
        if (token === options.eosId) result.finished[b] = true;
        else feed[b] = token;
      }
      if (result.finished.every(Boolean) || t === options.maxNewTokens - 1) break;
      // One decode step: rows that are done feed padding, masked out of every later attention.
      for (let b = 0; b < B; b++) keyMask[b].push(result.finished[b] ? 0 : 1);
      const prev = step;
      step = tidyStep(() => {
        const out = model.forward(tf.tensor2d(feed, [B, 1], 'int32'), {
          positions: tf.tensor2d(
            nextPos.map((p) => [p]),
            [B, 1],
            'int32',
          ),
          keyMask: tf.tensor2d(keyMask, [B, keyMask[0].length], 'int32'),
          cache: prev.cache,
          values: wantValues,
        });
        return {
          logits: out.logits.reshape([B, V]),
          values: out.values ? out.values.reshape([B]) : tf.zeros([B]),
          cache: out.cache as KVCache,
        };
      });
      prev.logits.dispose();
      prev.values.dispose();
      disposeCache(prev.cache);
      for (let b = 0; b < B; b++) nextPos[b]++;
    }
  } finally {
    step.logits.dispose();
    step.values.dispose();
    disposeCache(step.cache);
  }
  return result;
}

/** Reference decoding without a cache: a full forward pass over everything so far, every step. */
export async function sampleWithoutCache(
  model: Transformer,
  prompts: readonly (readonly number[])[],
  options: SampleOptions,
  rng: Rng,
): Promise<SampleResult> {
  const B = prompts.length;
  const V = model.config.vocabSize;
  const rows = prompts.map((p) => [...p]);
  const result: SampleResult = {
    tokens: prompts.map(() => []),
    logprobs: prompts.map(() => []),
    finished: new Array(B).fill(false),
  };
  for (let t = 0; t < options.maxNewTokens; t++) {
    const { ids, mask, positions, width } = leftPad(rows, options.padId);
    const last = tf.tidy(() => {
      const out = model.forward(tf.tensor2d(ids, [B, width], 'int32'), {
        positions: tf.tensor2d(positions, [B, width], 'int32'),
        keyMask: tf.tensor2d(mask, [B, width], 'int32'),
      });
      return out.logits.slice([0, width - 1, 0], [B, 1, V]).reshape([B, V]);
    });
    const logits = (await last.data()) as Float32Array;
    last.dispose();
    for (let b = 0; b < B; b++) {
      if (result.finished[b]) continue;
      const { token, logprob } = drawToken(
        logits,
        b * V,
        V,
        rng,
        options.temperature ?? 1,
        options.topK ?? 0,
        options.greedy ?? false,
      );
      result.tokens[b].push(token);
      result.logprobs[b].push(logprob);
      rows[b].push(token);
      if (token === options.eosId) result.finished[b] = true;
    }
    if (result.finished.every(Boolean)) break;
  }
  return result;
}
