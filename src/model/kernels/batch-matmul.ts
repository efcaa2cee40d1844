// Batched products (attention's, rank >= 3 with the same batch axes) on tfjs's wasm backend, through
// the lab's SIMD kernel (batch-matmul.wat). tfjs-wasm sends any product with a batch axis to a scalar
// loop (1.4-3 GFLOP/s measured here) and only 2-D ones to XNNPACK; the kernel runs attention's
// products at 3.4-35 GFLOP/s (docs/MODEL.md). Other backends and shapes go to tf.matMul.

import * as tf from '@tensorflow/tfjs';
import { BATCH_MATMUL_WASM } from './batch-matmul-wasm';

const KERNEL = 'HabitsLabBatchMatMul';

type Bmm = (a: number, b: number, c: number, batch: number, m: number, k: number, n: number) => void;

/** What the kernel reads of tfjs-wasm's backend (its emscripten module, tensor offsets, outputs). */
interface WasmBackendLike {
  wasm?: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

const bound = new WeakMap<object, Bmm | null>();

const decode = (base64: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

/**
 * The kernel instantiated on a backend's own memory (shared in tfjs's threaded build), so that it
 * reads and writes tensors where they are; null where the backend does not expose its memory or the
 * engine lacks wasm SIMD.
 */
function kernelOf(backend: object): Bmm | null {
  if (bound.has(backend)) return bound.get(backend)!;
  let bmm: Bmm | null = null;
  const wasm = (backend as WasmBackendLike).wasm;
  const memory = wasm?.wasmMemory ?? wasm?.asm?.memory;
  if (memory instanceof WebAssembly.Memory) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    try {
      const module = new WebAssembly.Module(
        decode(shared ? BATCH_MATMUL_WASM.shared : BATCH_MATMUL_WASM.plain),
      );
      bmm = new WebAssembly.Instance(module, { env: { memory } }).exports.bmm as Bmm;
    } catch {
      bmm = null; // no wasm SIMD here: tf.matMul it is
    }
  }
  bound.set(backend, bmm);
  return bmm;
}

if (!tf.getKernel(KERNEL, 'wasm'))
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const be = backend as unknown as WasmBackendLike;
      const [batch, m, k] = a.shape;
      const n = b.shape[2];
      const out = be.makeOutput([batch, m, n], 'float32');
      const offset = (t: tf.TensorInfo) => be.dataIdMap.get(t.dataId)!.memoryOffset;
      if (batch * m * n > 0) kernelOf(backend)!(offset(a), offset(b), offset(out), batch, m, k, n);
      return out;
    },
  });

/** Whether the current backend runs batched products on the lab's kernel. */
export function labKernelActive(): boolean {
  return tf.getBackend() === 'wasm' && kernelOf(tf.backend()) !== null;
}

/** a @ b over matching batch axes: the lab's kernel where it runs, else tf.matMul (forward only). */
export function batchMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const r = a.rank;
  const lead = a.shape.slice(0, -2);
  const batch = lead.reduce((x, y) => x * y, 1);
  const fits =
    r >= 3 &&
    b.rank === r &&
    a.dtype === 'float32' &&
    b.dtype === 'float32' &&
    batch > 1 &&
    lead.every((d, i) => d === b.shape[i]) &&
    a.shape[r - 1] === b.shape[r - 2];
  if (!fits || !labKernelActive()) return tf.matMul(a, b);
  const [m, k, n] = [a.shape[r - 2], a.shape[r - 1], b.shape[r - 1]];
  return tf.tidy(() =>
    (
      tf
        .engine()
        .runKernel(KERNEL, { a: a.reshape([batch, m, k]), b: b.reshape([batch, k, n]) }, {}) as tf.Tensor
    ).reshape([...lead, m, n]),
  );
}
