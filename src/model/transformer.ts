// The policy: a small decoder-only transformer in the Llama style, written with plain tfjs ops.
//
//   ids [B, T] -> embed (one-hot @ E) -> L x [ x + attn(rmsnorm(x)); x + mlp(rmsnorm(x)) ] -> rmsnorm
//              -> logits = h @ E^T (tied)          and, for PPO, values = h @ w_v^T + b_v
//
// Weights use the Hugging Face LlamaForCausalLM names and layouts ([out, in] for every linear), so a
// checkpoint loads there unchanged. Attention uses rotary positions in HF's rotate-half convention.
// Two tfjs constraints shape the code (see browser-notes): the embedding is a one-hot matmul (the
// wasm backend cannot differentiate gather), and every linear works on [N, D] (batched matMul does
// not reduce broadcast gradients).

import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';
import { batchMatMul } from './kernels/batch-matmul';
import {
  countParameters,
  headProblem,
  MAX_PARAMETERS,
  parameterShapes,
  SIZE_PRESETS,
  SIZE_NAMES,
  type SizePreset,
} from './names';

/** Swap the last two axes (a matrix transpose, batched over any leading axes). */
function swapLast(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  return tf.transpose(x, [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2]);
}

/**
 * a @ b (batch axes must match), with its gradients computed through explicit transposes and plain
 * products. tfjs's wasm kernels for products with a transposed operand run about 8x slower than
 * plain ones (measured: 2.5 vs 17-30 GFLOP/s), and the built-in gradient of matMul uses them.
 * Batched products (attention's) run on the lab's own wasm kernel (kernels/batch-matmul.ts).
 */
