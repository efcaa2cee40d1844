// The two figures every benchmark row reports, shared by Node (bench/run.ts) and the browser
// section (bench/browser/): decode tokens/s with the sampler, and train tokens/s of one SFT step.
import * as tf from '@tensorflow/tfjs';
import { primeData } from '../src/behaviors';
import { labTokenizer } from '../src/behaviors/vocabulary';
import { maskedMean, sample, sampleWithoutCache, tokenLogprobs, Transformer } from '../src/model';
import { Rng } from '../src/util/rng';

export const tok = labTokenizer();
export const SEQ = 128; // a primed trace with its prompt is 60-150 tokens
export const TRAIN_BATCH = 32;
export const DECODE_BATCH = 4;

// The decode prompts: the compact prompts of DECODE_BATCH problems (the batch is padded to the longest).
export const prompts = primeData({
  condition: 'all_strategies',
  n: DECODE_BATCH,
  seed: 1,
  preset: 'paper',
}).map((e) => tok.encode(e.query));

/** Tokens per second decoding `newTokens` for each of the DECODE_BATCH prompts. */
export async function decodeRate(model: Transformer, cached: boolean, newTokens: number): Promise<number> {
  const options = { maxNewTokens: newTokens, eosId: -1, padId: tok.padId };
  const t0 = performance.now();
  if (cached) await sample(model, prompts, options, new Rng(1));
  else await sampleWithoutCache(model, prompts, options, new Rng(1));
  return (DECODE_BATCH * newTokens) / ((performance.now() - t0) / 1000);
}

/** Tokens per second of forward + cross-entropy + backward + Adam on `batch` x SEQ tokens, after a warm-up step. */
export async function trainRate(model: Transformer, batch: number, steps: number): Promise<number> {
  const ids = tf.tensor2d(
    Array.from({ length: batch }, (_, b) =>
      Array.from({ length: SEQ }, (_, t) => (b * 7 + t * 13) % tok.size),
    ),
    [batch, SEQ],
    'int32',
  );
  const mask = tf.ones([batch, SEQ - 1]);
  const opt = tf.train.adam(1e-3);
  const loss = () => {
    const { logits } = model.forward(ids.slice([0, 0], [batch, SEQ - 1]) as tf.Tensor2D);
    return tf.neg(
      maskedMean(tokenLogprobs(logits, ids.slice([0, 1], [batch, SEQ - 1]) as tf.Tensor2D), mask),
    ) as tf.Scalar;
  };
  const step = async () => {
    const l = opt.minimize(loss, true, model.variables(false)) as tf.Scalar;
    await l.data();
    l.dispose();
  };
  await step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const rate = (batch * (SEQ - 1) * steps) / ((performance.now() - t0) / 1000);
  tf.dispose([ids, mask]);
  opt.dispose();
  return rate;
}
