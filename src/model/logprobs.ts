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
 * log p(target) and the entropy at every position from one log-softmax (the PPO loss needs both;
 * computing them apart would run the [B, T, V] softmax and its gradient twice).
 */
export function tokenLogprobsAndEntropy(
  logits: tf.Tensor3D,
  targets: tf.Tensor2D,
): { logprobs: tf.Tensor2D; entropy: tf.Tensor2D } {
  const V = logits.shape[2];
  const logp = tf.logSoftmax(logits);
  return {
    logprobs: tf.sum(tf.mul(logp, tf.oneHot(targets, V).cast('float32')), -1) as tf.Tensor2D,
    entropy: tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1)) as tf.Tensor2D,
  };
}
