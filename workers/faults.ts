// Test-only faults for the trainer worker, so that the end-to-end tests can watch the lab survive a
// backend that fails. The page passes the `fault` query parameter of its URL (`?fault=...`); a
// normal visit has none and nothing here runs.
//
//   webgpu-init    WebGPU finds an adapter but its device cannot be created (tf.setBackend fails)
//   webgpu-kernel  once the first RL step is recorded, every WebGPU kernel throws

import * as tf from '@tensorflow/tfjs';
import type { LabEvent } from '../src/lab';

export const FAULTS = ['webgpu-init', 'webgpu-kernel'] as const;
export type Fault = (typeof FAULTS)[number];

export function isFault(x: unknown): x is Fault {
  return (FAULTS as readonly unknown[]).includes(x);
}

interface Gpu {
  requestAdapter(o?: unknown): Promise<{ requestDevice: (d?: unknown) => Promise<unknown> } | null>;
}

/** Install a fault before any backend starts; returns what to call with each event of a run. */
export function installFault(fault: Fault): (e: LabEvent) => void {
  if (fault === 'webgpu-init') {
    const gpu = (navigator as unknown as { gpu?: Gpu }).gpu;
    if (gpu) {
      const real = gpu.requestAdapter.bind(gpu);
      gpu.requestAdapter = async (o) => {
        const adapter = await real(o);
        if (adapter) adapter.requestDevice = () => Promise.reject(new Error('injected fault: no device'));
        return adapter;
      };
    }
    return () => {};
  }
  return (e) => {
    if (e.type !== 'step' || tf.getBackend() !== 'webgpu') return;
    const backend = tf.findBackend('webgpu') as unknown as { runWebGPUProgram: () => never };
    backend.runWebGPUProgram = () => {
      throw new Error('injected fault: a WebGPU kernel failed');
    };
  };
}
