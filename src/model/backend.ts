// Choosing the tfjs backend: webgpu first, then webgl, wasm, cpu (or the one the caller names); or,
// given a probe, the fastest of those that start, measured. The report says which backend runs, on
// what adapter, the measured figures, and why others were skipped. Choices are made one at a time:
// two overlapping tf.setBackend calls can leave tfjs running one backend's kernels on another
// backend (the webgl crash `runWebGLProgram is not a function`).

import * as tf from '@tensorflow/tfjs';

import { BACKENDS, type BackendName } from './names';
export { BACKENDS, type BackendName };

export interface BackendReport {
  backend: BackendName;
  /** GPU adapter description for webgpu/webgl, when the platform tells. */
  adapter?: string;
  skipped: { backend: BackendName; reason: string }[];
  /** The probe's figures per backend that started, when `auto` chose by measurement. */
  probes?: BackendProbe[];
}

/** One backend's probe: a forward and backward pass at the run's model size. */
export interface BackendProbe {
  backend: BackendName;
  /** The first pass, shader compilation included (ms). */
  warmupMs: number;
  /** One pass once warm (ms): what `auto` compares. */
  stepMs: number;
}

/** A probe to choose by: `run` times a pass on the current backend; `key` names what it measures. */
export interface BackendMeasure {
  key: string;
  /** Rejects when a pass takes over `budgetMs`. */
  run(budgetMs: number): Promise<{ warmupMs: number; stepMs: number }>;
}

export interface BackendOptions {
  /** Where the wasm backend finds its .wasm files (the browser build serves them itself). */
  wasmPaths?: string | Record<string, string>;
  /** Backends not to use (ones that failed earlier in this run). */
  exclude?: readonly BackendName[];
}

export function isBackendName(name: string): name is BackendName {
  return (BACKENDS as readonly string[]).includes(name);
}

/** GPU backends given up on in this page, and why (a reload tries them again). */
const abandoned = new Map<BackendName, string>();

/**
 * Stop a GPU backend whose probe was given up on: its device is destroyed, so that the work it
 * still had queued (minutes, on a software renderer) does not slow the backend that runs.
 */
function abandon(name: BackendName, reason: string): void {
  abandoned.set(name, reason);
  try {
    const device = (tf.findBackend(name) as unknown as { device?: { destroy(): void } } | null)?.device;
    tf.removeBackend(name);
    device?.destroy();
  } catch {
    // Already gone.
  }
}

