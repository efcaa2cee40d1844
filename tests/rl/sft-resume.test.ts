// A priming stopped between steps and resumed from its optimizer's state takes the steps the whole
// priming would have taken: the same batches (the rng replays the skipped epochs' shuffles), the same
// learning rates, the same weights.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Transformer } from '../../src/model';
import { runSft, type OptimizerState, type SftConfig, type SftProgress } from '../../src/rl';
import { Rng } from '../../src/util/rng';
import { tinyModel, tokenizer, useBackend } from '../model/helpers';

beforeAll(async () => {
  await useBackend('wasm');
});

const examples = Array.from({ length: 17 }, (_, i) => ({
  query: `${i % 9} + ${i % 4}`,
  completion: ' 1 2 3 4 5 6 7 8 9'.slice(0, 4 + 2 * (i % 7)),
}));
// 16 training examples (one held out) in batches of 8, 3 epochs: 6 steps, the rate warming up over the first and
// cooling down over the last.
const config: SftConfig = {
  epochs: 3,
  lr: 3e-3,
  batchSize: 8,
  warmup: 0.2,
  cooldown: 0.2,
  weightDecay: 0.01,
  gradClip: 1,
  heldOut: 0.1,
};

async function weights(model: Transformer): Promise<Float32Array[]> {
  return Promise.all([...model.params.values()].map(async (v) => (await v.data()) as Float32Array));
}

/** Without the wall clock. */
const timeless = (ps: SftProgress[]) => ps.map(({ tokensPerSecond: _t, ...rest }) => rest);

describe('runSft resumed', () => {
  it('stopped after any step (the last too) and resumed, ends where the whole priming ends', async () => {
    const whole = tinyModel(4);
    const wholeProgress: SftProgress[] = [];
    await runSft(whole, tokenizer, examples, config, new Rng(2), {
      onProgress: (p) => void wholeProgress.push(p),
    });
    expect(wholeProgress.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
    const expected = await weights(whole);
    whole.dispose();
    const before = tf.memory().numTensors;
    for (const stopAfter of [1, 2, 3, 5, 6]) {
      const model = tinyModel(4);
      const progress: SftProgress[] = [];
      let saved: OptimizerState | null = null;
      const first = await runSft(model, tokenizer, examples, config, new Rng(2), {
        onProgress: (p) => void progress.push(p),
        checkpoint: async () => progress.length === stopAfter,
        onStop: (state) => void (saved = state),
      });
      expect(first.step).toBe(stopAfter);
      expect((saved as OptimizerState | null)?.step).toBe(stopAfter);
      const last = await runSft(
        model,
        tokenizer,
        examples,
        config,
        new Rng(2),
        { onProgress: (p) => void progress.push(p) },
        { from: saved as unknown as OptimizerState },
      );
      expect(last.step).toBe(6);
      expect(timeless(progress)).toEqual(timeless(wholeProgress));
      const got = await weights(model);
      model.dispose();
      for (let i = 0; i < got.length; i++) expect(got[i]).toEqual(expected[i]);
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('refuses a state that is past the priming or does not fit the model, leaving no tensors', async () => {
    const model = tinyModel(4);
    let saved: OptimizerState | null = null;
    // Stopped before its first step: a state of step 0.
    await runSft(model, tokenizer, examples, config, new Rng(2), {
      checkpoint: async () => true,
      onStop: (state) => void (saved = state),
    });
    const state = saved as unknown as OptimizerState;
    expect(state.step).toBe(0);
    const before = tf.memory().numTensors;
    await expect(
      runSft(model, tokenizer, examples, config, new Rng(2), {}, { from: { ...state, step: 7 } }),
    ).rejects.toThrow(/the stopped priming took 7 steps, more than its 6/);
    const [name] = Object.keys(state.m);
    const m = { ...state.m, [name]: new Float32Array(3) };
    await expect(
      runSft(model, tokenizer, examples, config, new Rng(2), {}, { from: { ...state, m } }),
    ).rejects.toThrow(/optimizer state does not match parameter/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
