// The page's words for the backend the worker chose, and how long a priming will take on it:
// estimated from the worker's measured probe (a forward and backward pass at the run's model size),
// scaled by the tokens the priming will train on.

import { primeData } from '../../behaviors';
import type { ExperimentConfig } from '../../lab/config';
import type { BackendReport } from '../../model/backend';
import { PROBE_TOKENS } from '../../model/names';
import { labTokenizer } from '../../behaviors/vocabulary';

/** "wasm — measured: webgpu 41 ms, wasm 18 ms per pass — skipped webgl: ..." */
export function describeReport(b: BackendReport): string {
  const skipped = b.skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
  const probes = b.probes?.length
    ? ` — measured ${b.probes.map((p) => `${p.backend} ${Math.round(p.stepMs)} ms`).join(', ')} per training pass`
    : '';
  return `${b.backend}${b.adapter ? ` (${b.adapter})` : ''}${probes}${skipped ? ` — skipped ${skipped}` : ''}`;
}

/** What the page says when `auto` did not get WebGPU: absent, or measured slower. Null when it runs. */
export function webgpuNotice(b: BackendReport): string | null {
  const skip = b.skipped.find((x) => x.backend === 'webgpu');
  if (!skip) return null;
  if (skip.reason.startsWith('a software renderer'))
    return `WebGPU here is ${skip.reason}, so the lab trains on ${b.backend}. Chrome or Edge on a laptop with a GPU gives a real one.`;
  if (skip.reason.startsWith('its probe failed'))
    return `WebGPU is too slow in this browser for this model (${skip.reason}), so the lab trains on ${b.backend}, the faster here.`;
  return `WebGPU is not available in this browser (${skip.reason}), so the lab trains on ${b.backend}: the same results, more slowly. Chrome or Edge on a laptop with a GPU gives WebGPU.`;
}

// Mean tokens per priming example, by what shapes the traces (32 are written to find out, ~10 ms).
const meanTokens = new Map<string, number>();

/**
 * About how many seconds priming `c` takes on the chosen backend: its measured pass, per token,
 * times the tokens of every epoch. Null when `c` does not prime or nothing was measured.
 */
export function primingSeconds(c: ExperimentConfig, report: BackendReport | null): number | null {
  const start = c.start;
  const probe = report?.probes?.find((p) => p.backend === report.backend);
  if (start.kind !== 'prime' || !probe) return null;
  const key = JSON.stringify([start.condition, start.phrasing, c.preset, c.ranges ?? null, c.promptFormat]);
  let mean = meanTokens.get(key);
  if (mean === undefined) {
    const tokenizer = labTokenizer();
    const sample = primeData({
      condition: start.condition,
      n: 32,
      seed: c.seed,
      preset: c.preset,
      ranges: c.ranges,
      trace: { phrasing: start.phrasing, promptFormat: c.promptFormat },
    });
    mean =
      sample.reduce(
        (a, e) => a + tokenizer.encode(e.query).length + tokenizer.encode(e.completion).length + 1,
        0,
      ) / Math.max(1, sample.length);
    meanTokens.set(key, mean);
  }
  return (start.examples * start.sft.epochs * mean * probe.stepMs) / PROBE_TOKENS / 1000;
}

/** The estimate in words, for the setup form. */
export function primingEstimate(c: ExperimentConfig | null, report: BackendReport | null): string {
  if (c?.start.kind !== 'prime') return '';
  const s = primingSeconds(c, report);
  if (s === null) return 'Priming time: measuring this machine…';
  const time = s < 90 ? `${Math.max(1, Math.round(s))} s` : `${Math.round(s / 60)} min`;
  return `Priming takes about ${time} on this machine (${report?.backend}, from a measured training pass) before the first RL step.`;
}
