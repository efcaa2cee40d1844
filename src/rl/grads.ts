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

/** `grads` added into `sum` (null: nothing yet), the inputs disposed: gradients of a batch run in parts. */
export function addGradients(
  sum: Map<string, tf.Tensor> | null,
  grads: Map<string, tf.Tensor>,
): Map<string, tf.Tensor> {
  if (sum === null) return grads;
  const added = new Map([...sum].map(([name, g]) => [name, tf.add(g, grads.get(name) as tf.Tensor)]));
  tf.dispose([...sum.values(), ...grads.values()]);
  return added;
}
