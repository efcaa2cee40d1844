// Choosing the tfjs backend: webgpu first, then webgl, wasm, cpu (or the one the caller names).
// The report says which backend runs, on what adapter, and why each earlier one was skipped.

import * as tf from '@tensorflow/tfjs';

import { BACKENDS, type BackendName } from './names';
export { BACKENDS, type BackendName };

export interface BackendReport {
  backend: BackendName;
  /** GPU adapter description for webgpu/webgl, when the platform tells. */
  adapter?: string;
  skipped: { backend: BackendName; reason: string }[];
}

export interface BackendOptions {
  /** Where the wasm backend finds its .wasm files (the browser build serves them itself). */
  wasmPaths?: string | Record<string, string>;
}

export function isBackendName(name: string): name is BackendName {
  return (BACKENDS as readonly string[]).includes(name);
}

async function tryBackend(
  name: BackendName,
  options: BackendOptions,
): Promise<{ ok: true; adapter?: string } | { ok: false; reason: string }> {
  try {
    const g = globalThis as {
      navigator?: { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string> } | null> } };
      document?: unknown;
      OffscreenCanvas?: unknown;
    };
    let adapter: string | undefined;
    if (name === 'webgpu') {
      if (!g.navigator?.gpu) return { ok: false, reason: 'WebGPU is not available here (no navigator.gpu)' };
      const a = await g.navigator.gpu.requestAdapter();
      if (!a) return { ok: false, reason: 'WebGPU found no adapter' };
      const info = a.info ?? {};
      adapter =
        [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') ||
        'unknown adapter';
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
    return { ok: true, adapter };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** Pick and initialize a backend: `auto` tries webgpu, webgl, wasm, cpu in that order. */
export async function selectBackend(
  preferred: BackendName | 'auto' = 'auto',
  options: BackendOptions = {},
): Promise<BackendReport> {
  if ((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node) {
    // In Node the cpu backend prints an advertisement for tfjs-node on first use.
    tf.env().set('PROD', true);
  }
  const order: readonly BackendName[] = preferred === 'auto' ? BACKENDS : [preferred];
  const skipped: BackendReport['skipped'] = [];
  for (const name of order) {
    const r = await tryBackend(name, options);
    if (r.ok) return { backend: name, adapter: r.adapter, skipped };
    skipped.push({ backend: name, reason: r.reason });
  }
  const why = skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
  throw new Error(`no TensorFlow.js backend could start (${why})`);
}

export function describeBackend(r: BackendReport): string {
  const skipped = r.skipped.map((s) => `${s.backend} skipped: ${s.reason}`).join('; ');
  return `backend ${r.backend}${r.adapter ? ` (${r.adapter})` : ''}${skipped ? ` [${skipped}]` : ''}`;
}
