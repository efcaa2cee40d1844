// The speed probe behind `auto`: one forward and backward pass of a model of the run's size on the
// current backend, timed after a warm-up (which compiles the GPU backends' shaders).

import * as tf from '@tensorflow/tfjs';
import { modelConfig, Transformer, type SizePreset } from './transformer';
import type { Dimensions } from './names';

/** The tokens per pass: a batch shaped like a PPO minibatch of the default run (8 × 48). */
const BATCH = 8;
const TOKENS = 48;
/** Tokens in one probed pass. */
export const PROBE_TOKENS = BATCH * TOKENS;

export interface ProbeTiming {
  /** Milliseconds of the first pass (shader compilation on webgpu/webgl included). */
  warmupMs: number;
  /** Milliseconds of one forward and backward pass once warm. */
  stepMs: number;
}

/** Time a forward and backward pass of a `size` model on the backend tf runs now. */
export async function probeStep(size: SizePreset | Dimensions, vocabSize: number): Promise<ProbeTiming> {
  const model = Transformer.init(modelConfig(vocabSize, size), 1);
  const ids = tf.tensor2d(
    Array.from({ length: BATCH * TOKENS }, (_, i) => (i * 7) % vocabSize),
    [BATCH, TOKENS],
    'int32',
  );
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
    await pass();
    const warmupMs = performance.now() - t0;
    t0 = performance.now();
    await pass();
    return { warmupMs, stepMs: performance.now() - t0 };
  } finally {
    ids.dispose();
    model.dispose();
  }
}
