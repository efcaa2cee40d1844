import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdamW,
  gae,
  groupAdvantages,
  klEstimate,
  ppoLosses,
  primingLr,
  tokenRewards,
  warmupLr,
  whiten,
} from '../../src/rl';
import { RlSchema } from '../../src/lab/config';
import { tokenEntropy } from '../../src/model/logprobs';
import { computeAdvantages, type PpoConfig, type Rollout } from '../../src/rl/ppo';
import { useBackend } from '../model/helpers';

const close = (a: number, b: number, tol = 1e-6) => expect(Math.abs(a - b)).toBeLessThan(tol);

describe('rewards, KL estimators and advantages (hand-computed)', () => {
  it('k1 and k3 KL estimators', () => {
    // log p = -1, log p_ref = -2: k1 = 1; k3 = (e^-1 - 1) + 1 = e^-1.
    close(klEstimate(-1, -2, 'k1'), 1);
    close(klEstimate(-1, -2, 'k3'), Math.exp(-1));
    close(klEstimate(-2, -1, 'k1'), -1);
    close(klEstimate(-2, -1, 'k3'), Math.E - 2);
    close(klEstimate(-0.5, -0.5, 'k3'), 0);
    // k3 is never negative
    for (const [a, b] of [
      [-3, -0.1],
      [-0.1, -3],
      [-1, -1.5],
    ])
      expect(klEstimate(a, b, 'k3')).toBeGreaterThanOrEqual(0);
  });

  it('token rewards put the score on the last token and -beta*KL everywhere', () => {
    tokenRewards(1, [0.5, -0.2, 0.1], 0.1).forEach((x, i) => close(x, [-0.05, 0.02, 0.99][i]));
    expect(tokenRewards(0.1, [], 0.1)).toEqual([]);
  });

  it('GAE with gamma = lambda = 1 is reward-to-go minus the value', () => {
    const r = gae([0, 0, 1], [0.2, 0.5, 0.9], 1, 1);
    expect(r.advantages.map((x) => +x.toFixed(6))).toEqual([0.8, 0.5, 0.1]);
    expect(r.returns.map((x) => +x.toFixed(6))).toEqual([1, 1, 1]);
  });

  it('GAE with gamma = 0.9, lambda = 0.5 matches a hand computation', () => {
    // deltas: d2 = 1 - 0.9 = 0.1 ; d1 = 0 + 0.9*0.9 - 0.5 = 0.31 ; d0 = 0.5 + 0.9*0.5 - 0.2 = 0.75
    // A2 = 0.1 ; A1 = 0.31 + 0.45*0.1 = 0.355 ; A0 = 0.75 + 0.45*0.355 = 0.90975
    const r = gae([0.5, 0, 1], [0.2, 0.5, 0.9], 0.9, 0.5);
    close(r.advantages[2], 0.1);
    close(r.advantages[1], 0.355);
    close(r.advantages[0], 0.90975);
    close(r.returns[0], 0.90975 + 0.2);
  });

  it('group baseline: (R - mean) / std within each prompt group', () => {
    const a = groupAdvantages([1, 0, 0, 0, 1, 1, 0.1, 0.1], 4);
    // group 1: mean 0.25, std sqrt(0.1875)
    close(a[0], 0.75 / (Math.sqrt(0.1875) + 1e-6), 1e-5);
    close(a[1], -0.25 / (Math.sqrt(0.1875) + 1e-6), 1e-5);
    // group 2: [1, 1, 0.1, 0.1]: mean 0.55, std 0.45
    close(a[4], 0.45 / (0.45 + 1e-6), 1e-5);
    close(a[7], -1, 1e-5);
    expect(groupAdvantages([0.1, 0.1], 2)).toEqual([0, 0]); // no signal when all equal
    expect(groupAdvantages([1, 0], 2, false)).toEqual([0.5, -0.5]);
    expect(() => groupAdvantages([1, 2, 3], 2)).toThrow(/groups of 2/);
  });

  it('whitening gives mean 0 and std 1 over all tokens', () => {
    const w = whiten([
      [1, 2],
      [3, 4, 5],
    ]).flat();
    close(w.reduce((a, b) => a + b, 0) / w.length, 0);
    close(Math.sqrt(w.reduce((a, b) => a + b * b, 0) / w.length), 1, 1e-6);
  });

  it('warmup ramps linearly then holds', () => {
    expect([0, 1, 2, 3, 9].map((s) => warmupLr(1, s, 4))).toEqual([0.25, 0.5, 0.75, 1, 1]);
    expect(warmupLr(0.3, 0, 0)).toBe(0.3);
    // priming's cooldown: a tenth of the rate from step 8 of 10 on, after a 2-step warmup
    expect([0, 1, 2, 7, 8, 9].map((s) => primingLr(2, s, 2, 8))).toEqual([1, 2, 2, 2, 0.2, 0.2]);
    expect(primingLr(2, 9, 2, 10)).toBe(2); // no cooldown
  });
});