async function tryBackend(
  name: BackendName,
  options: BackendOptions,
): Promise<{ ok: true; adapter?: string; software?: boolean } | { ok: false; reason: string }> {
  const given = abandoned.get(name);
  if (given) return { ok: false, reason: `${given} (reload the page to try it again)` };
  try {
    const g = globalThis as {
      navigator?: { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string> } | null> } };
      document?: unknown;
      OffscreenCanvas?: unknown;
    };
    let adapter: string | undefined;
    let software = false;
    if (name === 'webgpu') {
      if (!g.navigator?.gpu) return { ok: false, reason: 'WebGPU is not available here (no navigator.gpu)' };
      const a = await g.navigator.gpu.requestAdapter();
      if (!a) return { ok: false, reason: 'WebGPU found no adapter' };
      const info: Record<string, string | boolean | undefined> = a.info ?? {};
      adapter =
        [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') ||
        'unknown adapter';
      software = info.isFallbackAdapter === true || /swiftshader/i.test(adapter);
      await import('@tensorflow/tfjs-backend-webgpu');
    } else if (name === 'webgl') {
      if (!g.document && !g.OffscreenCanvas)
        return { ok: false, reason: 'WebGL needs a canvas (not available here)' };
    } else if (name === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (options.wasmPaths) wasm.setWasmPaths(options.wasmPaths as string);
    }
    const ok = await tf.setBackend(name);
    if (!ok) return { ok: false, reason: `tf.setBackend('${name}') failed to initialize` };
    await tf.ready();
    return { ok: true, adapter, software };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** The order `auto` measures in; see choose(). */
const MEASURE_ORDER: readonly BackendName[] = ['wasm', 'webgpu', 'webgl', 'cpu'];
/** A backend's probe may take 3× the best so far (shader compilation included), within these. */
const MIN_PROBE_MS = 1000;
const MAX_PROBE_MS = 8000;

let queue: Promise<unknown> = Promise.resolve();
/** `auto` choices by measurement, by what was measured: the page's probe serves the run. */
const measured = new Map<string, BackendReport>();

/**
 * Pick and initialize a backend: `auto` tries webgpu, webgl, wasm, cpu in that order and keeps the
 * first that starts, or with `measure` the fastest of them (cpu only when no other starts).
 */
export function selectBackend(
  preferred: BackendName | 'auto' = 'auto',
  options: BackendOptions = {},
  measure?: BackendMeasure,
): Promise<BackendReport> {
  const next = queue.then(() => choose(preferred, options, measure));
  queue = next.catch(() => {});
  return next;
}

async function choose(
  preferred: BackendName | 'auto',
  options: BackendOptions,
  measure?: BackendMeasure,
): Promise<BackendReport> {
  if ((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node) {
    // In Node the cpu backend prints an advertisement for tfjs-node on first use.
    tf.env().set('PROD', true);
  }
  const exclude = options.exclude ?? [];
  // Measuring, wasm goes first: its figure bounds how long the others may take to show theirs.
  // So does a run handed on from a failed backend: wasm is the one that always works.
  const auto = measure || exclude.length ? MEASURE_ORDER : BACKENDS;
  const order = (preferred === 'auto' ? auto : [preferred]).filter((b) => !exclude.includes(b));
  const skipped: BackendReport['skipped'] = exclude.map((backend) => ({
    backend,
    reason: 'failed earlier in this run',
  }));
  const cacheKey = measure && `${measure.key}|${exclude.join(',')}`;
  const known = cacheKey ? measured.get(cacheKey) : undefined;
  if (preferred === 'auto' && known) {
    const r = await tryBackend(known.backend, options);
    if (r.ok) return known;
  }
  const started: { backend: BackendName; adapter?: string }[] = [];
  const probes: BackendProbe[] = [];
  for (const name of order) {
    // cpu is never faster than wasm, and a webgl pass blocks the worker while it compiles (tens of
    // seconds on a software renderer): each is measured only when nothing else starts.
    if (preferred === 'auto' && measure && (name === 'cpu' || name === 'webgl') && started.length > 0)
      continue;
    const r = await tryBackend(name, options);
    if (!r.ok) {
      skipped.push({ backend: name, reason: r.reason });
      continue;
    }
    if (preferred !== 'auto' || !measure) return { backend: name, adapter: r.adapter, skipped };
    if (r.software) {
      // A software renderer runs on the CPU wasm already uses, far more slowly; its shader
      // compilation would keep the CPU busy for minutes after a probe gave up on it.
      skipped.push({
        backend: name,
        reason: `a software renderer (${r.adapter}), slower than wasm on the same CPU`,
      });
      continue;
    }
    try {
      const best = probes.length ? Math.min(...probes.map((p) => p.warmupMs + p.stepMs)) : Infinity;
      const budget = Math.min(MAX_PROBE_MS, Math.max(MIN_PROBE_MS, 3 * best));
      probes.push({ backend: name, ...(await measure.run(budget)) });
      started.push({ backend: name, adapter: r.adapter });
    } catch (err) {
      const reason = `its probe failed: ${err instanceof Error ? err.message : String(err)}`;
      skipped.push({ backend: name, reason });
      if (name === 'webgpu' || name === 'webgl') abandon(name, reason);
    }
  }
  if (started.length > 0) {
    const best = probes.reduce((a, b) => (b.stepMs < a.stepMs ? b : a));
    const r = await tryBackend(best.backend, options);
    if (r.ok) {
      const report: BackendReport = {
        backend: best.backend,
        adapter: started.find((s) => s.backend === best.backend)?.adapter,
        skipped,
        probes,
      };
      if (cacheKey) measured.set(cacheKey, report);
      return report;
    }
    skipped.push({ backend: best.backend, reason: r.reason });
  }
  const why = skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
  throw new Error(`no TensorFlow.js backend could start (${why})`);
}

/** The probe's figures in words: "webgpu 41 ms, wasm 18 ms per pass". */
export function describeProbes(probes: readonly BackendProbe[]): string {
  return `${probes.map((p) => `${p.backend} ${Math.round(p.stepMs)} ms`).join(', ')} per forward and backward pass`;
}

export function describeBackend(r: BackendReport): string {
  const skipped = r.skipped.map((s) => `${s.backend} skipped: ${s.reason}`).join('; ');
  return `backend ${r.backend}${r.adapter ? ` (${r.adapter})` : ''}${skipped ? ` [${skipped}]` : ''}`;
}
