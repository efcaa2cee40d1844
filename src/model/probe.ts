// The speed probe behind `auto`: one forward and backward pass of a model of the run's size on the
// current backend, timed after a warm-up (which compiles the GPU backends' shaders).

import * as tf from '@tensorflow/tfjs';
import { modelConfig, Transformer, type SizePreset } from './transformer';
import type { Dimensions } from './names';

import { PROBE_BATCH as BATCH, PROBE_TOKENS, PROBE_LENGTH as TOKENS } from './names';

export { PROBE_TOKENS };

export interface ProbeTiming {
  /** Milliseconds of the first pass (shader compilation on webgpu/webgl included). */
  warmupMs: number;
  /** Milliseconds of one forward and backward pass once warm. */
  stepMs: number;
}

/**
 * Time a forward and backward pass of a `size` model on the backend tf runs now; rejects when a
 * pass (the first compiles the shaders) takes over `budgetMs` (WebGPU and WebGL on a software
 * renderer such as SwiftShader take tens of seconds, wasm about a second).
 */
export async function probeStep(
  size: SizePreset | Dimensions,
  vocabSize: number,
  budgetMs = 8000,
): Promise<ProbeTiming> {
  const model = Transformer.init(modelConfig(vocabSize, size), 1);
  const ids = tf.tensor2d(
    Array.from({ length: BATCH * TOKENS }, (_, i) => (i * 7) % vocabSize),
    [BATCH, TOKENS],
    'int32',
  );
  const dispose = () => {
    ids.dispose();
    model.dispose();
  };
  const pending: Promise<void>[] = [];
  const tooSlow = () =>
    new Error(`too slow here: a training pass took over ${Math.round(budgetMs / 1000)} s`);
  /** The pass started at `t0`, given up on once over budget (a webgl pass blocks, so checked after too). */
  const withinBudget = async (p: Promise<void>, t0: number): Promise<void> => {
    pending.push(p);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(tooSlow()), Math.max(0, budgetMs - (performance.now() - t0)));
    });
    try {
      await Promise.race([p, late]);
    } finally {
      clearTimeout(timer);
    }
    if (performance.now() - t0 > budgetMs) throw tooSlow();
  };
  try {
    const pass = async (): Promise<void> => {
      const { value, grads } = tf.variableGrads(
        () => tf.tidy(() => tf.mean(tf.square(model.forward(ids, { values: true }).logits)) as tf.Scalar),
        model.variables(),
      );
      // Reading the loss waits for the GPU: the pass is timed to its end, not to its queueing.
      await value.data();
      value.dispose();
      tf.dispose(Object.values(grads));
    };
    let t0 = performance.now();
    await withinBudget(pass(), t0);
    const warmupMs = performance.now() - t0;
    t0 = performance.now();
    await withinBudget(pass(), t0);
    const stepMs = performance.now() - t0;
    dispose();
    return { warmupMs, stepMs };
  } catch (err) {
    // A pass given up on may still be running on the GPU: its tensors go when it ends.
    void Promise.allSettled(pending).then(() => {
      try {
        dispose();
      } catch {
        // Its backend is gone (destroyed after the probe gave up on it).
      }
    });
    throw err;
  }
}
