// The ONNX rollout engine against the tfjs policy it stands in for. PPO's ratio is built on the
// rollout's log-probs, so on the shipped models every sampled token's log-prob must be the tfjs
// policy's (teacher forcing) to 1e-4, and so must the value estimates and the reference log-probs;
// fed new weights after an update, it must sample the updated policy; the update in length buckets
// must be the update of the whole minibatch; and a run with the engine must learn as one with the
// tfjs sampler.
import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatPrompt, generateProblems, problemSpec } from '../../src/countdown';
import { Rng } from '../../src/util/rng';
import { RlSchema } from '../../src/lab/config';
import { ExperimentRunner } from '../../src/lab/runner';
import { MINIATURE } from '../../src/lab/replication';
import type { LabEvent } from '../../src/lab/events';
import { loadCheckpoint, sample, selectBackend, type Tokenizer, type Transformer } from '../../src/model';
import { readFolder } from '../../src/model/node-files';
import { nodeOnnxRuntime } from '../../src/model/node-ort';
import { pack, toTensors } from '../../src/rl/batch';
import { AdamW } from '../../src/rl/optim';
import {
  collectRollouts,
  computeAdvantages,
  lengthBuckets,
  ppoUpdate,
  type PpoConfig,
  type UpdateBuckets,
} from '../../src/rl/ppo';
import { createRolloutEngine, OnnxRolloutEngine } from '../../src/rl/rollout-engine';
import { responseLogprobs } from '../../src/rl/teacher-forcing';
import { evaluate } from '../../src/rl/evaluate';

const MODELS = fileURLToPath(new URL('../../public/models/', import.meta.url));
const runtime = nodeOnnxRuntime(1);

beforeAll(async () => {
  await selectBackend('wasm');
});

function shipped(name: string): { model: Transformer; tokenizer: Tokenizer } {
  const loaded = loadCheckpoint(readFolder(`${MODELS}${name}`));
  loaded.model.ensureValueHead();
  return loaded;
}

function prompts(tokenizer: Tokenizer, n: number, seed: number): number[][] {
  return generateProblems(problemSpec('easy', MINIATURE.ranges), { n, seed, split: 'train' }).map((p) =>
    tokenizer.encode(formatPrompt(p, 'compact')),
  );
}

/** The tfjs policy's values before each response token, by teacher forcing. */
async function tfjsValues(
  model: Transformer,
  rows: { prompt: number[]; response: number[] }[],
  padId: number,
) {
  const packed = pack(
    rows.map((r) => ({ ids: [...r.prompt, ...r.response], lossFrom: r.prompt.length })),
    padId,
  );
  const t = tf.tidy(() => model.forward(toTensors(packed).inputs, { values: true }).values as tf.Tensor2D);
  const data = (await t.data()) as Float32Array;
  t.dispose();
  const W = packed.width - 1;
  return rows.map((r, b) =>
    Array.from(data.subarray(b * W + r.prompt.length - 1, b * W + r.prompt.length - 1 + r.response.length)),
  );
}

const maxGap = (a: number[][], b: number[][]) =>
  Math.max(...a.flatMap((row, i) => row.map((x, j) => Math.abs(x - b[i][j]))));

