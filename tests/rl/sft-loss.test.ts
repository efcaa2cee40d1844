// The held-out loss of priming: one number whatever the batching, and batches that stay within
// their padded-token cap (long traces once padded a batch of 64 past wasm's memory).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Transformer } from '../../src/model';
import { evaluateLoss } from '../../src/rl';
import type { Sequence } from '../../src/rl/batch';
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
