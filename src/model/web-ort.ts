// onnxruntime-web as the rollout engine's runtime in the page's trainer worker: its wasm execution
// provider (threaded when the page is cross-origin isolated), or its WebGPU one for runs on tfjs's
// webgpu backend. The host says where the .wasm files are served; a module is loaded with the first
// session that needs it, so a run that never samples does not load one.

import * as tf from '@tensorflow/tfjs';
import type { OrtRuntime, OrtSession, OrtTensor } from './onnx-sampler';

type Ort = typeof import('onnxruntime-web/wasm');
type Provider = 'wasm' | 'webgpu';

export interface WebOrtOptions {
  /** The URL of onnxruntime-web's ort-wasm-simd-threaded.wasm, as the host's bundler serves it. */
  wasmUrl: string;
  /**
   * The URL of its WebGPU build's ort-wasm-simd-threaded.asyncify.wasm: given, a run on tfjs's
   * webgpu backend samples with the WebGPU execution provider.
   */
  webgpuWasmUrl?: string;
  /** Threads of the wasm EP (0: onnxruntime-web's default, half the cores when isolated). */
  threads?: number;
}

export function webOnnxRuntime(options: WebOrtOptions): OrtRuntime {
  const loaded = new Map<Provider, Ort>();
  let current: Ort | null = null;
  const threads = options.threads ?? 0;
  const provider = (): Provider =>
    options.webgpuWasmUrl && tf.getBackend() === 'webgpu' ? 'webgpu' : 'wasm';
  const load = async (p: Provider): Promise<Ort> => {
    let ort = loaded.get(p);
    if (!ort) {
      // Both builds share the Ort API; only their kernels (and .wasm files) differ.
      ort = (
        p === 'webgpu' ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm')
      ) as Ort;
      ort.env.wasm.wasmPaths = { wasm: p === 'webgpu' ? options.webgpuWasmUrl! : options.wasmUrl };
      if (threads) ort.env.wasm.numThreads = threads;
      loaded.set(p, ort);
    }
    return ort;
  };
  return {
    get name() {
      const p = provider();
      return `onnxruntime-web (${p}${p === 'wasm' && threads ? `, ${threads} thread${threads === 1 ? '' : 's'}` : ''})`;
    },
    // Measured in Chromium's worker (docs/BENCHMARKS.md, RL step): its wasm EP samples faster than
    // the tfjs sampler there (a 64-episode step 1.78 s against 2.78 s), so 'auto' takes it. No GPU
    // could be measured here (SwiftShader only), so on tfjs's webgpu backend 'auto' keeps the tfjs
    // sampler and only 'onnx' chooses the WebGPU EP.
    get auto() {
      return provider() === 'wasm';
    },
    async createSession(model: Uint8Array): Promise<OrtSession> {
      const p = provider();
      current = await load(p);
      return (await current.InferenceSession.create(model, {
        executionProviders: [p],
        graphOptimizationLevel: 'all',
      })) as unknown as OrtSession;
    },
    tensor(type: 'float32' | 'int32', data: Float32Array | Int32Array, dims: readonly number[]): OrtTensor {
      if (!current) throw new Error('onnxruntime-web is not loaded: create a session first');
      return new current.Tensor(type, data, dims) as unknown as OrtTensor;
    },
  } as OrtRuntime;
}
