// The PPO objective, each term written once, with the names of the PPO paper and CleanRL.
// All inputs are [B, T] tensors over token positions; `mask` is 1 on response tokens.

import * as tf from '@tensorflow/tfjs';
import { maskedMean } from '../model/logprobs';

export interface PpoLossInput {
  logprobs: tf.Tensor; // log pi_theta(a_t | s_t), the policy being trained
  oldLogprobs: tf.Tensor; // log pi_theta_old(a_t | s_t), from the rollout
  advantages: tf.Tensor; // A_t
  entropy: tf.Tensor; // H(pi_theta(. | s_t))
  mask: tf.Tensor;
  values?: tf.Tensor; // V_theta(s_t)
  oldValues?: tf.Tensor; // V_theta_old(s_t), from the rollout
  returns?: tf.Tensor; // value targets R_t
}

export interface PpoLosses {
  policyLoss: tf.Scalar; // clipped surrogate objective, negated
  valueLoss: tf.Scalar; // clipped value loss (0 without values)
  entropy: tf.Scalar; // mean entropy
  approxKl: tf.Scalar; // E[(ratio - 1) - log ratio], the k3 estimate of KL(old || new)
  clipFraction: tf.Scalar; // share of tokens whose ratio left [1 - clip, 1 + clip]
}

export function ppoLosses(x: PpoLossInput, clip: number, valueClip: number): PpoLosses {
  const logratio = tf.sub(x.logprobs, x.oldLogprobs);
  const ratio = tf.exp(logratio);
  // Clipped surrogate: max(-A * ratio, -A * clip(ratio, 1 - eps, 1 + eps)).
  const pgLoss1 = tf.mul(tf.neg(x.advantages), ratio);
  const pgLoss2 = tf.mul(tf.neg(x.advantages), tf.clipByValue(ratio, 1 - clip, 1 + clip));
  const policyLoss = maskedMean(tf.maximum(pgLoss1, pgLoss2), x.mask);
  // Value loss, clipped around the rollout's values: 0.5 * max((V - R)^2, (V_clipped - R)^2).
  let valueLoss: tf.Scalar = tf.scalar(0);
  if (x.values && x.oldValues && x.returns) {
    const unclipped = tf.square(tf.sub(x.values, x.returns));
    const vClipped = tf.add(
      x.oldValues,
      tf.clipByValue(tf.sub(x.values, x.oldValues), -valueClip, valueClip),
    );
    const clipped = tf.square(tf.sub(vClipped, x.returns));
    valueLoss = tf.mul(0.5, maskedMean(tf.maximum(unclipped, clipped), x.mask)) as tf.Scalar;
  }
  return {
    policyLoss,
    valueLoss,
    entropy: maskedMean(x.entropy, x.mask),
    approxKl: maskedMean(tf.sub(tf.sub(ratio, 1), logratio), x.mask),
    clipFraction: maskedMean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), clip), 'float32'), x.mask),
  };
}
