// onnxruntime-node as the rollout engine's runtime (Node hosts only: the CLI, tests, the bench).
// One intra-op and one inter-op thread: a run gets one core, like the tfjs wasm backend. The module
// is loaded with the first session, so commands that never sample do not load the native binding.

import type { OrtRuntime, OrtSession, OrtTensor } from './onnx-sampler';

type Ort = typeof import('onnxruntime-node');

export function nodeOnnxRuntime(threads = 1): OrtRuntime {
  let ort: Ort | null = null;
  return {
    name: `onnxruntime-node (${threads} thread${threads === 1 ? '' : 's'})`,
    async createSession(model: Uint8Array): Promise<OrtSession> {
      ort ??= await import('onnxruntime-node');
      return (await ort.InferenceSession.create(model, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      })) as unknown as OrtSession;
    },
    tensor(type: 'float32' | 'int32', data: Float32Array | Int32Array, dims: readonly number[]): OrtTensor {
      if (!ort) throw new Error('onnxruntime-node is not loaded: create a session first');
      return new ort.Tensor(type, data, dims) as unknown as OrtTensor;
    },
  } as OrtRuntime;
}
