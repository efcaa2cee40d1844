// WebGPU vs cpu parity in real Chromium (SwiftShader WebGPU), inside a dedicated worker, for the
// forward logits, the gradients and one Adam step of the nano model.
import { describe, expect, it } from 'vitest';
import type { ParityResult } from './parity.worker';

function inWorker(backend: 'webgpu' | 'cpu'): Promise<ParityResult> {
  const worker = new Worker(new URL('./parity.worker.ts', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<{ ok: boolean; result?: ParityResult; error?: string }>) => {
      worker.terminate();
      if (e.data.ok) resolve(e.data.result as ParityResult);
      else reject(new Error(e.data.error));
    };
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage(backend);
  });
}

const maxAbs = (a: number[], b: number[]) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
const maxScale = (a: number[]) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

describe('webgpu vs cpu in a worker (real Chromium)', () => {
  it('agree on logits, gradients and one optimizer step', async () => {
    const gpu = await inWorker('webgpu');
    const cpu = await inWorker('cpu');
    expect(gpu.backend).toBe('webgpu');
    expect(cpu.backend).toBe('cpu');
    console.log(`webgpu adapter: ${gpu.adapter}`);
    expect(gpu.logits.length).toBe(cpu.logits.length);
    expect(maxAbs(gpu.logits, cpu.logits)).toBeLessThan(1e-3);
    expect(maxScale(gpu.logits)).toBeGreaterThan(0.1); // real numbers, not the zeros of dataSync on webgpu
    expect(Math.abs(gpu.loss - cpu.loss)).toBeLessThan(1e-4);
    for (const name of Object.keys(cpu.grads)) {
      expect(maxAbs(gpu.grads[name], cpu.grads[name]), name).toBeLessThan(
        1e-4 * Math.max(1, maxScale(cpu.grads[name])) + 1e-6,
      );
      expect(maxAbs(gpu.afterStep[name], cpu.afterStep[name]), name).toBeLessThan(1e-4);
    }
  });
});
