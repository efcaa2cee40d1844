import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  Transformer,
  modelConfig,
  tokenLogprobs,
  maskedMean,
  saveCheckpoint,
  type CheckpointFiles,
  type SizePreset,
} from '../../src/model';
import { labTokenizer } from '../../src/behaviors/vocabulary';

export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  tf.env().set('PROD', true);
  await tf.setBackend(name);
  await tf.ready();
}

export const tokenizer = labTokenizer();

export function tinyModel(seed = 1, size: SizePreset = 'nano'): Transformer {
  return Transformer.init(modelConfig(tokenizer.size, size), seed);
}

/**
 * Right-pad token rows into ids [B, T] and a loss mask [B, T-1] over the predicted positions; with
 * `from`, only tokens at index >= from[b] (the completion) are predicted.
 */
export function batch(
  rows: number[][],
  from: number[] = [],
): { ids: number[][]; mask: number[][]; T: number } {
  const T = Math.max(...rows.map((r) => r.length));
  return {
    ids: rows.map((r) => [...r, ...new Array(T - r.length).fill(tokenizer.padId)]),
    mask: rows.map((r, b) =>
      Array.from({ length: T - 1 }, (_, i) => (i + 1 < r.length && i + 1 >= (from[b] ?? 1) ? 1 : 0)),
    ),
    T,
  };
}

/** Mean next-token cross-entropy over the masked positions. */
export function lmLoss(model: Transformer, ids: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
  const [B, T] = ids.shape;
  const { logits } = model.forward(ids.slice([0, 0], [B, T - 1]) as tf.Tensor2D);
  const targets = ids.slice([0, 1], [B, T - 1]) as tf.Tensor2D;
  return tf.neg(maskedMean(tokenLogprobs(logits, targets), mask));
}

/** A random model with sharp, varied predictions (raw init is nearly uniform, so greedy would repeat one token). */
export async function peakyCheckpoint(seed: number): Promise<CheckpointFiles> {
  const model = tinyModel(seed);
  for (const v of model.params.values()) if (v.shape.length === 2) v.assign(tf.tidy(() => tf.mul(v, 6)));
  const files = await saveCheckpoint(model, tokenizer, { prompt_format: 'compact' });
  model.dispose();
  return files;
}