describe('the ONNX rollout engine', () => {
  const engines: OnnxRolloutEngine[] = [];
  afterAll(async () => {
    for (const e of engines) await e.dispose();
  });

  for (const [name, temperature] of [
    ['backtracking_verification', 1],
    ['all_strategies', 1],
    ['empty_cot', 0.7],
  ] as const)
    it(`${name}, T = ${temperature}: log-probs, values and reference log-probs are the tfjs policy's to 1e-4, and the draws the tfjs sampler's`, async () => {
      const { model, tokenizer } = shipped(name);
      const engine = await OnnxRolloutEngine.create(runtime, model);
      engines.push(engine);
      const batch = prompts(tokenizer, 24, 5);
      const options = {
        maxNewTokens: 160,
        eosId: tokenizer.eosId,
        padId: tokenizer.padId,
        temperature,
        values: true,
      };
      const ours = await engine.sample(model, batch, options, new Rng(9));
      const rows = batch.map((prompt, i) => ({ prompt, response: ours.tokens[i] }));
      expect(rows.reduce((n, r) => n + r.response.length, 0)).toBeGreaterThan(24 * 8);
      const teacher = await responseLogprobs(model, rows, tokenizer.padId, 64, temperature);
      expect(maxGap(ours.logprobs, teacher)).toBeLessThan(1e-4);
      expect(maxGap(ours.values as number[][], await tfjsValues(model, rows, tokenizer.padId))).toBeLessThan(
        1e-4,
      );
      const reference = await engine.referenceLogprobs(model, rows, tokenizer.padId, temperature);
      expect(maxGap(reference, teacher)).toBeLessThan(1e-4);
      // Rows that finish leave the batch: each ends at its eos or at the budget, as the tfjs
      // sampler's do; on logits equal to float precision the seeded draws are the same tokens.
      ours.tokens.forEach((t, i) =>
        expect(ours.finished[i] ? t[t.length - 1] === tokenizer.eosId : t.length === 160).toBe(true),
      );
      const theirs = await sample(model, batch, options, new Rng(9));
      const same = ours.tokens.filter((t, i) => t.join() === theirs.tokens[i].join()).length;
      expect(same).toBeGreaterThanOrEqual(22);
      model.dispose();
    }, 120_000);

  it("evaluates as the tfjs sampler does: a run's evaluation on the engine gives the same responses and accuracy", async () => {
    const { model, tokenizer } = shipped('backtracking_verification');
    const engine = await OnnxRolloutEngine.create(runtime, model);
    engines.push(engine);
    const problems = generateProblems(problemSpec('easy', MINIATURE.ranges), {
      n: 40,
      seed: 8,
      split: 'test',
    });
    const options = {
      greedy: false,
      temperature: 1,
      maxNewTokens: 160,
      promptFormat: 'compact' as const,
      rewardMode: 'strict' as const,
      samples: 2,
    };
    const drawn = vi.spyOn(engine, 'sample');
    const onEngine = await evaluate(model, tokenizer, problems, { ...options, engine }, new Rng(4));
    expect(drawn).toHaveBeenCalledTimes(2); // 80 rows, 64 at a time
    const onTfjs = await evaluate(model, tokenizer, problems, options, new Rng(4));
    expect(onEngine.responses).toHaveLength(80);
    const same = onEngine.responses.filter((r, i) => r.text === onTfjs.responses[i].text).length;
    expect(same).toBeGreaterThanOrEqual(76);
    expect(Math.abs(onEngine.accuracy - onTfjs.accuracy)).toBeLessThanOrEqual(4 / 80);
    expect(onEngine.accuracy).toBeGreaterThan(0.05); // a searcher that solves some, not an empty run
    model.dispose();
  }, 120_000);

  it('samples the policy as it is after an update, and is released with its run', async () => {
    const { model, tokenizer } = shipped('backtracking_verification');
    const engine = await OnnxRolloutEngine.create(runtime, model);
    const batch = prompts(tokenizer, 8, 2);
    const options = { maxNewTokens: 40, eosId: tokenizer.eosId, padId: tokenizer.padId, values: true };
    const before = await engine.sample(model, batch, options, new Rng(1));
    // An "update": every weight moves.
    for (const v of model.params.values()) v.assign(tf.tidy(() => tf.add(tf.mul(v, 1.3), 0.01)));
    const after = await engine.sample(model, batch, options, new Rng(1));
    const rows = batch.map((prompt, i) => ({ prompt, response: after.tokens[i] }));
    expect(maxGap(after.logprobs, await responseLogprobs(model, rows, tokenizer.padId))).toBeLessThan(1e-4);
    expect(after.tokens.map((t) => t.join())).not.toEqual(before.tokens.map((t) => t.join()));
    // A reference model without a value head (as a resumed run loads it) is fed zeros there.
    const files = readFolder(`${MODELS}backtracking_verification`);
    files.delete('value_head.safetensors');
    const bare = loadCheckpoint(files).model;
    expect(bare.hasValueHead).toBe(false);
    const reference = await engine.referenceLogprobs(bare, rows, tokenizer.padId, 1);
    expect(maxGap(reference, await responseLogprobs(bare, rows, tokenizer.padId))).toBeLessThan(1e-4);
    bare.dispose();
    await engine.dispose();
    await expect(engine.sample(model, batch, options, new Rng(1))).rejects.toThrow(/released/);
    model.dispose();
  }, 120_000);

  it('is chosen by rl.rolloutEngine: onnx needs a runtime, auto falls back to tfjs without one or with one marked auto: false', async () => {
    const { model } = shipped('empty_cot');
    expect((await createRolloutEngine('tfjs', runtime, model)).engine.name).toBe('tfjs');
    expect((await createRolloutEngine('auto', undefined, model)).engine.name).toBe('tfjs');
    await expect(createRolloutEngine('onnx', undefined, model)).rejects.toThrow(/no onnxruntime/);
    const made = await createRolloutEngine('auto', runtime, model);
    expect(made.engine.name).toBe('onnx');
    await made.engine.dispose();
    // A runtime that measured slower than tfjs on its host (onnxruntime-web in the page).
    const slower = { ...runtime, auto: false } as typeof runtime;
    expect((await createRolloutEngine('auto', slower, model)).engine.name).toBe('tfjs');
    const chosen = await createRolloutEngine('onnx', slower, model);
    expect(chosen.engine.name).toBe('onnx');
    await chosen.engine.dispose();
    model.dispose();
  });
});

