// onnxruntime-web as the page's rollout engine, in real Chromium: on a run of tfjs's webgpu backend
// it samples with its WebGPU execution provider (SwiftShader here: a correctness check, not a
// GPU's speed), elsewhere with its wasm EP; either way every sampled token's log-prob and every
// reference log-prob is the tfjs policy's by teacher forcing, to 1e-4 (PPO's ratio is built on them).
// The WebGPU pass takes about 45 s on SwiftShader.
import { describe, expect, it } from 'vitest';
import type { WebOrtResult } from './web-ort.worker';
import { callWorker } from './worker-call';

const inWorker = (backend: 'webgpu' | 'cpu') =>
  callWorker<WebOrtResult>(
    new Worker(new URL('./web-ort.worker.ts', import.meta.url), { type: 'module' }),
    backend,
  );

describe('onnxruntime-web as the rollout engine (real Chromium, in a worker)', () => {
  for (const [backend, provider] of [
    ['webgpu', 'webgpu'],
    ['cpu', 'wasm'],
  ] as const)
    it(`on tfjs's ${backend} backend it samples with its ${provider} EP, log-probs the tfjs policy's to 1e-4`, async () => {
      const r = await inWorker(backend);
      expect(r.backend).toBe(backend);
      expect(r.runtime).toContain(`(${provider}`);
      // 'auto' takes the wasm EP (measured faster than the tfjs sampler), not the unmeasured WebGPU one.
      expect(r.auto).toBe(provider === 'wasm');
      expect(r.tokens).toBeGreaterThan(6 * 8);
      expect(r.maxGap).toBeLessThan(1e-4);
      expect(r.referenceGap).toBeLessThan(1e-4);
    }, 240_000);
});
