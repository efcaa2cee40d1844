// WebGPU and wasm vs cpu parity in real Chromium (SwiftShader WebGPU), inside a dedicated worker, for
// the forward logits, the gradients and one step of the lab's AdamW (with its gradient clipping).
import { describe, expect, it } from 'vitest';
import type { ParityBackend, ParityResult } from './parity.worker';
import { callWorker } from './worker-call';

const inWorker = (backend: ParityBackend) =>
  callWorker<ParityResult>(
    new Worker(new URL('./parity.worker.ts', import.meta.url), { type: 'module' }),
    backend,
  );

const maxAbs = (a: number[], b: number[]) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
const maxScale = (a: number[]) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

/**
 * Adam's first step is lr * g / (|g| + eps): for a gradient near eps (1e-7) a difference of 1e-9 moves
 * the step by 1e-4 (lr 1e-2), so the step's tolerance is the caller's.
 */
function expectParity(other: ParityResult, cpu: ParityResult, stepTolerance: number): void {
  expect(other.logits.length).toBe(cpu.logits.length);
  expect(maxAbs(other.logits, cpu.logits)).toBeLessThan(1e-3);
  expect(maxScale(other.logits)).toBeGreaterThan(0.1); // real numbers, not the zeros of dataSync on webgpu
  expect(Math.abs(other.loss - cpu.loss)).toBeLessThan(1e-4);
  for (const name of Object.keys(cpu.grads)) {
    expect(maxAbs(other.grads[name], cpu.grads[name]), name).toBeLessThan(
      1e-4 * Math.max(1, maxScale(cpu.grads[name])) + 1e-6,
    );
    expect(maxAbs(other.afterStep[name], cpu.afterStep[name]), name).toBeLessThan(stepTolerance);
  }
  // The clipping norm sums all 21 weights at once: webgpu's tf.addN returned garbage for that many.
  expect(cpu.gradNorm).toBeGreaterThan(0.5); // so the clip (0.5) acts
  expect(Math.abs(other.gradNorm - cpu.gradNorm)).toBeLessThan(1e-4 * cpu.gradNorm);
}

describe('webgpu and wasm vs cpu in a worker (real Chromium)', () => {
  it('webgpu and cpu agree on logits, gradients and one optimizer step', async () => {
    const gpu = await inWorker('webgpu');
    const cpu = await inWorker('cpu');
    expect(gpu.backend).toBe('webgpu');
    expect(cpu.backend).toBe('cpu');
    console.log(`webgpu adapter: ${gpu.adapter}`);
    expectParity(gpu, cpu, 1e-4);
  });

  it("wasm, with attention on the lab's kernel, and cpu agree on the same", async () => {
    const wasm = await inWorker('wasm');
    const cpu = await inWorker('cpu');
    expect(wasm.backend).toBe('wasm');
    expect(wasm.labKernel).toBe(true);
    // Its sums run in another order than cpu's: a tenth of the step's size.
    expectParity(wasm, cpu, 1e-3);
  });
});