describe('computeAdvantages: rollouts to advantages and value targets (hand-computed)', () => {
  // Four responses to two prompts (2 samples each); k1 KL = logp - ref per token, klCoef 0.1.
  const rollout = (logprobs: number[], refLogprobs: number[], values: number[], score: number) =>
    ({
      logprobs,
      refLogprobs,
      values,
      response: logprobs.map(() => 1),
      reward: { score },
    }) as unknown as Rollout;
  const rollouts = [
    rollout([-1, -2], [-1.5, -2], [0.5, 0.2], 1), // kl [0.5, 0]
    rollout([-0.5], [-0.5], [0.3], 0.1), // kl [0]
    rollout([-1, -1], [-1, -1], [0, 0], 0), // kl [0, 0] (cut by the budget: score 0)
    rollout([-2], [-1], [0.4], 1), // kl [-1]
  ];
  const config = {
    ...RlSchema.parse({}),
    samplesPerPrompt: 2,
    klCoef: 0.1,
    klEstimator: 'k1',
  } as PpoConfig;
  const near = (got: number[][], want: number[][]) =>
    got.forEach((row, i) => row.forEach((x, t) => close(x, want[i][t], 1e-5)));

  it('gae (gamma = lambda = 1): the KL penalty on every token, the score on the last', () => {
    const { advantages, returns, kl } = computeAdvantages(rollouts, {
      ...config,
      normalizeAdvantages: false,
    });
    near(kl, [[0.5, 0], [0], [0, 0], [-1]]);
    // R0: rewards [-0.05, 1]; A1 = 1 - 0.2 = 0.8; A0 = -0.05 + 0.2 - 0.5 + 0.8 = 0.45; R = A + V.
    near(advantages, [[0.45, 0.8], [-0.2], [0, 0], [0.7]]);
    near(returns, [[0.95, 1], [0.1], [0, 0], [1.1]]);
    // Whitened over all six tokens (mean 0.2917, sd 0.3791); the value targets are not.
    const w = computeAdvantages(rollouts, { ...config, normalizeAdvantages: true });
    near(w.advantages, [[0.417709, 1.341064], [-1.297095], [-0.769463, -0.769463], [1.077248]]);
    near(w.returns, returns);
  });

  it('group: each response against the others for its prompt, the same advantage on every token', () => {
    const { advantages, returns } = computeAdvantages(rollouts, { ...config, advantage: 'group' });
    // Totals: 1 - 0.1*0.5 = 0.95 and 0.1 (prompt 1), 0 and 1 + 0.1 = 1.1 (prompt 2): each pair
    // is one above and one below its mean by one standard deviation.
    near(advantages, [[1, 1], [-1], [-1, -1], [1]]);
    near(returns, [[0, 0], [0], [0, 0], [0]]); // no value head to fit
  });
});

