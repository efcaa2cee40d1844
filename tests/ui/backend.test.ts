import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/lab/config';
import type { BackendReport } from '../../src/model/backend';
import { describeReport, primingEstimate, primingSeconds, webgpuNotice } from '../../src/ui/lib/backend';

const report: BackendReport = {
  backend: 'wasm',
  skipped: [{ backend: 'webgpu', reason: 'its probe failed: too slow here: a training pass took over 3 s' }],
  probes: [{ backend: 'wasm', warmupMs: 900, stepMs: 120 }],
};
const priming = (examples: number, epochs: number) =>
  parseConfig({ start: { kind: 'prime', condition: 'all_strategies', examples, sft: { epochs } } });

describe("the page's backend words and priming estimate", () => {
  it('the estimate scales with the traces, the epochs and the measured pass', () => {
    const one = primingSeconds(priming(1000, 1), report) as number;
    expect(one).toBeGreaterThan(0);
    expect(primingSeconds(priming(1000, 6), report)).toBeCloseTo(6 * one, 6);
    expect(primingSeconds(priming(4000, 1), report)).toBeCloseTo(4 * one, 6);
    const slower = { ...report, probes: [{ backend: 'wasm' as const, warmupMs: 900, stepMs: 240 }] };
    expect(primingSeconds(priming(1000, 1), slower)).toBeCloseTo(2 * one, 6);
  });

  it('no estimate without priming or without a measured pass of the chosen backend', () => {
    const shipped = parseConfig({ start: { kind: 'checkpoint', checkpoint: 'shipped:all_strategies' } });
    expect(primingSeconds(shipped, report)).toBeNull();
    expect(primingSeconds(priming(1000, 1), { ...report, probes: [] })).toBeNull();
    expect(primingEstimate(priming(1000, 1), null)).toMatch(/measuring/);
    expect(primingEstimate(priming(4000, 6), report)).toMatch(
      /^Priming takes about \d+ (s|min) on this machine \(wasm/,
    );
  });

  it('the status line shows the figures, and the notice tells slow WebGPU from none', () => {
    expect(describeReport(report)).toMatch(
      /^wasm — measured wasm 120 ms per training pass — skipped webgpu: its probe failed/,
    );
    expect(webgpuNotice(report)).toMatch(/^WebGPU is too slow/);
    expect(
      webgpuNotice({ ...report, skipped: [{ backend: 'webgpu', reason: 'WebGPU found no adapter' }] }),
    ).toMatch(/^WebGPU is not available in this browser \(WebGPU found no adapter\)/);
    expect(
      webgpuNotice({
        ...report,
        skipped: [{ backend: 'webgpu', reason: 'a software renderer (google swiftshader)' }],
      }),
    ).toMatch(/^WebGPU here is a software renderer \(google swiftshader\), so the lab trains on wasm/);
    expect(webgpuNotice({ backend: 'webgpu', skipped: [] })).toBeNull();
  });
});