describe('the PPO update in length buckets', () => {
  it('cuts a minibatch into buckets of similar length within the token budget, every row once', () => {
    const lengths = [50, 180, 20, 179, 90, 91, 30, 200];
    const idx = [0, 1, 2, 3, 4, 5, 6, 7];
    const cut = { maxTokens: 400, overheadTokens: 100, attentionWidth: 1e9 };
    const buckets = lengthBuckets(lengths, idx, cut);
    expect(buckets.flat().sort()).toEqual(idx);
    for (const b of buckets)
      expect(b.length * Math.max(...b.map((i) => lengths[i]))).toBeLessThanOrEqual(
        Math.max(400, lengths[b[0]]),
      );
    // By hand, at 100 per bucket: 200 | 180 179 | 91 90 | 50 30 20 pads to 200 + 360 + 182 + 150
    // = 892 tokens, 1,292 in all; 200 180 | 179 | 91 90 50 30 | 20 (the longest first, filled to
    // the cap) costs 963 + 400 = 1,363.
    expect(buckets).toEqual([[7], [1, 3], [5, 4], [0, 6, 2]]);
    // No cost per bucket: every row alone, unpadded; a large one: the fewest buckets the cap allows.
    expect(lengthBuckets(lengths, idx, { ...cut, overheadTokens: 0 })).toHaveLength(8);
    expect(lengthBuckets(lengths, idx, { ...cut, maxTokens: 1e9, overheadTokens: 1e6 })).toHaveLength(1);
  });

  it('finds the cheapest cut: against every cut of the sorted rows, over many random minibatches', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 200; trial++) {
      const n = rng.int(1, 9);
      const lengths = Array.from({ length: n }, () => rng.int(20, 280));
      const cut = {
        maxTokens: rng.int(200, 1200),
        overheadTokens: rng.int(0, 300),
        attentionWidth: rng.int(100, 800),
      };
      const cost = (buckets: number[][]) =>
        buckets.reduce((c, b) => {
          const w = Math.max(...b.map((i) => lengths[i]));
          return c + cut.overheadTokens + b.length * w * (1 + w / cut.attentionWidth);
        }, 0);
      const fits = (buckets: number[][]) =>
        buckets.every(
          (b) => b.length === 1 || b.length * Math.max(...b.map((i) => lengths[i])) <= cut.maxTokens,
        );
      const idx = lengths.map((_, i) => i);
      const got = lengthBuckets(lengths, idx, cut);
      expect(got.flat().sort((a, b) => a - b)).toEqual(idx);
      expect(fits(got)).toBe(true);
      // Every way to cut the rows, sorted longest first, into consecutive runs.
      const sorted = [...idx].sort((a, b) => lengths[b] - lengths[a] || a - b);
      let best = Infinity;
      for (let mask = 0; mask < 2 ** (n - 1); mask++) {
        const buckets: number[][] = [[sorted[0]]];
        for (let k = 1; k < n; k++)
          if (mask & (1 << (k - 1))) buckets.push([sorted[k]]);
          else buckets[buckets.length - 1].push(sorted[k]);
        if (fits(buckets)) best = Math.min(best, cost(buckets));
      }
      expect(cost(got)).toBeCloseTo(best, 6);
    }
  });

  it('gives the update of the whole minibatch (same weights after a step, same stats)', async () => {
    const { model, tokenizer } = shipped('backtracking_verification');
    const reference = model.clone(false);
    const config = {
      ...RlSchema.parse({}),
      promptsPerStep: 6,
      maxNewTokens: 96,
      lr: 1e-3,
      minibatches: 1,
    } as PpoConfig;
    const problems = generateProblems(problemSpec('easy', MINIATURE.ranges), {
      n: 6,
      seed: 4,
      split: 'train',
    });
    const rollouts = await collectRollouts(
      model,
      reference,
      tokenizer,
      problems,
      config,
      'compact',
      new Rng(3),
    );
    const { advantages, returns } = computeAdvantages(rollouts, config);
    const after = async (buckets: UpdateBuckets) => {
      const policy = model.clone(true);
      const optimizer = new AdamW(policy.params, { gradClip: config.gradClip, weightDecay: 0 });
      const stats = await ppoUpdate(
        policy,
        optimizer,
        rollouts,
        advantages,
        returns,
        config,
        new Rng(2),
        tokenizer.padId,
        buckets,
      );
      const weights = await Promise.all(
        [...policy.params.values()].map(async (v) => Array.from((await v.data()) as Float32Array)),
      );
      optimizer.dispose();
      policy.dispose();
      return { stats, weights: weights.flat() };
    };
    const whole = await after({ maxTokens: 1e9, overheadTokens: 1e9, attentionWidth: 1e9 });
    const before = tf.memory().numTensors;
    const bucketed = await after({ maxTokens: 300, overheadTokens: 50, attentionWidth: 1e9 });
    expect(tf.memory().numTensors).toBe(before);
    const moved = whole.weights.map((w, i) => Math.abs(w - bucketed.weights[i]));
    // Adam's first step moves every weight by about lr * sign(gradient): gradients equal up to float
    // rounding give the same step, except where a gradient is itself at rounding level.
    expect(Math.max(...moved)).toBeLessThan(0.05 * config.lr);
    expect(moved.reduce((a, b) => a + b, 0) / moved.length).toBeLessThan(1e-3 * config.lr);
    for (const k of ['policyLoss', 'valueLoss', 'entropy', 'approxKl', 'gradNorm'] as const)
      expect(bucketed.stats[k]).toBeCloseTo(whole.stats[k], 4);
    model.dispose();
    reference.dispose();
  }, 120_000);
});