describe('PPO losses on tiny tensors (hand-computed)', () => {
  beforeAll(() => useBackend('cpu'));
  const read = async (t: tf.Tensor) => (await t.data())[0];

  it('clipped surrogate, approx KL, clip fraction, entropy', async () => {
    // Three tokens: ratios e^0.5 (1.6487), 1, e^-0.5 (0.6065); advantages 1, -1, -2; clip 0.2.
    const logprobs = tf.tensor2d([[0.5, 0, -0.5]]);
    const old = tf.tensor2d([[0, 0, 0]]);
    const adv = tf.tensor2d([[1, -1, -2]]);
    const mask = tf.tensor2d([[1, 1, 1]]);
    const l = ppoLosses(
      { logprobs, oldLogprobs: old, advantages: adv, entropy: tf.tensor2d([[1, 2, 3]]), mask },
      0.2,
      0.5,
    );
    // token 1: max(-1*1.6487, -1*1.2) = -1.2 ; token 2: max(1, 1) = 1 ; token 3: max(2*0.6065, 2*0.8) = 1.6
    close(await read(l.policyLoss), (-1.2 + 1 + 1.6) / 3, 1e-5);
    // approx KL = mean((r - 1) - log r) = ((e^0.5 - 1.5) + 0 + (e^-0.5 - 0.5)) / 3
    close(await read(l.approxKl), (Math.exp(0.5) - 1.5 + Math.exp(-0.5) - 0.5) / 3, 1e-5);
    close(await read(l.clipFraction), 2 / 3, 1e-6);
    close(await read(l.entropy), 2, 1e-6);
    close(await read(l.valueLoss), 0);
  });

  it('the gradient of the clipped surrogate: zero where the clipped term is taken, -A/N * ratio elsewhere', async () => {
    // Same three tokens. The pessimistic max takes the clipped term for token 1 (A = 1, ratio
    // 1.65 > 1.2) and token 3 (A = -2, ratio 0.61 < 0.8): no gradient. Token 2 (ratio 1) is inside
    // the clip range: d/d logp of -A * ratio / 3 = -A * ratio / 3 = 1/3.
    const surrogate = (lp: tf.Tensor) =>
      ppoLosses(
        {
          logprobs: lp as tf.Tensor2D,
          oldLogprobs: tf.tensor2d([[0, 0, 0]]),
          advantages: tf.tensor2d([[1, -1, -2]]),
          entropy: tf.tensor2d([[0, 0, 0]]),
          mask: tf.tensor2d([[1, 1, 1]]),
        },
        0.2,
        0.5,
      ).policyLoss;
    const g = await tf
      .grad(surrogate)(tf.tensor2d([[0.5, 0, -0.5]]))
      .data();
    close(g[0], 0, 1e-7);
    close(g[1], 1 / 3, 1e-6);
    close(g[2], 0, 1e-7);
    // ... and the same numbers by central finite differences of the loss itself.
    const loss = (x: number[]) => read(surrogate(tf.tensor2d([x])));
    const h = 1e-3;
    const at = [0.5, 0, -0.5];
    for (let i = 0; i < 3; i++) {
      const up = at.map((x, j) => (j === i ? x + h : x));
      const down = at.map((x, j) => (j === i ? x - h : x));
      close(((await loss(up)) - (await loss(down))) / (2 * h), g[i], 1e-3);
    }
  });

  it('token entropy: log V for uniform logits, about 0 for a near-certain token', async () => {
    const V = 299;
    const uniform = tokenEntropy(tf.zeros([1, 1, V]) as tf.Tensor3D);
    close(await read(uniform), Math.log(V), 1e-4);
    const sure = tokenEntropy(
      tf
        .oneHot([[3]], V)
        .mul(50)
        .toFloat() as tf.Tensor3D,
    );
    expect(await read(sure)).toBeLessThan(1e-15 + V * 50 * Math.exp(-50));
    // Two equally likely tokens out of V: log 2.
    const two = tokenEntropy(tf.tensor3d([[[50, 50, ...new Array<number>(V - 2).fill(0)]]]));
    close(await read(two), Math.log(2), 1e-6);
  });

  it('the mask excludes padding from every term', async () => {
    const l = ppoLosses(
      {
        logprobs: tf.tensor2d([[0.5, 9]]),
        oldLogprobs: tf.tensor2d([[0, 0]]),
        advantages: tf.tensor2d([[1, 5]]),
        entropy: tf.tensor2d([[1, 7]]),
        mask: tf.tensor2d([[1, 0]]),
      },
      0.2,
      0.5,
    );
    close(await read(l.policyLoss), -1.2, 1e-5);
    close(await read(l.entropy), 1, 1e-6);
    close(await read(l.clipFraction), 1, 1e-6);
  });

  it('clipped value loss: 0.5 * max((V - R)^2, (V_old + clip(V - V_old) - R)^2)', async () => {
    // V = [1.0, 0.2], V_old = [0, 0], R = [0.3, 1.0], clip 0.5:
    // token 1: unclipped 0.49, clipped (0.5 - 0.3)^2 = 0.04 -> 0.49
    // token 2: unclipped 0.64, clipped (0.2 - 1)^2 = 0.64 -> 0.64
    const l = ppoLosses(
      {
        logprobs: tf.tensor2d([[0, 0]]),
        oldLogprobs: tf.tensor2d([[0, 0]]),
        advantages: tf.tensor2d([[0, 0]]),
        entropy: tf.tensor2d([[0, 0]]),
        mask: tf.tensor2d([[1, 1]]),
        values: tf.tensor2d([[1.0, 0.2]]),
        oldValues: tf.tensor2d([[0, 0]]),
        returns: tf.tensor2d([[0.3, 1.0]]),
      },
      0.2,
      0.5,
    );
    close(await read(l.valueLoss), 0.5 * ((0.49 + 0.64) / 2), 1e-5);
    // With V far from V_old in the wrong direction the clipped term dominates:
    const l2 = ppoLosses(
      {
        logprobs: tf.tensor2d([[0]]),
        oldLogprobs: tf.tensor2d([[0]]),
        advantages: tf.tensor2d([[0]]),
        entropy: tf.tensor2d([[0]]),
        mask: tf.tensor2d([[1]]),
        values: tf.tensor2d([[0.9]]),
        oldValues: tf.tensor2d([[0]]),
        returns: tf.tensor2d([[1.0]]),
      },
      0.2,
      0.5,
    );
    // unclipped (0.9-1)^2 = 0.01, clipped (0.5-1)^2 = 0.25 -> 0.5 * 0.25
    close(await read(l2.valueLoss), 0.125, 1e-6);
  });
});

