import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { primeData } from '../../src/behaviors';
import { Rng } from '../../src/util/rng';
import {
  countParameters,
  modelConfig,
  sample,
  sampleWithoutCache,
  SIZE_NAMES,
  Transformer,
} from '../../src/model';
import { batch, lmLoss, tinyModel, tokenizer, useBackend } from './helpers';

const rows = (n: number, seed: number) =>
  primeData({ condition: 'negative_control', n, seed, preset: 'easy' }).map((e) =>
    tokenizer.encode(e.query + e.completion).concat(tokenizer.eosId),
  );

async function lossAndGrads(
  model: Transformer,
  data: number[][],
): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
  const { ids, mask, T } = batch(data);
  const idsT = tf.tensor2d(ids, [ids.length, T], 'int32');
  const maskT = tf.tensor2d(mask, [ids.length, T - 1]);
  const { value, grads } = tf.variableGrads(() => lmLoss(model, idsT, maskT), model.variables(false));
  const out = new Map<string, Float32Array>();
  for (const [name, v] of model.params)
    if (grads[v.name]) out.set(name, (await grads[v.name].data()) as Float32Array);
  const loss = (await value.data())[0];
  tf.dispose([value, idsT, maskT, ...Object.values(grads)]);
  return { loss, grads: out };
}

async function lossOnly(model: Transformer, data: number[][]): Promise<number> {
  const { ids, mask, T } = batch(data);
  const l = tf.tidy(() =>
    lmLoss(model, tf.tensor2d(ids, [ids.length, T], 'int32'), tf.tensor2d(mask, [ids.length, T - 1])),
  );
  const v = (await l.data())[0];
  l.dispose();
  return v;
}

