// The trainer worker: a thin host for the experiment runner, exposed to the page with Comlink.
// It picks the tfjs backend here, off the main thread (with `auto`, the fastest by a probe at the
// run's model size; a backend that fails mid-run hands the run to the next), streams the runner's
// events, and keeps checkpoints in IndexedDB. No training logic lives here.

import * as Comlink from 'comlink';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { labTokenizer } from '../src/behaviors/vocabulary';
import { ExperimentRunner, isFinished, type LabEvent, type RunSummary } from '../src/lab';
import {
  loadCheckpoint,
  modelConfig,
  selectBackend,
  type BackendName,
  type BackendReport,
  type CheckpointFiles,
  type SizePreset,
} from '../src/model';
import { parseCheckpointRef } from '../src/model/checkpoint-ref';
import { MODEL_FILES, REQUIRED_MODEL_FILES } from '../src/model/names';
import { loadCheckpointFiles, saveCheckpointFiles } from '../src/storage/db';
import { probeStep } from '../src/model/probe';
import type { Dimensions } from '../src/model/names';
import { installFault, isFault } from './faults';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import ortWebgpuWasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { webOnnxRuntime } from '../src/model/web-ort';

const backendOptions = {
  wasmPaths: {
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  } as unknown as string,
};

// A run on tfjs's webgpu backend that asks for rl.rolloutEngine 'onnx' samples with the WebGPU EP.
const onnxRuntime = webOnnxRuntime({ wasmUrl: ortWasm, webgpuWasmUrl: ortWebgpuWasm });

let runner: ExperimentRunner | null = null;
// A test's fault (workers/faults.ts): sees each event of a run.
let faultHook: (e: LabEvent) => void = () => {};
// A Stop that arrives while a resumed run's checkpoint is still being read has no runner to reach yet.
let stopBeforeStart = false;

/** Files of a starting checkpoint: a shipped model, an imported one or a run's, from IndexedDB. */
async function checkpointFiles(ref: string): Promise<CheckpointFiles> {
  const parsed = parseCheckpointRef(ref);
  if (parsed.kind === 'shipped') {
    const { name } = parsed;
    const base = new URL(`models/${name}/`, new URL(import.meta.env.BASE_URL, self.location.origin)).href;
    const files: CheckpointFiles = new Map();
    for (const file of MODEL_FILES) {
      const res = await fetch(`${base}${file}`);
      if (res.ok) files.set(file, new Uint8Array(await res.arrayBuffer()));
      else if (REQUIRED_MODEL_FILES.includes(file))
        throw new Error(`the shipped model ${name} has no ${file} (HTTP ${res.status})`);
    }
    return files;
  }
  const stored = await loadCheckpointFiles(ref);
  if (!stored)
    throw new Error(
      parsed.kind === 'imported'
        ? `the imported model "${parsed.name}" is no longer stored in this browser: import it again`
        : 'this run has no checkpoint stored in this browser (a run imported from a results file carries no model, and a run that failed before its first save has none)',
    );
  return new Map(Object.entries(stored.files));
}

function host(runId: string, onEvent: (e: LabEvent) => void) {
  return {
    emit: (e: LabEvent) => {
      faultHook(e);
      onEvent(e);
    },
    saveCheckpoint: (name: string, files: CheckpointFiles) => saveCheckpointFiles(runId, name, files),
    loadCheckpoint: checkpointFiles,
    backendOptions,
    // One checkpoint per run is kept (each save replaces the last): a closed tab loses at most 10 RL
    // steps, and at most two minutes of priming (a page's priming can take half an hour).
    autosaveEvery: 10,
    autosaveSeconds: 120,
    recordKeeps: true,
    measureBackends: true,
    failover: true,
    // onnxruntime-web's wasm EP for rl.rolloutEngine 'onnx' ('auto' keeps the faster tfjs sampler here).
    onnxRuntime,
  };
}

/** One run at a time in this worker. */
function refuseWhileRunning(): void {
  if (runner && !isFinished(runner.currentStage)) throw new Error('a run is already going: stop it first');
}

const api = {
  /** Tests only: install a fault (workers/faults.ts) before any backend starts. */
  setFault(fault: string): void {
    if (!isFault(fault)) throw new Error(`unknown fault ${fault}`);
    faultHook = installFault(fault);
  },

  /**
   * Which backend this browser gives the lab for a model of `size`, and why others were skipped.
   * With `auto` it runs the probe a run of that size would (and the run reuses its choice).
   */
  async probeBackend(
    preferred: BackendName | 'auto' = 'auto',
    size: SizePreset | Dimensions = 'nano',
  ): Promise<BackendReport> {
    modelConfig(labTokenizer().size, size); // a bad size fails here, not in every probe
    return selectBackend(preferred, backendOptions, {
      key: JSON.stringify(size),
      run: (budgetMs) => probeStep(size, labTokenizer().size, budgetMs),
    });
  },

  /** Run an experiment; resolves with its summary (after stop too). */
  async start(config: unknown, runId: string, onEvent: (e: LabEvent) => void): Promise<RunSummary> {
    refuseWhileRunning();
    stopBeforeStart = false;
    runner = new ExperimentRunner(config, host(runId, onEvent));
    return runner.run();
  },

  /** Continue a stopped run from its saved checkpoint. */
  async resumeRun(runId: string, onEvent: (e: LabEvent) => void): Promise<RunSummary> {
    refuseWhileRunning();
    stopBeforeStart = false;
    const files = await checkpointFiles(runId);
    runner = ExperimentRunner.fromCheckpoint(files, host(runId, onEvent));
    if (stopBeforeStart) runner.stop();
    return runner.run();
  },

  pause(): void {
    runner?.pause();
  },
  resume(): void {
    runner?.resume();
  },
  stop(): void {
    if (runner && !isFinished(runner.currentStage)) runner.stop();
    else stopBeforeStart = true;
  },

  /** Check an imported checkpoint without keeping it: what it is, or why it cannot be used. */
  async inspectCheckpoint(
    files: Map<string, Uint8Array>,
  ): Promise<{ ok: true; parameters: number; meta: Record<string, unknown> } | { ok: false; error: string }> {
    try {
      const { model, meta } = loadCheckpoint(files);
      const parameters = [...model.params.values()].reduce((n, v) => n + v.size, 0);
      model.dispose();
      return { ok: true, parameters, meta };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  },
};

export type TrainerApi = typeof api;

Comlink.expose(api);
