// One browser benchmark configuration, in a Web Worker as the lab's trainer runs: the backend (wasm
// on 1 thread or on every thread, or webgpu), then nano decode and train rates (bench/rates.ts), or
// the RL step of bench/rl-step.ts (bench/ppo-step.ts) with the worker's rollout engines.
import * as tf from '@tensorflow/tfjs';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { modelConfig, Transformer, type CheckpointFiles } from '../../src/model';
import { MODEL_FILES } from '../../src/model/names';
import { webOnnxRuntime } from '../../src/model/web-ort';
import { createRolloutEngine, type RolloutEngine } from '../../src/rl/rollout-engine';
import { Rng } from '../../src/util/rng';
import { meanSteps, stepSetup, type StepFigures } from '../ppo-step';
import { decodeRate, tok, TRAIN_BATCH, trainRate } from '../rates';

export interface BrowserCase {
  backend: 'wasm' | 'webgpu';
  /** wasm threads (0: every core). */
  threads: number;
  newTokens: number;
  trainSteps: number;
  /** Instead of the rates: the RL step of this shipped model with these engines, n steps each. */
  rl?: { model: string; engines: ('onnx' | 'tfjs')[]; episodes: number[]; steps: number };
}

/** The RL step of bench/rl-step.ts here: the shipped model, the replication's settings, lr 0. */
async function rlSteps(rl: NonNullable<BrowserCase['rl']>) {
  const files: CheckpointFiles = new Map();
  for (const file of MODEL_FILES) {
    const res = await fetch(`/models/${rl.model}/${file}`);
    if (res.ok) files.set(file, new Uint8Array(await res.arrayBuffer()));
  }
  const setup = stepSetup(files);
  const { policy, reference, ppo } = setup;
  const runtime = webOnnxRuntime({ wasmUrl: ortWasm });
  const out: { engine: string; episodes: number; figures: StepFigures }[] = [];
  const anchors: number[] = [];
  const first = setup.tokenizer.encode('1')[0];
  for (const name of rl.engines) {
    const { engine } = await createRolloutEngine(name, runtime, policy);
    if (name === 'onnx') anchors.push(await anchorSeconds(engine));
    for (const episodes of name === 'onnx' ? rl.episodes : rl.episodes.slice(0, 1))
      out.push({
        engine: name === 'onnx' ? runtime.name : 'tfjs',
        episodes,
        figures: await meanSteps(setup, engine, episodes / ppo.samplesPerPrompt, rl.steps),
      });
    if (name === 'onnx') anchors.push(await anchorSeconds(engine));
    await engine.dispose();
  }
  policy.dispose();
  reference.dispose();
  return { steps: out, anchor: anchors.length ? anchors.reduce((a, b) => a + b, 0) / anchors.length : null };

  /**
   * The Node anchor's work in this worker: onnxruntime-web decoding 64 rows x 160 tokens from a
   * one-token prompt, greedy, no early stop (the engine's graph: its weights are inputs).
   */
  async function anchorSeconds(engine: RolloutEngine): Promise<number> {
    const prompts = Array.from({ length: 64 }, () => [first]);
    const options = { maxNewTokens: 160, eosId: -1, padId: setup.tokenizer.padId, greedy: true };
    await engine.sample(policy, prompts.slice(0, 2), { ...options, maxNewTokens: 4 }, new Rng(0));
    const t0 = performance.now();
    await engine.sample(policy, prompts, options, new Rng(0));
    return (performance.now() - t0) / 1000;
  }
}

self.onmessage = async (e: MessageEvent<BrowserCase>) => {
  const c = e.data;
  try {
    let threads: number | undefined;
    let multithread: boolean | undefined;
    if (c.backend === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths({
        'tfjs-backend-wasm.wasm': wasmPlain,
        'tfjs-backend-wasm-simd.wasm': wasmSimd,
        'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
      });
      // tfjs's own default is half the cores (at most 4): name every core to measure them all.
      wasm.setThreadsCount(c.threads > 0 ? c.threads : navigator.hardwareConcurrency);
      if (!(await tf.setBackend('wasm'))) throw new Error('wasm did not start');
      threads = wasm.getThreadsCount();
      multithread = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean;
    } else {
      await import('@tensorflow/tfjs-backend-webgpu');
      if (!(await tf.setBackend('webgpu'))) throw new Error('webgpu did not start');
    }
    await tf.ready();
    if (c.rl) {
      const { steps, anchor } = await rlSteps(c.rl);
      self.postMessage({ ok: true, threads, cores: navigator.hardwareConcurrency, steps, anchor });
      return;
    }
    const model = Transformer.init(modelConfig(tok.size, 'nano'), 1);
    await decodeRate(model, true, 4); // compiles the GPU backends' shaders
    const decode = await decodeRate(model, true, c.newTokens);
    const train = await trainRate(model, TRAIN_BATCH, c.trainSteps);
    model.dispose();
    self.postMessage({
      ok: true,
      threads,
      multithread,
      cores: navigator.hardwareConcurrency,
      isolated: self.crossOriginIsolated,
      decode,
      train,
    });
  } catch (err) {
    self.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
};
