import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenLogprobsAndEntropy } from '../../src/model';
import { Rng } from '../../src/util/rng';
import { useBackend } from './helpers';

// The fused log-prob and entropy (its gradient written out) against autodiff through the textbook
// formulas, and against finite differences.
const composed = (z: tf.Tensor3D, t: tf.Tensor2D) => {
  const logp = tf.logSoftmax(z);
  return {
    logprobs: tf.sum(tf.mul(logp, tf.oneHot(t, z.shape[2]).cast('float32')), -1),
    entropy: tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1)),
  };
};

function problem(seed: number, B: number, T: number, V: number, scale: number) {
  const rng = new Rng(seed);
  const z = tf.tensor3d(
    Array.from({ length: B * T * V }, () => rng.normal() * scale),
    [B, T, V],
  );
  const t = tf.tensor2d(
    Array.from({ length: B * T }, () => rng.int(0, V - 1)),
    [B, T],
    'int32',
  );
  // A loss that weighs every position's log-prob and entropy differently.
  const a = tf.tensor2d(
    Array.from({ length: B * T }, () => rng.normal()),
    [B, T],
  );
  const b = tf.tensor2d(
    Array.from({ length: B * T }, () => rng.normal()),
    [B, T],
  );
  return { z, t, a, b };
}

const lossOf =
  (f: typeof tokenLogprobsAndEntropy, t: tf.Tensor2D, a: tf.Tensor2D, b: tf.Tensor2D) =>
  (z: tf.Tensor): tf.Scalar => {
    const { logprobs, entropy } = f(z as tf.Tensor3D, t);
    return tf.add(tf.sum(tf.mul(logprobs, a)), tf.sum(tf.mul(entropy, b))) as tf.Scalar;
  };

describe.each(['cpu', 'wasm'] as const)('tokenLogprobsAndEntropy on %s', (backend) => {
  afterAll(() => tf.disposeVariables());

  it('equals log-softmax and -sum p log p, and their autodiff gradient, over many seeds', async () => {
    await useBackend(backend);
    for (let seed = 1; seed <= 12; seed++) {
      // Peaked rows too (scale 30): there most p underflow, and log max p must stay finite.
      const scale = [0.5, 3, 30][seed % 3];
      const { z, t, a, b } = problem(seed, 2, 5, 37, scale);
      const fused = tokenLogprobsAndEntropy(z, t);
      const ref = composed(z, t);
      const gFused = tf.grad(lossOf(tokenLogprobsAndEntropy, t, a, b))(z);
      const gRef = tf.grad(lossOf(composed as typeof tokenLogprobsAndEntropy, t, a, b))(z);
      const tol = 1e-4 * Math.max(1, scale);
      for (const [x, y] of [
        [fused.logprobs, ref.logprobs],
        [fused.entropy, ref.entropy],
        [gFused, gRef],
      ] as const) {
        const [xs, ys] = [await x.data(), await y.data()];
        expect(xs.length).toBe(ys.length);
        for (let i = 0; i < xs.length; i++) expect(Math.abs(xs[i] - ys[i])).toBeLessThan(tol);
      }
      tf.dispose([z, t, a, b, fused.logprobs, fused.entropy, ref.logprobs, ref.entropy, gFused, gRef]);
    }
  });

  it('has the gradient finite differences give', async () => {
    await useBackend(backend);
    const { z, t, a, b } = problem(99, 1, 3, 7, 2);
    const loss = lossOf(tokenLogprobsAndEntropy, t, a, b);
    const g = await tf.grad(loss)(z).data();
    const base = Array.from(await z.data());
    const h = 1e-2;
    for (let i = 0; i < base.length; i++) {
      const at = async (d: number) => {
        const shifted = base.slice();
        shifted[i] += d;
        const zz = tf.tensor3d(shifted, z.shape as [number, number, number]);
        const v = (await loss(zz).data())[0];
        zz.dispose();
        return v;
      };
      const numeric = ((await at(h)) - (await at(-h))) / (2 * h);
      expect(Math.abs(numeric - g[i])).toBeLessThan(2e-3);
    }
    tf.dispose([z, t, a, b]);
  });

  it('leaves no tensors behind', async () => {
    await useBackend(backend);
    const { z, t, a, b } = problem(5, 2, 4, 11, 1);
    const before = tf.memory().numTensors;
    for (let k = 0; k < 5; k++) tf.tidy(() => tf.grad(lossOf(tokenLogprobsAndEntropy, t, a, b))(z)).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([z, t, a, b]);
  });
});
