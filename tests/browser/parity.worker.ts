// Runs in a dedicated worker inside real Chromium: the same nano model on webgpu, wasm and cpu.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { labKernelActive } from '../../src/model/kernels/batch-matmul';
import { answerWith } from './worker-call';
import { maskedMean, modelConfig, tokenLogprobs, Transformer } from '../../src/model';
import { labTokenizer } from '../../src/behaviors/vocabulary';
import { gradients } from '../../src/rl/grads';
import { AdamW } from '../../src/rl/optim';

export interface ParityResult {
  backend: string;
  adapter: string;
  logits: number[];
  grads: Record<string, number[]>;
  afterStep: Record<string, number[]>;
  loss: number;
  /** Whether batched products ran on the lab's wasm kernel (src/model/kernels). */
  labKernel: boolean;
  /** The global gradient norm the lab's AdamW clipped by in that step. */
  gradNorm: number;
}

export type ParityBackend = 'webgpu' | 'wasm' | 'cpu';

async function run(backend: ParityBackend): Promise<ParityResult> {
  if (backend === 'wasm')
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
    } as unknown as string);
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`backend ${backend} did not start`);
  await tf.ready();
  let adapter = '';
  const gpu = (
    navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string> } | null> } }
  ).gpu;
  if (backend === 'webgpu' && gpu) {
    const a = await gpu.requestAdapter();
    adapter = [a?.info?.vendor, a?.info?.architecture, a?.info?.description].filter(Boolean).join(' ');
  }
  const tok = labTokenizer();
  const model = Transformer.init(modelConfig(tok.size, 'nano'), 21);
  for (const v of model.params.values()) if (v.shape.length === 2) v.assign(tf.tidy(() => tf.mul(v, 5)));
  const rows = [
    tok.encode('Numbers: 3, 7, 25. Target: 46.\n<think> 25 + 7 = 32'),
    tok.encode('Numbers: 1, 2, 3. Target: 6.\n<think> 3 * 2 = 6'),
  ];
  const T = Math.max(...rows.map((r) => r.length));
  const ids = tf.tensor2d(
    rows.map((r) => [...r, ...new Array(T - r.length).fill(tok.padId)]),
    [2, T],
    'int32',
  );
  const mask = tf.tensor2d(
    rows.map((r) => Array.from({ length: T - 1 }, (_, i) => (i + 1 < r.length ? 1 : 0))),
    [2, T - 1],
  );
  const loss = () => {
    const { logits } = model.forward(ids.slice([0, 0], [2, T - 1]) as tf.Tensor2D);
    return tf.neg(
      maskedMean(tokenLogprobs(logits, ids.slice([0, 1], [2, T - 1]) as tf.Tensor2D), mask),
    ) as tf.Scalar;
  };
  const logitsT = tf.tidy(() => model.forward(ids).logits);
  const logits = Array.from((await logitsT.data()) as Float32Array);
  logitsT.dispose();
  const names = [
    'model.embed_tokens.weight',
    'model.layers.0.self_attn.q_proj.weight',
    'model.layers.1.mlp.down_proj.weight',
    'model.norm.weight',
  ];
  const { value, grads } = tf.variableGrads(loss, model.variables(false));
  const out: Record<string, number[]> = {};
  for (const n of names)
    out[n] = Array.from((await grads[(model.params.get(n) as tf.Variable).name].data()) as Float32Array);
  const lossValue = (await value.data())[0];
  tf.dispose([value, ...Object.values(grads)]);
  // The lab's AdamW (the trainer's), its global norm summed over all 21 weights of the model.
  const opt = new AdamW(model.params, { gradClip: 0.5, weightDecay: 0.01 });
  const step = gradients(model, loss, false);
  const normT = opt.apply(step.grads, 1e-2);
  const gradNorm = (await normT.data())[0];
  tf.dispose([normT, step.value, ...step.grads.values()]);
  const afterStep: Record<string, number[]> = {};
  for (const n of names)
    afterStep[n] = Array.from((await (model.params.get(n) as tf.Variable).data()) as Float32Array);
  opt.dispose();
  model.dispose();
  tf.dispose([ids, mask]);
  const labKernel = labKernelActive();
  return {
    backend: tf.getBackend(),
    adapter,
    logits,
    grads: out,
    afterStep,
    loss: lossValue,
    labKernel,
    gradNorm,
  };
}

answerWith(run);
