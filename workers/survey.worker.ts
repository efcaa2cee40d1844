// The survey worker: a thin host for the behavior survey, exposed to the page with Comlink.
// It loads a text-generation ONNX model with transformers.js (onnxruntime-web, WebGPU first, then
// wasm), from the lab's own files by default; the Hugging Face Hub is used only for a model id the
// user typed and confirmed. Scoring is the same code as everywhere: src/lab/survey.ts.

import * as Comlink from 'comlink';
import { env, type ProgressInfo } from '@huggingface/transformers';
import ortGlue from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { runSurvey, type SurveyCompletion, type SurveyOptions, type SurveyResult } from '../src/lab/survey';
import { checkShippedName } from '../src/model/checkpoint-ref';
import { transformersJsFolder } from '../src/model/onnx-export';
import {
  HfCompleter,
  loadHfModel,
  type HfModel,
  type HfSource,
  type PromptStyle,
} from '../src/model/hf-completer';

// onnxruntime's own files come from this site, never from a CDN (transformers.js defaults to one).
env.backends.onnx.wasm!.wasmPaths = { mjs: ortGlue, wasm: ortWasm };
env.allowRemoteModels = false;

/** What the page can ask to survey. */
export type SurveySource =
  | { kind: 'shipped'; name: string } // public/models/<name>/ (an exported lab model)
  | { kind: 'lab'; name: string; files: Map<string, Uint8Array> } // a lab checkpoint, exported here in memory
  | { kind: 'hub'; id: string; dtype: 'fp32' | 'fp16' | 'q8' | 'q4' }; // downloads: only after the user confirms

export interface LoadedInfo {
  name: string;
  style: PromptStyle;
  device: 'webgpu' | 'wasm';
  /** Why WebGPU was not used, when it was not. */
  fallback?: string;
}

export interface DownloadProgress {
  file: string;
  loaded: number;
  total: number;
}

let loaded: HfModel | null = null;
let stopRequested = false;

/** The files of a shipped model's transformers.js export (what `habits-lab models` writes). */
const SHIPPED_EXPORT = [
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/model.onnx',
];

async function toHfSource(source: SurveySource): Promise<HfSource> {
  if (source.kind === 'shipped') {
    // Fetched here and served from memory: transformers.js does no local lookup for an http(s) root,
    // so pointing it at the page's models/ folder found nothing.
    checkShippedName(source.name);
    const base = new URL(`models/${source.name}/`, new URL(import.meta.env.BASE_URL, self.location.origin))
      .href;
    const files = new Map<string, Uint8Array>();
    for (const file of SHIPPED_EXPORT) {
      const res = await fetch(`${base}${file}`);
      if (!res.ok) throw new Error(`the shipped model ${source.name} has no ${file} (HTTP ${res.status})`);
      files.set(file, new Uint8Array(await res.arrayBuffer()));
    }
    return { kind: 'memory', name: source.name, files };
  }
  if (source.kind === 'lab')
    return {
      kind: 'memory',
      name: source.name, // any name: the files are asked for under a fixed id (hf-completer.ts)
      files: transformersJsFolder(source.files),
    };
  if (!/^[\w.-]+\/[\w.-]+$/.test(source.id))
    throw new Error(`"${source.id}" is not a Hugging Face model id (owner/name)`);
  return { kind: 'hub', id: source.id };
}

const api = {
  /** Load a model (replacing the one loaded before), WebGPU first. */
  async load(
    source: SurveySource,
    onProgress?: (p: DownloadProgress) => void,
    device: 'auto' | 'wasm' = 'auto',
  ): Promise<LoadedInfo> {
    stopRequested = false; // a new survey begins here: a Stop pressed while it loads must still count
    await loaded?.dispose();
    loaded = null;
    const hfSource = await toHfSource(source);
    const progress = (info: ProgressInfo) => {
      if (info.status === 'progress')
        onProgress?.({ file: info.file, loaded: info.loaded, total: info.total });
    };
    const dtype = source.kind === 'hub' ? source.dtype : 'fp32';
    let fallback: string | undefined;
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    if (device === 'wasm') {
      fallback = 'wasm was asked for';
    } else if (gpu && (await gpu.requestAdapter().catch(() => null))) {
      try {
        loaded = await loadHfModel({ source: hfSource, device: 'webgpu', dtype, onProgress: progress });
        return { name: loaded.name, style: loaded.style, device: 'webgpu' };
      } catch (err) {
        fallback = `WebGPU could not run this model (${(err as Error).message.slice(0, 200)})`;
      }
    } else {
      fallback = 'this browser has no WebGPU adapter';
    }
    loaded = await loadHfModel({ source: hfSource, device: 'wasm', dtype, onProgress: progress });
    return { name: loaded.name, style: loaded.style, device: 'wasm', fallback };
  },

  /** Survey the loaded model: K completions for each of M problems, scored as they finish. */
  async survey(
    options: SurveyOptions,
    maxNewTokens: number,
    onToken?: (text: string) => void,
    onProgress?: (done: number, total: number, latest: SurveyCompletion[]) => void,
  ): Promise<SurveyResult> {
    if (!loaded) throw new Error('load a model first');
    return runSurvey(loaded.name, new HfCompleter(loaded, { maxNewTokens, seed: options.seed }), options, {
      onToken,
      onProgress,
      shouldStop: () => stopRequested,
    });
  },

  /** Greedy token ids for one prompt (the parity check against the tfjs model). */
  async greedyIds(prompt: string, maxNewTokens: number): Promise<number[]> {
    if (!loaded) throw new Error('load a model first');
    return new HfCompleter(loaded, { maxNewTokens, seed: 0 }).greedyIds(prompt, maxNewTokens);
  },

  /** Finish the problem in progress, then return what was surveyed so far. */
  stop(): void {
    stopRequested = true;
  },
};

export type SurveyApi = typeof api;

Comlink.expose(api);