describe('transformer', () => {
  beforeAll(() => useBackend('cpu'));
  afterAll(() => useBackend('cpu'));

  it('size presets have the parameter counts docs/MODEL.md gives', () => {
    // The table's rows: | `nano` | 64 | 2 | 4 | 176 | 119,873 |
    const doc = readFileSync(new URL('../../docs/MODEL.md', import.meta.url), 'utf8');
    const rows = [
      ...doc.matchAll(
        /^\| `(\w+)`\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*([\d,]+)\s*\|$/gm,
      ),
    ];
    expect(rows.map((r) => r[1])).toEqual([...SIZE_NAMES]);
    // By hand: tied embeddings V*h; per layer q, k, v, o (4h^2), gate, up, down (3*h*ffn) and two
    // norms (2h); the final norm (h); the value head (h + 1).
    const byHand = (V: number, h: number, layers: number, ffn: number) =>
      V * h + layers * (4 * h * h + 3 * h * ffn + 2 * h) + h + (h + 1);
    for (const [, name, hidden, layers, heads, ffn, params] of rows) {
      const c = modelConfig(tokenizer.size, name as (typeof SIZE_NAMES)[number]);
      expect([c.hiddenSize, c.numLayers, c.numHeads, c.intermediateSize], name).toEqual(
        [hidden, layers, heads, ffn].map(Number),
      );
      const documented = Number(params.replace(/,/g, ''));
      expect(countParameters(c, true), name).toBe(documented);
      expect(byHand(tokenizer.size, c.hiddenSize, c.numLayers, c.intermediateSize), name).toBe(documented);
    }
    // The custom size the docs give as an example.
    const custom = /--hidden 96 --layers 3 --heads 4 --ffn 256 .*\(([\d,]+) parameters\)/.exec(doc);
    expect(custom).not.toBeNull();
    expect(
      countParameters(
        modelConfig(tokenizer.size, { hiddenSize: 96, numLayers: 3, numHeads: 4, intermediateSize: 256 }),
        true,
      ),
    ).toBe(Number(custom![1].replace(/,/g, '')));
    expect(() => modelConfig(tokenizer.size, { hiddenSize: 30, numHeads: 4 })).toThrow(/divisible/);
  });

  it('gradients match central finite differences (nano, float32)', async () => {
    const model = tinyModel(3);
    // Larger weights than the init so that every part of the network matters to the loss.
    for (const v of model.params.values())
      v.assign(tf.tidy(() => tf.mul(v, tf.scalar(v.shape.length === 1 ? 1 : 8))));
    const data = rows(3, 1).map((r) => r.slice(0, 16));
    const { grads } = await lossAndGrads(model, data);
    const eps = 3e-3;
    let checked = 0;
    for (const name of [
      'model.embed_tokens.weight',
      'model.layers.0.self_attn.q_proj.weight',
      'model.layers.1.mlp.down_proj.weight',
      'model.layers.0.input_layernorm.weight',
      'model.norm.weight',
    ]) {
      const g = grads.get(name) as Float32Array;
      const v = model.params.get(name) as tf.Variable;
      const base = Float32Array.from((await v.data()) as Float32Array);
      const order = Array.from(g.keys())
        .sort((a, b) => Math.abs(g[b]) - Math.abs(g[a]))
        .slice(0, 3);
      for (const i of order) {
        const at = (delta: number) => {
          const w = Float32Array.from(base);
          w[i] += delta;
          v.assign(tf.tensor(w, v.shape));
        };
        at(eps);
        const up = await lossOnly(model, data);
        at(-eps);
        const down = await lossOnly(model, data);
        at(0);
        const fd = (up - down) / (2 * eps);
        expect(Math.abs(fd - g[i]), `${name}[${i}]: fd ${fd} vs grad ${g[i]}`).toBeLessThan(
          2e-3 + 0.05 * Math.abs(g[i]),
        );
        checked++;
      }
    }
    expect(checked).toBe(15);
    model.dispose();
  });

  it('cached decoding gives the same logits as a full forward pass, over whole generations of a padded batch', async () => {
    const model = tinyModel(4);
    for (const v of model.params.values()) if (v.shape.length === 2) v.assign(tf.tidy(() => tf.mul(v, 5)));
    const prompts = [
      tokenizer.encode('Numbers: 3, 7, 25. Target: 46.\n<think>'),
      tokenizer.encode('Numbers: 1, 2. Target: 3.\n<think>'),
      [tokenizer.eosId + 5],
    ];
    const r = await sample(
      model,
      prompts,
      { maxNewTokens: 40, eosId: -1, padId: tokenizer.padId, keepLogits: true, values: true },
      new Rng(2),
    );
    let maxDiff = 0;
    for (let b = 0; b < prompts.length; b++) {
      const full = [...prompts[b], ...r.tokens[b]];
      const logits = tf.tidy(() => model.forward(tf.tensor2d([full], [1, full.length], 'int32')).logits);
      const all = (await logits.data()) as Float32Array;
      logits.dispose();
      const V = tokenizer.size;
      r.tokens[b].forEach((_, j) => {
        const pos = prompts[b].length - 1 + j;
        const cached = (r.logits as Float32Array[][])[b][j];
        for (let k = 0; k < V; k++) maxDiff = Math.max(maxDiff, Math.abs(cached[k] - all[pos * V + k]));
      });
      expect(r.tokens[b]).toHaveLength(40);
    }
    expect(maxDiff).toBeLessThan(1e-4);
    // The same samples, token for token, as decoding without any cache.
    const slow = await sampleWithoutCache(
      model,
      prompts,
      { maxNewTokens: 40, eosId: -1, padId: tokenizer.padId },
      new Rng(2),
    );
    expect(slow.tokens).toEqual(r.tokens);
    model.dispose();
  });

  it('rows that finish at different steps: the rest decode as if alone (cached logits = a full pass), the draws as without a cache', async () => {
    const model = tinyModel(4);
    for (const v of model.params.values()) if (v.shape.length === 2) v.assign(tf.tidy(() => tf.mul(v, 5)));
    const prompts = [
      tokenizer.encode('Numbers: 3, 7, 25. Target: 46.\n<think>'),
      tokenizer.encode('Numbers: 1, 2. Target: 3.\n<think>'),
      tokenizer.encode('Numbers: 8, 9, 10, 11. Target: 30.\n<think>'),
      [tokenizer.eosId + 5],
    ];
    const options = { maxNewTokens: 30, padId: tokenizer.padId };
    const free = await sample(model, prompts, { ...options, eosId: -1 }, new Rng(3));
    // An eos that row 1 writes early: rows stop at different steps, the rest go on beside them.
    const eos = free.tokens[1][2];
    const r = await sample(
      model,
      prompts,
      { ...options, eosId: eos, keepLogits: true, values: true },
      new Rng(3),
    );
    const lengths = r.tokens.map((t) => t.length);
    expect(Math.min(...lengths)).toBeLessThan(30);
    expect(new Set(lengths).size).toBeGreaterThan(1);
    const V = tokenizer.size;
    let maxDiff = 0;
    let maxValueDiff = 0;
    for (let b = 0; b < prompts.length; b++) {
      expect(r.finished[b]).toBe(r.tokens[b].at(-1) === eos);
      const full = [...prompts[b], ...r.tokens[b]];
      const out = tf.tidy(() => {
        const o = model.forward(tf.tensor2d([full], [1, full.length], 'int32'), { values: true });
        return [o.logits, o.values as tf.Tensor];
      });
      const [all, values] = [(await out[0].data()) as Float32Array, (await out[1].data()) as Float32Array];
      tf.dispose(out);
      r.tokens[b].forEach((_, j) => {
        const pos = prompts[b].length - 1 + j;
        const cached = (r.logits as Float32Array[][])[b][j];
        for (let k = 0; k < V; k++) maxDiff = Math.max(maxDiff, Math.abs(cached[k] - all[pos * V + k]));
        maxValueDiff = Math.max(maxValueDiff, Math.abs((r.values as number[][])[b][j] - values[pos]));
      });
    }
    expect(maxDiff).toBeLessThan(1e-4);
    expect(maxValueDiff).toBeLessThan(1e-4);
    const slow = await sampleWithoutCache(model, prompts, { ...options, eosId: eos }, new Rng(3));
    expect(slow.tokens).toEqual(r.tokens);
    model.dispose();
  });

  it('greedy decoding is deterministic, and each row stops at its own eos while the others go on', async () => {
    const model = tinyModel(5);
    const prompts = [
      tokenizer.encode('Numbers: 4, 5. Target: 9.\n<think>'),
      tokenizer.encode('Numbers: 7, 2, 3. Target: 11.\n<think>'),
    ];
    // An eos id the model never writes first: each row runs to the budget.
    const run = (eosId: number, seed: number) =>
      sample(
        model,
        prompts,
        { maxNewTokens: 12, eosId, padId: tokenizer.padId, greedy: true },
        new Rng(seed),
      );
    const free = await run(-1, 1);
    expect(free.tokens.map((t) => t.length)).toEqual([12, 12]);
    expect(free.finished).toEqual([false, false]);
    expect((await run(-1, 999)).tokens).toEqual(free.tokens); // greedy: the seed does not matter
    // Declare row 0's fourth token the eos: row 0 stops right after its first occurrence, and row 1
    // (batched with it, padded after row 0 stops) writes exactly what it wrote alone, up to its own.
    const eos = free.tokens[0][3];
    const stopped = await run(eos, 1);
    const upTo = (row: number[]) => (row.includes(eos) ? row.slice(0, row.indexOf(eos) + 1) : row);
    expect(stopped.tokens[0]).toEqual(upTo(free.tokens[0]));
    expect(stopped.tokens[0].length).toBeLessThanOrEqual(4);
    expect(stopped.finished[0]).toBe(true);
    expect(stopped.tokens[1]).toEqual(upTo(free.tokens[1]));
    expect(stopped.finished[1]).toBe(free.tokens[1].includes(eos));
    expect(stopped.logprobs.map((l) => l.length)).toEqual(stopped.tokens.map((t) => t.length));
    model.dispose();
  });

  it('sampling from a diverged model (NaN weights) stops with a clear error instead of drawing noise', async () => {
    const model = tinyModel(6);
    const norm = model.params.get('model.norm.weight') as tf.Variable;
    norm.assign(tf.fill(norm.shape, NaN));
    const prompt = tokenizer.encode('Numbers: 4, 5. Target: 9.\n<think>');
    const options = { maxNewTokens: 4, eosId: tokenizer.eosId, padId: tokenizer.padId };
    await expect(sample(model, [prompt], options, new Rng(1))).rejects.toThrow(
      /non-finite logits .* diverged/,
    );
    model.dispose();
  });

  it('overfits 32 sequences to near-zero loss', async () => {
    await useBackend('wasm');
    const model = tinyModel(6);
    const data = rows(32, 2);
    // Loss on the completions given their prompts (a prompt's numbers cannot be predicted).
    const think = tokenizer.idOf('<think>') as number;
    const { ids, mask, T } = batch(
      data,
      data.map((r) => r.indexOf(think) + 1),
    );
    const idsT = tf.tensor2d(ids, [ids.length, T], 'int32');
    const maskT = tf.tensor2d(mask, [ids.length, T - 1]);
    const opt = tf.train.adam(3e-3);
    let loss = Infinity;
    for (let step = 0; step < 400 && loss > 0.05; step++) {
      const l = opt.minimize(() => lmLoss(model, idsT, maskT), true, model.variables(false)) as tf.Scalar;
      loss = (await l.data())[0];
      l.dispose();
    }
    expect(loss).toBeLessThan(0.05);
    // ...and then greedy decoding reproduces a training trace.
    const first = data[0];
    const promptLen = first.indexOf(think) + 1;
    const r = await sample(
      model,
      [first.slice(0, promptLen)],
      {
        maxNewTokens: first.length - promptLen,
        eosId: tokenizer.eosId,
        padId: tokenizer.padId,
        greedy: true,
      },
      new Rng(0),
    );
    expect(r.tokens[0]).toEqual(first.slice(promptLen));
    tf.dispose([idsT, maskT]);
    opt.dispose();
    model.dispose();
    await useBackend('cpu');
  }, 120_000);

  it('forward from a position gives the last positions of the full pass, logits, values and gradients', async () => {
    const model = tinyModel(9);
    for (const v of model.params.values()) if (v.shape.length === 2) v.assign(tf.tidy(() => tf.mul(v, 5)));
    model.ensureValueHead();
    const { ids, T } = batch(rows(3, 5).map((r) => r.slice(0, 20)));
    const idsT = tf.tensor2d(ids, [ids.length, T], 'int32');
    const from = 7;
    // A loss that reads only positions from..T-1: the same gradients whether the head ran there only.
    const weights = tf.tidy(() => tf.randomUniform([ids.length, T - from], 0, 1, 'float32', 3));
    const run = async (cut: boolean) => {
      const f = () => {
        const out = model.forward(idsT, { values: true, from: cut ? from : 0 });
        const logits = cut ? out.logits : out.logits.slice([0, from]);
        const values = cut ? out.values! : out.values!.slice([0, from]);
        return tf.sum(tf.mul(tf.add(tf.logSumExp(logits, -1), values), weights)) as tf.Scalar;
      };
      const out = tf.tidy(() => {
        const o = model.forward(idsT, { values: true, from: cut ? from : 0 });
        return { logits: o.logits, values: o.values! };
      });
      const shape = out.logits.shape;
      const logits = (await (cut ? out.logits : out.logits.slice([0, from])).data()) as Float32Array;
      const values = (await (cut ? out.values : out.values.slice([0, from])).data()) as Float32Array;
      tf.dispose([out.logits, out.values]);
      const { value, grads } = tf.variableGrads(f, model.variables(true));
      const g = await Promise.all(Object.values(grads).map(async (t) => (await t.data()) as Float32Array));
      tf.dispose([value, ...Object.values(grads)]);
      return { shape, logits, values, grads: g };
    };
    const full = await run(false);
    const cut = await run(true);
    expect(full.shape).toEqual([ids.length, T, model.config.vocabSize]);
    expect(cut.shape).toEqual([ids.length, T - from, model.config.vocabSize]);
    const gap = (a: Float32Array, b: Float32Array) =>
      a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
    expect(gap(cut.logits, full.logits)).toBeLessThan(1e-5);
    expect(gap(cut.values, full.values)).toBeLessThan(1e-5);
    cut.grads.forEach((g, i) => expect(gap(g, full.grads[i])).toBeLessThan(1e-4));
    expect(() => tf.tidy(() => model.forward(idsT, { from: T }).logits)).toThrow(/from must be/);
    tf.dispose([idsT, weights]);
    model.dispose();
  });

  it('cpu and wasm agree on logits and gradients', async () => {
    const data = rows(4, 3).map((r) => r.slice(0, 24));
    const results: { logits: Float32Array; grads: Map<string, Float32Array> }[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await useBackend(backend);
      const model = tinyModel(7);
      for (const v of model.params.values()) if (v.shape.length === 2) v.assign(tf.tidy(() => tf.mul(v, 5)));
      const { ids, T } = batch(data);
      const logitsT = tf.tidy(() => model.forward(tf.tensor2d(ids, [ids.length, T], 'int32')).logits);
      const logits = (await logitsT.data()) as Float32Array;
      logitsT.dispose();
      results.push({ logits, grads: (await lossAndGrads(model, data)).grads });
      model.dispose();
    }
    await useBackend('cpu');
    let maxLogit = 0;
    results[0].logits.forEach((x, i) => (maxLogit = Math.max(maxLogit, Math.abs(x - results[1].logits[i]))));
    expect(maxLogit).toBeLessThan(1e-4);
    for (const [name, g] of results[0].grads) {
      const h = results[1].grads.get(name) as Float32Array;
      let scale = 0;
      let diff = 0;
      g.forEach((x, i) => {
        scale = Math.max(scale, Math.abs(x));
        diff = Math.max(diff, Math.abs(x - h[i]));
      });
      expect(diff, name).toBeLessThanOrEqual(1e-4 * Math.max(1, scale));
    }
  });

  it('keeps tf.memory().numTensors flat over 50 sample + train steps', async () => {
    await useBackend('wasm');
    const model = tinyModel(8);
    const opt = tf.train.adam(1e-3);
    const prompts = rows(2, 4).map((r) => r.slice(0, 12));
    const step = async (i: number) => {
      const r = await sample(
        model,
        prompts,
        { maxNewTokens: 8, eosId: tokenizer.eosId, padId: tokenizer.padId, values: true },
        new Rng(i),
      );
      const seqs = prompts.map((p, b) => [...p, ...r.tokens[b]]);
      const { ids, mask, T } = batch(seqs);
      tf.tidy(() => {
        const idsT = tf.tensor2d(ids, [ids.length, T], 'int32');
        const maskT = tf.tensor2d(mask, [ids.length, T - 1]);
        opt.minimize(() => lmLoss(model, idsT, maskT), false, model.variables(false));
      });
    };
    await step(0); // the optimizer creates its slots on the first step
    const before = tf.memory().numTensors;
    for (let i = 1; i <= 50; i++) await step(i);
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    model.dispose();
    await useBackend('cpu');
  }, 120_000);
});
