// AdamW with global gradient-norm clipping, written out so that the learning rate can follow a
// schedule step by step and the optimizer state can be saved with a checkpoint and resumed.
//
//   g <- g * min(1, clip / ||g||)                       (global norm over all parameters)
//   m <- b1 m + (1 - b1) g ;  v <- b2 v + (1 - b2) g^2
//   w <- w - lr * ( m / (1 - b1^t) / (sqrt(v / (1 - b2^t)) + eps) + wd * w )   (wd on matrices only)

import * as tf from '@tensorflow/tfjs';
import { ownedVariable } from '../model/transformer';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Clip the global gradient norm to this value (0 = no clipping). */
  gradClip: number;
}

export const DEFAULT_ADAMW: AdamWConfig = {
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
  gradClip: 1.0,
};

export interface OptimizerState {
  step: number;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}

export class AdamW {
  readonly config: AdamWConfig;
  private readonly vars: Map<string, tf.Variable>;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  step = 0;

  /** `params`: trainable variables by name (the names key the saved state). */
  constructor(params: Map<string, tf.Variable>, config: Partial<AdamWConfig> = {}) {
    this.config = { ...DEFAULT_ADAMW, ...config };
    this.vars = params;
    for (const [name, p] of params) {
      this.m.set(name, ownedVariable(tf.zerosLike(p), false));
      this.v.set(name, ownedVariable(tf.zerosLike(p), false));
    }
  }

  /**
   * Apply gradients (by variable name) with learning rate `lr`. A variable without a gradient is
   * left as it is: no update, no weight decay, its moments not decayed (the value head when
   * advantages come from the group baseline).
   * Returns the global gradient norm before clipping, as a scalar the caller must dispose.
   */
  apply(grads: Map<string, tf.Tensor>, lr: number): tf.Scalar {
    this.step += 1;
    const { beta1, beta2, eps, weightDecay, gradClip } = this.config;
    const t = this.step;
    return tf.tidy(() => {
      const present = [...grads.entries()].filter(([name]) => this.vars.has(name));
      // One concat, not tf.addN: webgpu's AddN binds every input in one shader, and past the
      // device's storage-buffer limit (8 by default) it returns garbage without an error.
      const norm = tf.sqrt(
        tf.sum(tf.concat([tf.zeros([1]), ...present.map(([, g]) => tf.reshape(tf.sum(tf.square(g)), [1]))])),
      ) as tf.Scalar;
      const scale =
        gradClip > 0 ? tf.minimum(tf.scalar(1), tf.div(gradClip, tf.add(norm, 1e-6))) : tf.scalar(1);
      const c1 = 1 - Math.pow(beta1, t);
      const c2 = 1 - Math.pow(beta2, t);
      for (const [name, raw] of present) {
        const p = this.vars.get(name) as tf.Variable;
        const m = this.m.get(name) as tf.Variable;
        const v = this.v.get(name) as tf.Variable;
        const g = tf.mul(raw, scale);
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps));
        const decay = weightDecay > 0 && p.rank >= 2 ? tf.mul(p, weightDecay) : tf.scalar(0);
        p.assign(tf.sub(p, tf.mul(tf.add(update, decay), lr)));
      }
      return norm;
    });
  }

  async getState(): Promise<OptimizerState> {
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    for (const [name, t] of this.m) m[name] = Float32Array.from((await t.data()) as Float32Array);
    for (const [name, t] of this.v) v[name] = Float32Array.from((await t.data()) as Float32Array);
    return { step: this.step, m, v };
  }

  setState(state: OptimizerState): void {
    // A damaged state would resume into NaN weights: refuse it before anything is assigned.
    if (!Number.isSafeInteger(state.step) || state.step < 0)
      throw new Error(`optimizer state has step ${String(state.step)}, not a count of steps`);
    for (const [name, p] of this.vars) {
      const m = state.m[name];
      const v = state.v[name];
      if (!m || !v || m.length !== p.size || v.length !== p.size)
        throw new Error(`optimizer state does not match parameter ${name}`);
      if (!m.every(Number.isFinite))
        throw new Error(`optimizer state of ${name}: its first moment is not finite`);
      if (!v.every((x) => Number.isFinite(x) && x >= 0))
        throw new Error(`optimizer state of ${name}: its second moment is not finite and non-negative`);
    }
    tf.tidy(() => {
      for (const [name, p] of this.vars) {
        (this.m.get(name) as tf.Variable).assign(tf.tensor(state.m[name], p.shape));
        (this.v.get(name) as tf.Variable).assign(tf.tensor(state.v[name], p.shape));
      }
    });
    this.step = state.step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}

/** The share of the rate that priming's cooldown runs at (nanoGPT's schedule also ends at a tenth). */
export const COOLDOWN_FACTOR = 0.1;

/**
 * Priming's rate: linear warmup, then constant, then a tenth of it from step `cooldownFrom` on. The
 * quiet last epochs sharpen what the model says at T = 1 (docs/REPLICATION.md, item 31).
 */
export function primingLr(lr: number, step: number, warmup: number, cooldownFrom: number): number {
  return step >= cooldownFrom ? lr * COOLDOWN_FACTOR : warmupLr(lr, step, warmup);
}

/** Linear warmup to `lr` over `warmup` steps, then constant (the paper's priming used 10% warmup). */
export function warmupLr(lr: number, step: number, warmup: number): number {
  return warmup > 0 && step < warmup ? (lr * (step + 1)) / warmup : lr;
}
