// Runs in a dedicated worker inside real Chromium: onnxruntime-web as the rollout engine on a run of
// tfjs's webgpu backend (so its WebGPU execution provider, on SwiftShader here) or wasm backend
// (its wasm EP), against the tfjs policy's own log-probs by teacher forcing.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import ortWebgpuWasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { labTokenizer } from '../../src/behaviors/vocabulary';
import { formatPrompt, generateProblems, problemSpec } from '../../src/countdown';
import { modelConfig, Transformer } from '../../src/model';
import { webOnnxRuntime } from '../../src/model/web-ort';
import { OnnxRolloutEngine } from '../../src/rl/rollout-engine';
import { responseLogprobs } from '../../src/rl/teacher-forcing';
import { Rng } from '../../src/util/rng';
import { answerWith } from './worker-call';

export interface WebOrtResult {
  backend: string;
  runtime: string;
  /** Whether rl.rolloutEngine 'auto' takes it. */
  auto: boolean;
  tokens: number;
  maxGap: number;
  referenceGap: number;
}

async function run(backend: 'webgpu' | 'cpu'): Promise<WebOrtResult> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
  await tf.ready();
  const tok = labTokenizer();
  const model = Transformer.init(modelConfig(tok.size, 'nano'), 21);
  // Sharp, varied predictions (a raw init is nearly uniform).
  for (const v of model.params.values()) if (v.shape.length === 2) v.assign(tf.tidy(() => tf.mul(v, 4)));
  model.ensureValueHead();
  const runtime = webOnnxRuntime({ wasmUrl: ortWasm, webgpuWasmUrl: ortWebgpuWasm });
  const engine = await OnnxRolloutEngine.create(runtime, model);
  const prompts = generateProblems(problemSpec('easy'), { n: 6, seed: 3, split: 'train' }).map((p) =>
    tok.encode(formatPrompt(p, 'compact')),
  );
  const options = { maxNewTokens: 24, eosId: tok.eosId, padId: tok.padId, temperature: 1 };
  const drawn = await engine.sample(model, prompts, options, new Rng(5));
  const rows = prompts.map((prompt, i) => ({ prompt, response: drawn.tokens[i] }));
  const teacher = await responseLogprobs(model, rows, tok.padId, 64, 1);
  const reference = await engine.referenceLogprobs(model, rows, tok.padId, 1);
  const gap = (a: number[][]) =>
    a.reduce((m, r, i) => r.reduce((mm, x, j) => Math.max(mm, Math.abs(x - teacher[i][j])), m), 0);
  const result = {
    backend: tf.getBackend(),
    runtime: runtime.name,
    auto: runtime.auto !== false,
    tokens: drawn.tokens.reduce((n, t) => n + t.length, 0),
    maxGap: gap(drawn.logprobs),
    referenceGap: gap(reference),
  };
  await engine.dispose();
  model.dispose();
  return result;
}

answerWith(run);