export const matMul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: batchMatMul(a, b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const g = dy as tf.Tensor;
      return [batchMatMul(g, swapLast(saved[1])), batchMatMul(swapLast(saved[0]), g)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/**
 * Rows `ids` of the embedding E [V, D]: a gather forward; backward, dE = onehot(ids)^T @ dy as a
 * plain product (the wasm backend cannot differentiate gather). A one-hot product forward would
 * also cost a [N, V] x [V, D] product and, backward, a gradient for the one-hot that nothing reads.
 * (oneHot with dtype 'float32' writes int bit patterns on the wasm backend in tfjs 4.22; an int32
 * one-hot cast to float is correct everywhere.)
 */
function embedRows(embed: tf.Tensor, ids: tf.Tensor1D, vocab: number): tf.Tensor2D {
  const lookup = tf.customGrad(((e: tf.Tensor, save: tf.GradSaveFunc) => {
    // ids are saved too: the tape frees the forward's other tensors before the backward runs.
    save([ids]);
    return {
      value: tf.gather(e, ids),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [
        tf.matMul(tf.transpose(tf.oneHot(saved[0], vocab).cast('float32')), dy as tf.Tensor),
      ],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (e: tf.Tensor) => tf.Tensor;
  return lookup(embed) as tf.Tensor2D;
}

export interface ModelConfig {
  vocabSize: number;
  hiddenSize: number; // D
  intermediateSize: number; // F, the SwiGLU width
  numLayers: number; // L
  numHeads: number; // H; head_dim = D / H
  maxPositions: number;
  ropeTheta: number;
  rmsNormEps: number;
}

export { SIZE_PRESETS, SIZE_NAMES, type SizePreset };

export function modelConfig(
  vocabSize: number,
  size: SizePreset | Partial<ModelConfig> = 'nano',
): ModelConfig {
  const shape = typeof size === 'string' ? SIZE_PRESETS[size] : size;
  if (!shape)
    throw new Error(
      `unknown model size "${String(size)}"; choose ${SIZE_NAMES.join(', ')} or give the dimensions`,
    );
  const config: ModelConfig = {
    vocabSize,
    hiddenSize: 64,
    intermediateSize: 176,
    numLayers: 2,
    numHeads: 4,
    maxPositions: 512,
    ropeTheta: 10000,
    rmsNormEps: 1e-5,
    ...shape,
  };
  validateConfig(config);
  return config;
}

export { countParameters, MAX_PARAMETERS, parameterShapes };
/** maxPositions × head_dim, the size of each rotary table (the shipped models use 512 × 16). */
export const MAX_ROPE_ENTRIES = 1 << 23;

export function validateConfig(c: ModelConfig): void {
  const positive = [
    'vocabSize',
    'hiddenSize',
    'intermediateSize',
    'numLayers',
    'numHeads',
    'maxPositions',
  ] as const;
  for (const k of positive) {
    if (!Number.isInteger(c[k]) || c[k] < 1 || c[k] > 1_000_000)
      throw new Error(`model config: ${k} must be a positive integer, got ${c[k]}`);
  }
  const heads = headProblem(c.hiddenSize, c.numHeads);
  if (heads) throw new Error(`model config: ${heads}`);
  if (!(c.ropeTheta > 0) || !(c.rmsNormEps > 0))
    throw new Error('model config: ropeTheta and rmsNormEps must be positive');
  // Checked before anything is allocated, so a config typed by hand or read from an imported
  // checkpoint cannot make the lab reserve gigabytes: the weights, and the two rotary tables.
  const parameters = countParameters(c, false);
  if (parameters > MAX_PARAMETERS)
    throw new Error(
      `model config: the model would have ${parameters} parameters, more than the lab's limit of ${MAX_PARAMETERS}`,
    );
  const ropeEntries = c.maxPositions * (c.hiddenSize / c.numHeads);
  if (ropeEntries > MAX_ROPE_ENTRIES)
    throw new Error(
      `model config: maxPositions ${c.maxPositions} × head_dim ${c.hiddenSize / c.numHeads} rotary entries ` +
        `is more than the lab's limit of ${MAX_ROPE_ENTRIES}`,
    );
}

/** Per-layer key/value cache for decoding: k, v are [B, H, T_cached, head_dim]. */
export interface KVCache {
  layers: { k: tf.Tensor4D; v: tf.Tensor4D }[];
  length: number;
}

export interface ForwardOptions {
  /** Position of each token, [B, T] (default 0..T-1 on every row). */
  positions?: tf.Tensor2D;
  /** 1 for real tokens, 0 for padding, over the keys [B, T_cached + T] (default: all real). */
  keyMask?: tf.Tensor2D;
  /** Cached keys and values of earlier tokens; the new ones are appended. */
  cache?: KVCache;
  /** Also return the value head's output. */
  values?: boolean;
  /**
   * Logits (and values) only for positions `from`..T-1: the PPO update reads none before the
   * first response token, so the head and its softmax need not run there.
   */
  from?: number;
}

export interface ForwardResult {
  logits: tf.Tensor3D; // [B, T - from, V]
  values?: tf.Tensor2D; // [B, T - from]
  cache?: KVCache; // when a cache was given: the grown cache (the caller disposes the old one)
}

export class Transformer {
  readonly config: ModelConfig;
  /** Trainable weights by Hugging Face name. */
  readonly params: Map<string, tf.Variable>;
  private readonly ropeCos: tf.Tensor2D; // [maxPositions, head_dim]
  private readonly ropeSin: tf.Tensor2D;
  private readonly rotateHalf: tf.Tensor2D; // [head_dim, head_dim]: x @ R = cat(-x2, x1)

  constructor(config: ModelConfig, params: Map<string, tf.Variable>) {
    validateConfig(config);
    this.config = config;
    for (const [name, shape] of parameterShapes(config, params.has('value_head.weight'))) {
      const p = params.get(name);
      if (!p) throw new Error(`missing weight ${name}`);
      if (p.shape.join(',') !== shape.join(','))
        throw new Error(`weight ${name} has shape [${p.shape}], expected [${shape}]`);
    }
    this.params = params;
    // Rotary tables, HF Llama: inv_freq[i] = theta^(-2i/hd); emb = cat(freqs, freqs).
    const hd = config.hiddenSize / config.numHeads;
    const half = hd / 2;
    const cos = new Float32Array(config.maxPositions * hd);
    const sin = new Float32Array(config.maxPositions * hd);
    for (let pos = 0; pos < config.maxPositions; pos++) {
      for (let i = 0; i < half; i++) {
        const angle = pos * Math.pow(config.ropeTheta, -(2 * i) / hd);
        cos[pos * hd + i] = cos[pos * hd + i + half] = Math.cos(angle);
        sin[pos * hd + i] = sin[pos * hd + i + half] = Math.sin(angle);
      }
    }
    const rot = new Float32Array(hd * hd);
    for (let i = 0; i < half; i++) {
      rot[(i + half) * hd + i] = -1; // out[i] = -x[i + half]
      rot[i * hd + i + half] = 1; // out[i + half] = x[i]
    }
    this.ropeCos = tf.tensor2d(cos, [config.maxPositions, hd]);
    this.ropeSin = tf.tensor2d(sin, [config.maxPositions, hd]);
    this.rotateHalf = tf.tensor2d(rot, [hd, hd]);
  }

  /** A fresh model: N(0, 0.02) weights (residual outputs scaled by 1/sqrt(2L), as in GPT-2), unit norms. */
  static init(config: ModelConfig, seed: number, withValueHead = true): Transformer {
    validateConfig(config);
    const rng = new Rng(seed).fork('init');
    const params = new Map<string, tf.Variable>();
    for (const [name, shape] of parameterShapes(config, withValueHead)) {
      const size = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size);
      if (name.endsWith('norm.weight')) data.fill(1);
      else if (name !== 'value_head.bias') {
        const residual = name.endsWith('o_proj.weight') || name.endsWith('down_proj.weight');
        const std = residual ? 0.02 / Math.sqrt(2 * config.numLayers) : 0.02;
        for (let i = 0; i < size; i++) data[i] = rng.normal() * std;
      }
      params.set(name, ownedVariable(tf.tensor(data, shape), true, uniqueName(name)));
    }
    return new Transformer(config, params);
  }

  get headDim(): number {
    return this.config.hiddenSize / this.config.numHeads;
  }

  get hasValueHead(): boolean {
    return this.params.has('value_head.weight');
  }

  private p(name: string): tf.Variable {
    return this.params.get(name) as tf.Variable;
  }

  /** Trainable variables (optionally without the value head). */
  variables(includeValueHead = true): tf.Variable[] {
    return [...this.params.entries()]
      .filter(([n]) => includeValueHead || !n.startsWith('value_head'))
      .map(([, v]) => v);
  }

  /**
   * Run the model on ids [B, T]. Without a cache, attention is causal over the T tokens; with one,
   * the T new tokens attend to the cached ones too. Call inside tf.tidy (keep the cache you want).
   */
  forward(ids: tf.Tensor2D, options: ForwardOptions = {}): ForwardResult {
    const c = this.config;
    const [B, T] = ids.shape;
    const D = c.hiddenSize;
    const H = c.numHeads;
    const hd = this.headDim;
    const past = options.cache?.length ?? 0;
    const Tk = past + T;
    if (Tk > c.maxPositions)
      throw new Error(`sequence of ${Tk} tokens exceeds maxPositions ${c.maxPositions}`);

    // Positions and rotary factors: cos, sin [B, 1, T, hd].
    const positions =
      options.positions ?? tf.tile(tf.range(past, past + T, 1, 'int32').reshape([1, T]), [B, 1]);
    const cos = tf.gather(this.ropeCos, positions.reshape([-1])).reshape([B, 1, T, hd]);
    const sin = tf.gather(this.ropeSin, positions.reshape([-1])).reshape([B, 1, T, hd]);
    const rope = (x: tf.Tensor4D): tf.Tensor4D => {
      const rotated = matMul(x.reshape([-1, hd]), this.rotateHalf).reshape(x.shape) as tf.Tensor4D;
      return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
    };

    // Attention bias [B, 1, T, Tk]: 0 where a query may look, -1e4 elsewhere (future or padding).
    // -1e4 underflows exp() like -1e9 does in float32, and stays finite in the float16 textures
    // of some WebGL devices, where -1e9 is -Infinity and a padding row with every key masked would
    // turn into NaN (0/0) and spread through 0 × NaN to the real rows. The causal part is written
    // on the host: tfjs-wasm's broadcast compare and where took 13 ms for 270 tokens (docs/TRAINING.md).
    const causal = new Float32Array(T * Tk);
    for (let i = 0; i < T; i++) causal.fill(-1e4, i * Tk + past + i + 1, (i + 1) * Tk);
    let bias: tf.Tensor = tf.tensor4d(causal, [1, 1, T, Tk]);
    if (options.keyMask)
      bias = tf.minimum(
        bias,
        tf.mul(tf.sub(1, options.keyMask.cast('float32')), -1e4).reshape([B, 1, 1, Tk]),
      );

    // x [B*T, D]: the embedding rows, gathered (see embedRows for its gradient).
    const embed = this.p('model.embed_tokens.weight'); // [V, D]
    let x = embedRows(embed, ids.reshape([-1]) as tf.Tensor1D, c.vocabSize);
    // Weights are [out, in] (HF layout): y = x @ W^T, with W^T made explicitly (see matMul).
    const linear = (h: tf.Tensor2D, name: string): tf.Tensor2D =>
      matMul(h, tf.transpose(this.p(name))) as tf.Tensor2D;
    const newLayers: { k: tf.Tensor4D; v: tf.Tensor4D }[] = [];

    for (let i = 0; i < c.numLayers; i++) {
      const L = `model.layers.${i}`;
      // --- attention: x + o(softmax(q k^T / sqrt(hd) + bias) v)
      const h = this.rmsNorm(x, `${L}.input_layernorm.weight`);
      const heads = (t: tf.Tensor2D): tf.Tensor4D => t.reshape([B, T, H, hd]).transpose([0, 2, 1, 3]); // [B, H, T, hd]
      const q = rope(heads(linear(h, `${L}.self_attn.q_proj.weight`)));
      let k = rope(heads(linear(h, `${L}.self_attn.k_proj.weight`)));
      let v = heads(linear(h, `${L}.self_attn.v_proj.weight`));
      const cached = options.cache?.layers[i];
      if (cached) {
        k = tf.concat([cached.k, k], 2); // [B, H, Tk, hd]
        v = tf.concat([cached.v, v], 2);
      }
      if (options.cache) newLayers.push({ k, v });
      const scores = tf.add(tf.mul(matMul(q, swapLast(k)), 1 / Math.sqrt(hd)), bias); // [B, H, T, Tk]
      const attended = matMul(tf.softmax(scores), v); // [B, H, T, hd]
      const merged = attended.transpose([0, 2, 1, 3]).reshape([B * T, D]) as tf.Tensor2D;
      x = tf.add(x, linear(merged, `${L}.self_attn.o_proj.weight`));
      // --- MLP (SwiGLU): x + down(silu(gate(h)) * up(h))
      const h2 = this.rmsNorm(x, `${L}.post_attention_layernorm.weight`);
      const gate = linear(h2, `${L}.mlp.gate_proj.weight`);
      const up = linear(h2, `${L}.mlp.up_proj.weight`);
      x = tf.add(
        x,
        linear(tf.mul(tf.mul(gate, tf.sigmoid(gate)), up) as tf.Tensor2D, `${L}.mlp.down_proj.weight`),
      );
    }

    const from = options.from ?? 0;
    if (!Number.isInteger(from) || from < 0 || from >= T)
      throw new Error(`forward: from must be an integer in 0..${T - 1}, got ${from}`);
    const To = T - from;
    let hFinal = this.rmsNorm(x, 'model.norm.weight'); // [B*T, D]
    if (from > 0)
      hFinal = hFinal
        .reshape([B, T, D])
        .slice([0, from, 0])
        .reshape([B * To, D]); // [B*To, D]
    const logits = matMul(hFinal, tf.transpose(embed)).reshape([B, To, c.vocabSize]) as tf.Tensor3D; // tied
    const result: ForwardResult = { logits };
    if (options.values) {
      if (!this.hasValueHead) throw new Error('this model has no value head');
      const values = tf.add(linear(hFinal, 'value_head.weight'), this.p('value_head.bias'));
      result.values = values.reshape([B, To]) as tf.Tensor2D;
    }
    if (options.cache) result.cache = { layers: newLayers, length: Tk };
    return result;
  }

  /** RMSNorm: x / sqrt(mean(x^2) + eps) * weight, over the last axis of [N, D]. */
  private rmsNorm(x: tf.Tensor2D, name: string): tf.Tensor2D {
    const ms = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, this.config.rmsNormEps))), this.p(name)) as tf.Tensor2D;
  }

  /** An empty cache for a batch (length 0). */
  emptyCache(batch: number): KVCache {
    const hd = this.headDim;
    const H = this.config.numHeads;
    return {
      layers: Array.from({ length: this.config.numLayers }, () => ({
        k: tf.zeros([batch, H, 0, hd]),
        v: tf.zeros([batch, H, 0, hd]),
      })),
      length: 0,
    };
  }

  /** Add a value head (zeros: it starts by predicting 0) if the model has none. */
  ensureValueHead(): void {
    if (this.hasValueHead) return;
    const D = this.config.hiddenSize;
    this.params.set(
      'value_head.weight',
      ownedVariable(tf.zeros([1, D]), true, uniqueName('value_head.weight')),
    );
    this.params.set('value_head.bias', ownedVariable(tf.zeros([1]), true, uniqueName('value_head.bias')));
  }

  /** A frozen deep copy (the PPO reference model). */
  clone(trainable = false): Transformer {
    const params = new Map<string, tf.Variable>();
    for (const [name, v] of this.params) {
      params.set(name, ownedVariable(v.clone(), trainable, uniqueName(name)));
    }
    return new Transformer(this.config, params);
  }

  /** Copy another model's weights into this one (same config). */
  assign(from: Transformer): void {
    for (const [name, v] of this.params) {
      const src = from.params.get(name);
      if (!src) throw new Error(`missing weight ${name}`);
      v.assign(src);
    }
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.ropeCos.dispose();
    this.ropeSin.dispose();
    this.rotateHalf.dispose();
  }
}

export function disposeCache(cache: KVCache | undefined): void {
  for (const layer of cache?.layers ?? []) {
    layer.k.dispose();
    layer.v.dispose();
  }
}

/**
 * A variable that owns its initial value: tf.variable keeps its own reference to the data, so the
 * tensor it was made from is disposed here (otherwise every variable leaks one tensor).
 */
export function ownedVariable(init: tf.Tensor, trainable = true, name?: string): tf.Variable {
  const v = tf.variable(init, trainable, name);
  init.dispose();
  return v;
}

let nameCounter = 0;
/** tfjs variable names are global: make each one unique. */
function uniqueName(name: string): string {
  return `${name}#${++nameCounter}`;
}
