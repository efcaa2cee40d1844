// Teacher forcing: what a model gives the tokens of known sequences, at the sampling temperature.

import * as tf from '@tensorflow/tfjs';
import { tokenLogprobs } from '../model/logprobs';
import type { Transformer } from '../model/transformer';
import { pack, toTensors } from './batch';

/** The logits of the distribution sampled at temperature T (the sampler divides the same way). */
export function tempered(logits: tf.Tensor3D, temperature: number): tf.Tensor3D {
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
