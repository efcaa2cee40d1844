// Log-probabilities of chosen tokens and the entropy of the policy, from logits.
// Gathering is done with a one-hot product (tf.gather has no gradient on the wasm backend).

import * as tf from '@tensorflow/tfjs';

/** log p(target) at every position: logits [B, T, V], targets [B, T] int32 -> [B, T]. */
export function tokenLogprobs(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  const V = logits.shape[2];
  const logp = tf.logSoftmax(logits); // [B, T, V]
  return tf.sum(tf.mul(logp, tf.oneHot(targets, V).cast('float32')), -1) as tf.Tensor2D;
}

/** Entropy of the next-token distribution at every position: [B, T, V] -> [B, T]. */
export function tokenEntropy(logits: tf.Tensor3D): tf.Tensor2D {
  const logp = tf.logSoftmax(logits);
  return tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1)) as tf.Tensor2D;
}

/** Mean of x over the positions where mask is 1 (mask and x: [B, T]). */
export function maskedMean(x: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.div(tf.sum(tf.mul(x, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
}

/**
 * log p(target) and the entropy at every position (the PPO loss needs both), with the gradient
 * written out: autodiff through log-softmax and p log p ran about ten passes over [B, T, V], most
 * of them exp and row sums, which are slow on tfjs-wasm (docs/TRAINING.md). With p = softmax(z):
 *
 *   lse     = log sum_i exp z_i = max z - log max p       (max p >= 1 / V: the log is safe)
 *   log p_t = z_t - lse
 *   H       = -sum_i p_i log p_i = lse - S,                S = sum_i p_i z_i
 *   d log p_t / dz_j = [j = t] - p_j
 *   d H / dz_j       = -p_j (log p_j + H) = -p_j (z_j - S)
 *
 * Row sums run as a product with a column of ones (XNNPACK's 2-D product is fast on wasm; its
 * Sum over the last axis is not).
 */
export function tokenLogprobsAndEntropy(
  logits: tf.Tensor3D,
  targets: tf.Tensor2D,
): { logprobs: tf.Tensor2D; entropy: tf.Tensor2D } {
  const [B, T, V] = logits.shape;
  const N = B * T;
  const ones = tf.ones([V, 1]);
  const rowSum = (x: tf.Tensor2D): tf.Tensor2D => tf.matMul(x, ones); // [N, 1]
  // The target's index in the flattened [N * V] logits, and its one-hot (int32 cast: see embedRows).
  const t = targets.reshape([N]).cast('int32');
  const flat = tf.add(tf.range(0, N * V, V, 'int32'), t);
  const onehot = tf.oneHot(t, V).cast('float32');
  const fused = tf.customGrad(((z: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const p = tf.softmax(z); // [N, V]
    const lse = tf.sub(tf.max(z, -1, true), tf.log(tf.max(p, -1, true))); // [N, 1]
    const S = rowSum(tf.mul(p, z) as tf.Tensor2D); // [N, 1]
    const zt = tf.gather(z.reshape([-1]), flat).reshape([N, 1]);
    save([z, p, S, onehot]);
    return {
      value: tf.concat([tf.sub(zt, lse), tf.sub(lse, S)], 1), // [N, 2]: log p_t, H
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [zs, ps, Ss, hot] = saved;
        const g = dy as tf.Tensor2D;
        const gLogp = g.slice([0, 0], [N, 1]);
        const gH = g.slice([0, 1], [N, 1]);
        // dz = gLogp onehot - p (gLogp + gH (z - S))
        return tf.sub(tf.mul(hot, gLogp), tf.mul(ps, tf.add(gLogp, tf.mul(gH, tf.sub(zs, Ss)))));
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (z: tf.Tensor) => tf.Tensor;
  const out = fused(logits.reshape([N, V])); // [N, 2]
  return {
    logprobs: out.slice([0, 0], [N, 1]).reshape([B, T]) as tf.Tensor2D,
    entropy: out.slice([0, 1], [N, 1]).reshape([B, T]) as tf.Tensor2D,
  };
}