describe('AdamW', () => {
  beforeAll(() => useBackend('cpu'));
  it('matches a hand computation, clips the global norm, decays only matrices, and saves its state', async () => {
    const w = tf.variable(tf.tensor2d([[1, 2]]));
    const b = tf.variable(tf.tensor1d([1]));
    const params = new Map<string, tf.Variable>([
      ['w', w],
      ['b', b],
    ]);
    const opt = new AdamW(params, { gradClip: 1, weightDecay: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    // grads [3, 4] and [0]: norm 5 -> scaled by 1/5 to [0.6, 0.8]; first Adam step moves each by lr*sign.
    const norm = opt.apply(
      new Map<string, tf.Tensor>([
        ['w', tf.tensor2d([[3, 4]])],
        ['b', tf.tensor1d([0])],
      ]),
      0.01,
    );
    close((await norm.data())[0], 5, 1e-5);
    const wv = await w.data();
    // w - lr * (g/|g| + wd * w) with bias-corrected m/sqrt(v) = 1 for each nonzero entry
    close(wv[0], 1 - 0.01 * (1 + 0.1 * 1), 1e-6);
    close(wv[1], 2 - 0.01 * (1 + 0.1 * 2), 1e-6);
    close((await b.data())[0], 1, 1e-9); // zero gradient, no decay on vectors
    const state = await opt.getState();
    // The weights of a first step cannot tell clipping (Adam moves each by lr * sign), the moments
    // can: m = (1 - beta1) * clipped g = 0.1 * [0.6, 0.8]; v = (1 - beta2) * g^2.
    close(state.m.w[0], 0.06, 1e-6);
    close(state.m.w[1], 0.08, 1e-6);
    close(state.v.w[0], 0.001 * 0.36, 1e-9);
    close(state.v.w[1], 0.001 * 0.64, 1e-9);
    const unclipped = new AdamW(new Map([['w', tf.variable(tf.tensor2d([[1, 2]]))]]), {
      gradClip: 0,
      weightDecay: 0.1,
    });
    tf.dispose(unclipped.apply(new Map([['w', tf.tensor2d([[3, 4]])]]), 0.01));
    const raw = await unclipped.getState();
    close(raw.m.w[0], 0.3, 1e-6);
    close(raw.m.w[1], 0.4, 1e-6);
    unclipped.dispose();
    const opt2 = new AdamW(params, { gradClip: 1, weightDecay: 0.1 });
    opt2.setState(state);
    expect(opt2.step).toBe(1);
    expect(() => opt2.setState({ step: 1, m: {}, v: {} })).toThrow(/does not match/);
    // A damaged state is refused before anything is assigned: it would resume into NaN weights.
    const damaged = (edit: (s: typeof state) => void) => {
      const s = { step: state.step, m: { ...state.m }, v: { ...state.v } };
      edit(s);
      return s;
    };
    const bad: [(s: typeof state) => void, RegExp][] = [
      [(s) => (s.step = NaN), /step NaN/],
      [(s) => (s.step = -1), /step -1/],
      [(s) => (s.m.w = state.m.w.map((x, i) => (i === 0 ? NaN : x))), /w: its first moment is not finite/],
      [(s) => (s.v.w = state.v.w.map((x, i) => (i === 0 ? -1 : x))), /w: its second moment/],
      [(s) => (s.v.w = state.v.w.map((x, i) => (i === 0 ? Infinity : x))), /w: its second moment/],
    ];
    for (const [edit, message] of bad) expect(() => opt2.setState(damaged(edit))).toThrow(message);
    const after = await opt2.getState();
    expect(after.m.w).toEqual(state.m.w); // the refused states changed nothing
    expect(opt2.step).toBe(1);
    tf.dispose([w, b, norm]);
    opt.dispose();
    opt2.dispose();
  });

  it('a restored optimizer takes the same next step as the one it was saved from', async () => {
    const make = () => new Map<string, tf.Variable>([['w', tf.variable(tf.tensor2d([[1, 2]]))]]);
    const grads = (g: number[]) => new Map<string, tf.Tensor>([['w', tf.tensor2d([g])]]);
    const config = { gradClip: 1, weightDecay: 0.1 };
    const a = make();
    const kept = new AdamW(a, config);
    tf.dispose(kept.apply(grads([3, 4]), 0.01));
    const saved = await kept.getState();
    tf.dispose(kept.apply(grads([-1, 0.5]), 0.01));
    // The same first step, saved, restored into a fresh optimizer, then the second step.
    const b = make();
    tf.dispose(new AdamW(b, config).apply(grads([3, 4]), 0.01)); // weights after step 1
    const restored = new AdamW(b, config);
    restored.setState(saved);
    tf.dispose(restored.apply(grads([-1, 0.5]), 0.01));
    const [wa, wb] = [await (a.get('w') as tf.Variable).data(), await (b.get('w') as tf.Variable).data()];
    close(wb[0], wa[0], 1e-7);
    close(wb[1], wa[1], 1e-7);
    // Without the restored moments, the second step differs (bias correction and momentum).
    const c = make();
    const fresh = new AdamW(c, config);
    tf.dispose(fresh.apply(grads([3, 4]), 0.01));
    const cold = new AdamW(c, config);
    tf.dispose(cold.apply(grads([-1, 0.5]), 0.01));
    expect(Math.abs((await (c.get('w') as tf.Variable).data())[1] - wa[1])).toBeGreaterThan(1e-4);
    for (const o of [kept, restored, fresh, cold]) o.dispose();
    tf.dispose([...a.values(), ...b.values(), ...c.values()]);
  });
});
