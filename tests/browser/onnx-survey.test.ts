// In real Chromium: a lab model exported to ONNX and loaded by transformers.js (onnxruntime-web) in
// the survey worker gives the tfjs model's greedy completions token for token, on WebGPU
// (SwiftShader here) and on wasm; and the worker's survey scores match scoring the same texts here.
import * as tf from '@tensorflow/tfjs';
import * as Comlink from 'comlink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../src/behaviors';
import { formatPrompt, generateProblems, problemSpec, scoreResponse } from '../../src/countdown';
import { Rng } from '../../src/util/rng';
import { modelConfig, sample, saveCheckpoint, Transformer, type CheckpointFiles } from '../../src/model';
import type { SurveyApi } from '../../workers/survey.worker';
import { labTokenizer } from '../../src/behaviors/vocabulary';

const tok = labTokenizer();
let model: Transformer;
let files: CheckpointFiles;
let worker: Worker;
let api: Comlink.Remote<SurveyApi>;

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = Transformer.init(modelConfig(tok.size, 'nano'), 17);
  // Sharp, varied predictions (a raw init is nearly uniform).
  for (const v of model.params.values()) if (v.shape.length === 2) v.assign(tf.tidy(() => tf.mul(v, 6)));
  files = await saveCheckpoint(model, tok, { prompt_format: 'compact' });
  worker = new Worker(new URL('../../workers/survey.worker.ts', import.meta.url), { type: 'module' });
  api = Comlink.wrap<SurveyApi>(worker);
});
afterAll(() => worker?.terminate());

async function tfjsGreedy(prompt: string, n: number): Promise<number[]> {
  const r = await sample(
    model,
    [tok.encode(prompt)],
    { maxNewTokens: n, eosId: tok.eosId, padId: tok.padId, greedy: true },
    new Rng(0),
  );
  return r.tokens[0];
}

const problems = generateProblems(problemSpec('paper'), { n: 4, seed: 8, split: 'test' });

describe('ONNX export in transformers.js (real Chromium, survey worker)', () => {
  for (const device of ['auto', 'wasm'] as const) {
    it(`greedy completions equal the tfjs model's (${device === 'auto' ? 'WebGPU first' : 'wasm'})`, async () => {
      const info = await api.load({ kind: 'lab', name: `parity-${device}`, files }, undefined, device);
      console.log(`survey worker loaded on ${info.device}${info.fallback ? ` (${info.fallback})` : ''}`);
      if (device === 'wasm') expect(info.device).toBe('wasm');
      else expect(info.device).toBe('webgpu'); // SwiftShader provides an adapter in these tests
      expect(info.style).toBe('compact');
      const distinct = new Set<number>();
      for (const p of problems) {
        const prompt = formatPrompt(p, 'compact');
        const ours = await tfjsGreedy(prompt, 40);
        const theirs = await api.greedyIds(prompt, 40);
        expect(theirs.slice(0, ours.length)).toEqual(ours);
        ours.forEach((t) => distinct.add(t));
      }
      expect(distinct.size).toBeGreaterThan(15);
    });
  }

  it('surveys in the worker with the same scores as scoring the texts here', async () => {
    await api.load({ kind: 'lab', name: 'survey', files }, undefined, 'wasm');
    let streamed = '';
    const result = await api.survey(
      { problems: 3, samples: 2, preset: 'easy', seed: 1, rewardMode: 'tinyzero' },
      40,
      Comlink.proxy((t: string) => {
        streamed += t;
      }),
    );
    expect(result.completions).toHaveLength(6);
    const ps = generateProblems(problemSpec('easy'), { n: 3, seed: 1, split: 'test' });
    result.completions.forEach((c, i) => {
      const p = ps[Math.floor(i / 2)];
      const reward = scoreResponse(c.completion, p, { mode: 'tinyzero' });
      expect([c.score, c.reason]).toEqual([reward.score, reward.reason]);
      expect(c.behaviors).toEqual(classify(c.completion, p).counts);
    });
    // The streamed text comes over the callback's own message port, which is not ordered with the
    // survey's reply: its last pieces may arrive just after the result.
    await expect
      .poll(() => streamed, { timeout: 5000 })
      .toBe(
        result.completions
          .filter((_, i) => i % 2 === 0)
          .map((c) => c.completion)
          .join(''),
      );
  });

  it('refuses a broken checkpoint with the loader’s message and no half-loaded model', async () => {
    const broken = new Map(files);
    broken.delete('model.safetensors');
    await expect(api.load({ kind: 'lab', name: 'broken', files: broken })).rejects.toThrow(
      /missing model\.safetensors/,
    );
    await expect(api.greedyIds('x', 1)).rejects.toThrow(/load a model first/);
  });
});
