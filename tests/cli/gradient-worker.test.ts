// Two-core priming (src/cli/gradient-worker.ts): half of each batch's gradients come from a worker
// thread's replica, and their token-weighted sum is the whole batch's gradient, so a priming run
// on two threads takes the same steps as on one.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GradientWorker } from '../../src/cli/gradient-worker';
import type { Transformer } from '../../src/model';
import { runSft, type SftConfig } from '../../src/rl';
import { batchGradients, SFT_ACTIVATION_LIMIT, toSequence } from '../../src/rl/sft';
import { Rng } from '../../src/util/rng';
import { tinyModel, tokenizer, useBackend } from '../model/helpers';

beforeAll(async () => {
  await useBackend('wasm');
});

// Rows of different lengths and completion starts, so the halves count different numbers of tokens.
const examples = Array.from({ length: 21 }, (_, i) => ({
  query: `${i % 9} + ${i % 4} ${'7'.repeat(i % 5)}`,
  completion: ' 1 2 3 4 5 6 7 8 9'.slice(0, 4 + 2 * (i % 7)),
}));
const rows = examples.map((e) => toSequence(tokenizer, e));

async function values(ts: Iterable<tf.Tensor>): Promise<Float32Array[]> {
  return Promise.all([...ts].map(async (t) => (await t.data()) as Float32Array));
}

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((x, i) => x.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i][j])))));
  return m;
}

describe('GradientWorker', () => {
  let model: Transformer;
  let worker: GradientWorker;
  beforeAll(async () => {
    model = tinyModel(3);
    worker = await GradientWorker.start(model);
  }, 60_000);
  afterAll(async () => {
    await worker.terminate();
    model.dispose();
  });

  it("gives the whole batch's loss and gradients, with no tensor left behind", async () => {
    const one = batchGradients(model, rows, tokenizer.padId, SFT_ACTIVATION_LIMIT);
    const expected = await values(one.grads.values());
    const expectedLoss = (await one.loss.data())[0];
    tf.dispose([one.loss, ...one.grads.values()]);
    const before = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) {
      const two = await worker.gradients(rows, tokenizer.padId, SFT_ACTIVATION_LIMIT);
      expect(two.tokens).toBe(one.tokens);
      expect([...two.grads.keys()]).toEqual([...one.grads.keys()]);
      expect(maxDiff(await values(two.grads.values()), expected)).toBeLessThan(1e-6);
      expect((await two.loss.data())[0]).toBeCloseTo(expectedLoss, 5);
      tf.dispose([two.loss, ...two.grads.values()]);
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('a priming on two threads ends at the weights of one on one thread', async () => {
    const config: SftConfig = {
      epochs: 2,
      lr: 3e-3,
      batchSize: 8,
      warmup: 0.2,
      weightDecay: 0.01,
      gradClip: 1,
      heldOut: 0.1,
    };
    const alone = tinyModel(5);
    const lossesAlone: number[] = [];
    await runSft(alone, tokenizer, examples, config, new Rng(4), {
      onProgress: (p) => void lossesAlone.push(p.loss),
    });
    const paired = tinyModel(5);
    const pair = await GradientWorker.start(paired);
    const losses: number[] = [];
    try {
      await runSft(
        paired,
        tokenizer,
        examples,
        config,
        new Rng(4),
        { onProgress: (p) => void losses.push(p.loss) },
        { gradients: (r) => pair.gradients(r, tokenizer.padId, SFT_ACTIVATION_LIMIT) },
      );
    } finally {
      await pair.terminate();
    }
    expect(losses.length).toBe(6);
    losses.forEach((l, i) => expect(l).toBeCloseTo(lossesAlone[i], 4));
    expect(maxDiff(await values(paired.params.values()), await values(alone.params.values()))).toBeLessThan(
      1e-5,
    );
    alone.dispose();
    paired.dispose();
  }, 60_000);

  it('a thread that has ended says so instead of hanging', async () => {
    const gone = await GradientWorker.start(model);
    await gone.terminate();
    await expect(gone.gradients(rows, tokenizer.padId, SFT_ACTIVATION_LIMIT)).rejects.toThrow(
      /gradient thread ended/,
    );
  }, 60_000);
});
