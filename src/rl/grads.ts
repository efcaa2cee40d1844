// Gradients of a scalar loss with respect to a model's weights, keyed by weight name.

import * as tf from '@tensorflow/tfjs';
import type { Transformer } from '../model/transformer';

/** Run `loss` and return its value and the gradients of the selected weights (caller disposes). */
export function gradients(
  model: Transformer,
  loss: () => tf.Scalar,
  includeValueHead = true,
): { value: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const vars = model.variables(includeValueHead);
  const { value, grads } = tf.variableGrads(loss, vars);
  const byName = new Map<string, tf.Tensor>();
  for (const [name, v] of model.params) if (grads[v.name]) byName.set(name, grads[v.name]);
  return { value, grads: byName };
}