describe('RL with the rollout engine', () => {
  // The classroom's corner of the problems from the shipped empty_cot model (short answers).
  async function run(
    engine: 'onnx' | 'tfjs',
    steps: number,
    probe?: (n: number) => void,
    small?: { promptsPerStep: number; samplesPerPrompt: number; maxNewTokens: number },
  ) {
    const events: LabEvent[] = [];
    await new ExperimentRunner(
      {
        name: `engine-${engine}`,
        seed: 5,
        preset: MINIATURE.preset,
        ranges: { numberMin: 1, numberMax: 6, targetMin: 10, targetMax: 20 },
        size: MINIATURE.size,
        backend: 'wasm',
        start: { kind: 'checkpoint', checkpoint: 'empty_cot' },
        rl: {
          steps,
          promptsPerStep: 16,
          samplesPerPrompt: 4,
          maxNewTokens: 32,
          lr: 3e-4,
          epochs: 1,
          rolloutEngine: engine,
          ...small,
        },
        eval: { every: 0, problems: 100, greedy: false },
        examplesPerStep: 0,
      },
      {
        emit: (e) => {
          events.push(e);
          if (e.type === 'step') probe?.(e.metrics.step);
        },
        loadCheckpoint: async (ref) => readFolder(`${MODELS}${ref}`),
        onnxRuntime: runtime,
      },
    ).run();
    return events;
  }
  const accuracy = (events: LabEvent[]) =>
    events.flatMap((e) => (e.type === 'eval' && e.metrics.sampled ? [e.metrics.sampled.accuracy] : []));

  it('learns as with the tfjs sampler: the same first batch, held-out accuracy within sampling noise', async () => {
    const onnx = await run('onnx', 30);
    const tfjs = await run('tfjs', 30);
    // The first step samples the same tokens (logits equal to float precision, the same seeded
    // draws): what the samples decide is the same, the losses agree to float precision.
    const first = (events: LabEvent[]) =>
      (events.find((e) => e.type === 'step') as Extract<LabEvent, { type: 'step' }>).metrics;
    const [a, b] = [first(onnx), first(tfjs)];
    for (const k of ['accuracy', 'meanReward', 'responseTokens', 'responseChars', 'truncatedRate'] as const)
      expect(a[k]).toBe(b[k]);
    expect(a.behaviors).toEqual(b.behaviors);
    for (const k of ['policyLoss', 'valueLoss', 'entropy', 'approxKl', 'gradNorm', 'klToReference'] as const)
      expect(a[k]).toBeCloseTo(b[k], 4);
    const [onnxStart, onnxEnd] = accuracy(onnx);
    const [tfjsStart, tfjsEnd] = accuracy(tfjs);
    expect(onnxStart).toBe(tfjsStart); // the same model evaluated with the same seed
    // 100 problems: one accuracy has a standard error of about 0.05, a difference of two about 0.07.
    expect(Math.abs(onnxEnd - tfjsEnd)).toBeLessThan(0.15);
  }, 600_000);

  // RL_MEMORY_STEPS=1000 runs the long check (small batches, about 2 minutes); the suite runs 60.
  const memorySteps = Number(process.env.RL_MEMORY_STEPS ?? 60);
  it(`keeps tf.memory().numTensors flat over ${memorySteps} RL steps with the engine, and releases its sessions`, async () => {
    const counts: number[] = [];
    const small = memorySteps > 60 ? { promptsPerStep: 2, samplesPerPrompt: 2, maxNewTokens: 8 } : undefined;
    const before = tf.memory().numTensors;
    await run('onnx', memorySteps, (step) => counts.push(step > 0 ? tf.memory().numTensors : 0), small);
    expect(counts).toHaveLength(memorySteps);
    expect(new Set(counts.slice(2)).size).toBe(1);
    // The run is over: its models, optimizer and ONNX sessions are gone.
    expect(tf.memory().numTensors).toBe(before);
  }, 1_800_000);
});
