// Priming's batches within what wasm holds: the held-out loss and a training batch's gradient are
// the same numbers whatever the parts they run in (long traces once ran wasm out of memory).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Transformer } from '../../src/model';
import { batchGradients, evaluateLoss, runSft, SFT_ACTIVATION_LIMIT } from '../../src/rl';
import { countedTokens, pack, type Sequence } from '../../src/rl/batch';
import { Rng } from '../../src/util/rng';
import { tinyModel, tokenizer, useBackend } from '../model/helpers';

beforeAll(async () => {
  await useBackend('wasm');
});

/** Sequences of 3-40 tokens whose loss starts at a random point (ids past pad and eos). */
function sequences(n: number, seed: number): Sequence[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const length = rng.int(3, 40);
    const ids = Array.from({ length }, () => rng.int(2, tokenizer.size - 1));
    return { ids, lossFrom: rng.int(1, length - 1) };
  });
}

/** The widths of the batches the model is run on, as [rows, padded width]. */
function recordShapes(model: Transformer): [number, number][] {
  const shapes: [number, number][] = [];
  const forward = model.forward.bind(model);
  model.forward = ((inputs, ...rest) => {
    shapes.push([inputs.shape[0], inputs.shape[1]]);
    return forward(inputs, ...rest);
  }) as Transformer['forward'];
  return shapes;
}

describe('evaluateLoss', () => {
  it('gives the same loss one row at a time, in small batches and in the default ones', async () => {
    const model = tinyModel(3);
    const seqs = sequences(20, 7);
    const whole = await evaluateLoss(model, seqs, tokenizer.padId);
    const rows = await evaluateLoss(model, seqs, tokenizer.padId, { maxRows: 1 });
    const small = await evaluateLoss(model, seqs, tokenizer.padId, { maxTokens: 80 });
    // The mean over every completion token, weighted by token and not by batch.
    let sum = 0;
    let count = 0;
    for (const s of seqs) {
      const counted = s.ids.length - s.lossFrom;
      sum += (await evaluateLoss(model, [s], tokenizer.padId)) * counted;
      count += counted;
    }
    model.dispose();
    expect(whole).toBeGreaterThan(3); // an untrained model: about ln(vocabulary) nats a token
    expect(rows).toBeCloseTo(whole, 4);
    expect(small).toBeCloseTo(whole, 4);
    expect(sum / count).toBeCloseTo(whole, 4);
  });

  it('keeps every batch within maxRows and maxTokens, one over-long row alone', async () => {
    const model = tinyModel(3);
    const seqs = [
      ...sequences(20, 9),
      { ids: Array.from({ length: 70 }, (_, i) => 2 + (i % 50)), lossFrom: 5 },
    ];
    const shapes = recordShapes(model);
    await evaluateLoss(model, seqs, tokenizer.padId, { maxRows: 8, maxTokens: 60 });
    model.dispose();
    expect(shapes.reduce((n, [rows]) => n + rows, 0)).toBe(21);
    for (const [rows, width] of shapes) {
      expect(rows).toBeLessThanOrEqual(8);
      // width is the longest row less one (inputs drop the last token); the 70-token row goes alone.
      if (width + 1 > 60) expect(rows).toBe(1);
      else expect(rows * (width + 1)).toBeLessThanOrEqual(60);
    }
  });
});

describe('countedTokens', () => {
  it("counts the ones of each row of pack's mask", () => {
    const seqs = [...sequences(200, 13), { ids: [5, 6, 7], lossFrom: 0 }, { ids: [5], lossFrom: 1 }];
    const { mask } = pack(seqs, tokenizer.padId);
    seqs.forEach((s, i) => expect(countedTokens(s)).toBe(mask[i].reduce((a, x) => a + x, 0)));
  });
});

describe('batchGradients', () => {
  it("gives the whole batch's loss and gradient when it runs row by row", async () => {
    const model = tinyModel(5);
    const rows = sequences(12, 11);
    const whole = batchGradients(model, rows, tokenizer.padId, SFT_ACTIVATION_LIMIT);
    const shapes = recordShapes(model);
    const parts = batchGradients(model, rows, tokenizer.padId, 1);
    model.dispose();
    expect(shapes.map(([r]) => r)).toEqual(new Array(12).fill(1));
    expect((await parts.loss.data())[0]).toBeCloseTo((await whole.loss.data())[0], 5);
    let worst = 0;
    let largest = 0;
    for (const [name, g] of whole.grads) {
      const a = await g.data();
      const b = await (parts.grads.get(name) as typeof g).data();
      for (let i = 0; i < a.length; i++) {
        worst = Math.max(worst, Math.abs(a[i] - b[i]));
        largest = Math.max(largest, Math.abs(a[i]));
      }
    }
    expect(largest).toBeGreaterThan(1e-3);
    expect(worst).toBeLessThan(1e-5 * Math.max(1, largest));
    for (const g of [whole, parts]) g.loss.dispose();
    for (const g of [...whole.grads.values(), ...parts.grads.values()]) g.dispose();
  });

  it('keeps each part of a priming step within the limit, and the tensor count flat', async () => {
    const model = tinyModel(5);
    const examples = Array.from({ length: 16 }, (_, i) => ({
      query: `${i} + 3`,
      completion: ' 4 5 6 7 8 9'.repeat(1 + (i % 4)),
    }));
    const limit = 3 * 40 * model.config.numLayers * model.config.hiddenSize;
    const shapes = recordShapes(model);
    const counts: number[] = [];
    await runSft(
      model,
      tokenizer,
      examples,
      { epochs: 2, lr: 1e-3, batchSize: 8, warmup: 0, weightDecay: 0, gradClip: 1, heldOut: 0 },
      new Rng(1),
      { onProgress: () => void counts.push(tf.memory().numTensors) },
      { activationLimit: limit },
    );
    model.dispose();
    expect(shapes.length).toBeGreaterThan(4); // 4 steps of 8 rows, each cut into parts
    for (const [rows, width] of shapes)
      expect(rows * (width + 1) * model.config.numLayers * model.config.hiddenSize).toBeLessThanOrEqual(
        limit,
      );
    expect(new Set(counts).size).toBe(1);
  });
});
