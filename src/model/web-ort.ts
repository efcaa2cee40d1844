// onnxruntime-web as the rollout engine's runtime in the page's trainer worker (its wasm execution
// provider: threaded when the page is cross-origin isolated). The host says where the .wasm file is
// served; the module is loaded with the first session, so a run that never samples does not load it.

import type { OrtRuntime, OrtSession, OrtTensor } from './onnx-sampler';

type Ort = typeof import('onnxruntime-web/wasm');

export interface WebOrtOptions {
  /** The URL of onnxruntime-web's ort-wasm-simd-threaded.wasm, as the host's bundler serves it. */
  wasmUrl: string;
  /** Threads of the wasm EP (0: onnxruntime-web's default, half the cores when isolated). */
  threads?: number;
}

export function webOnnxRuntime(options: WebOrtOptions): OrtRuntime {
  let ort: Ort | null = null;
  const threads = options.threads ?? 0;
  return {
    name: `onnxruntime-web (wasm${threads ? `, ${threads} thread${threads === 1 ? '' : 's'}` : ''})`,
    // Measured in Chromium's worker (docs/BENCHMARKS.md, RL step): its wasm kernels sample slower
    // than tfjs-wasm's XNNPACK ones, so 'auto' keeps the tfjs sampler here; 'onnx' still chooses it.
    auto: false,
    async createSession(model: Uint8Array): Promise<OrtSession> {
      if (!ort) {
        ort = await import('onnxruntime-web/wasm');
        ort.env.wasm.wasmPaths = { wasm: options.wasmUrl };
        if (threads) ort.env.wasm.numThreads = threads;
      }
      return (await ort.InferenceSession.create(model, {
        executionProviders: ['wasm'],
        graphOptimizationLevel: 'all',
      })) as unknown as OrtSession;
    },
    tensor(type: 'float32' | 'int32', data: Float32Array | Int32Array, dims: readonly number[]): OrtTensor {
      if (!ort) throw new Error('onnxruntime-web is not loaded: create a session first');
      return new ort.Tensor(type, data, dims) as unknown as OrtTensor;
    },
  } as OrtRuntime;
}
