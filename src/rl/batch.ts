// Sequences to tensors: right-padded token ids [B, T] and a mask [B, T-1] over the predicted
// positions (position t predicts token t + 1) that the loss should count.

import * as tf from '@tensorflow/tfjs';

export interface Sequence {
  ids: readonly number[];
  /** Index of the first token the loss counts (the first completion token). */
  lossFrom: number;
}

export interface PackedBatch {
  ids: number[][];
  mask: number[][];
  width: number;
}

export function pack(seqs: readonly Sequence[], padId: number): PackedBatch {
  const width = Math.max(2, ...seqs.map((s) => s.ids.length));
  return {
    ids: seqs.map((s) => [...s.ids, ...new Array(width - s.ids.length).fill(padId)]),
    mask: seqs.map((s) =>
      Array.from({ length: width - 1 }, (_, t) => (t + 1 >= s.lossFrom && t + 1 < s.ids.length ? 1 : 0)),
    ),
    width,
  };
}

/** The tokens the loss counts in a sequence: the ones of its row of pack's mask. */
export function countedTokens(s: Sequence): number {
  return Math.max(0, s.ids.length - Math.max(1, s.lossFrom));
}

/** The packed batch as tensors: inputs [B, T-1], targets [B, T-1], mask [B, T-1]. */
export function toTensors(b: PackedBatch): { inputs: tf.Tensor2D; targets: tf.Tensor2D; mask: tf.Tensor2D } {
  const B = b.ids.length;
  const T = b.width;
  return tf.tidy(() => {
    const ids = tf.tensor2d(b.ids, [B, T], 'int32');
    return {
      inputs: ids.slice([0, 0], [B, T - 1]) as tf.Tensor2D,
      targets: ids.slice([0, 1], [B, T - 1]) as tf.Tensor2D,
      mask: tf.tensor2d(b.mask, [B, T - 1]),
    };
  });
}

/** Lay out per-token values of each row's completion onto the [B, T-1] grid (zeros elsewhere). */
export function onGrid(
  rows: readonly (readonly number[])[],
  starts: readonly number[],
  width: number,
): number[][] {
  return rows.map((row, b) => {
    const out = new Array<number>(width - 1).fill(0);
    row.forEach((x, j) => {
      const t = starts[b] - 1 + j;
      if (t >= 0 && t < width - 1) out[t] = x;
    });
    return out;
  });
}
