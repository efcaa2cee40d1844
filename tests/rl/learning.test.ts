// Learning, not just running: SFT priming teaches a condition's habits, and a short PPO run raises
// held-out accuracy. Both start from the shipped behavior-free base model (public/models/base, built
// by `npm run models`), so they take seconds instead of the twenty minutes of pretraining.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { BEHAVIORS, primeData, type Behavior as BehaviorName } from '../../src/behaviors';
import { generateProblems, problemSpec } from '../../src/countdown';
import { Rng } from '../../src/util/rng';
import { ExperimentRunner, MINIATURE, type LabEvent } from '../../src/lab';
import { loadCheckpoint, selectBackend, type Tokenizer } from '../../src/model';
import { readFolder } from '../../src/model/node-files';
import { evaluate, evaluateLoss, runSft, toSequence } from '../../src/rl';
import { median } from '../../src/rl/evaluate';

const MODELS = fileURLToPath(new URL('../../public/models/', import.meta.url));
const spec = problemSpec(MINIATURE.preset, MINIATURE.ranges);
const testProblems = generateProblems(spec, { n: 200, seed: 0, split: 'test', allowFewer: true });

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('SFT priming', () => {
  it('lowers held-out loss sharply in one short epoch', async () => {
    const { model, tokenizer } = loadCheckpoint(readFolder(`${MODELS}base`));
    const examples = primeData({
      condition: 'backtracking_verification',
      n: 660,
      seed: 11,
      preset: MINIATURE.preset,
      ranges: MINIATURE.ranges,
      trace: { phrasing: 'terse', maxFailedAttempts: 6, tokenBudget: 160 },
    });
    const heldOut = examples.slice(600).map((e) => toSequence(tokenizer as Tokenizer, e));
    const before = await evaluateLoss(model, heldOut, tokenizer.padId);
    await runSft(
      model,
      tokenizer,
      examples.slice(0, 600),
      { epochs: 1, lr: 3e-3, batchSize: 32, warmup: 0.05, weightDecay: 0.01, gradClip: 1, heldOut: 0 },
      new Rng(4),
    );
    const after = await evaluateLoss(model, heldOut, tokenizer.padId);
    model.dispose();
    // The base model has never seen a trace (measured: 6.5 nats/token); one epoch of 19 batches
    // brings it near 1.
    expect(before).toBeGreaterThan(4);
    expect(after).toBeLessThan(0.3 * before);
  }, 120_000);

  it('runs the last `cooldown` share of its steps at a tenth of the rate', async () => {
    const { model, tokenizer } = loadCheckpoint(readFolder(`${MODELS}base`));
    const examples = primeData({ condition: 'empty_cot', n: 64, seed: 3, preset: MINIATURE.preset });
    const rates: number[] = [];
    const config = { epochs: 2, lr: 1e-3, batchSize: 16, warmup: 0, weightDecay: 0, gradClip: 1, heldOut: 0 };
    await runSft(model, tokenizer, examples, { ...config, cooldown: 0.25 }, new Rng(1), {
      onProgress: (p) => void rates.push(p.lr),
    });
    model.dispose();
    // 2 epochs x 4 batches: the last 2 of 8 steps at 1e-4
    expect(rates).toEqual([1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-4, 1e-4]);
  }, 60_000);

  // The shipped models were primed by the same runSft (`npm run models`): each must write
  // well-formed responses in its own condition's style, and show exactly its condition's habits.
  // Measured on these 48 problems with the 16,000-trace models of item 41 (habits per response,
  // V/B/S/W): all_strategies 1.63/.75/.60/.40, backtracking_verification 1.54/.54/0/0,
  // only_backtracking .56/.23/0/0 (item 48's priming, which speaks 60% of its checks; 0/.23/0/0
  // before), incorrect 3.00/2.17/.90/1.17, empty_cot, dots 0/0/0/0, negative_control 0/.02/0/0. A present habit is checked by its count per response, not by the
  // share of responses that show it: the searchers' traces stop after their first miss with chance
  // 0.7 and a first hit needs none, so only_backtracking backtracks in 6% of its responses, about
  // four times each. Accuracy 5/48 for incorrect (13/48 all_strategies, 15/48
  // backtracking_verification, 12/48 empty_cot).
  type Shape = 'empty' | 'dots' | 'steps' | 'search';
  const PROFILES: Record<
    string,
    { present: BehaviorName[]; absent: BehaviorName[]; shape: Shape; wrong?: true }
  > = {
    all_strategies: {
      present: ['verification', 'backtracking', 'subgoal_setting', 'backward_chaining'],
      absent: [],
      shape: 'search',
    },
    incorrect: {
      present: ['verification', 'backtracking', 'subgoal_setting', 'backward_chaining'],
      absent: [],
      shape: 'search',
      wrong: true,
    },
    backtracking_verification: {
      present: ['verification', 'backtracking'],
      absent: ['subgoal_setting', 'backward_chaining'],
      shape: 'search',
    },
    // its traces speak 60% of their checks, as the paper's only_backtracking verified now and then
    only_backtracking: {
      present: ['verification', 'backtracking'],
      absent: ['subgoal_setting', 'backward_chaining'],
      shape: 'search',
    },
    empty_cot: { present: [], absent: [...BEHAVIORS], shape: 'empty' },
    dots: { present: [], absent: [...BEHAVIORS], shape: 'dots' },
    negative_control: { present: [], absent: [...BEHAVIORS], shape: 'steps' },
  };
  /** What a response's think block (the text before </think>) holds. */
  const shapeOf = (text: string): Shape => {
    const think = text.split('</think>')[0].trim();
    if (think === '') return 'empty';
    if (/^\.( \.)*$/.test(think)) return 'dots';
    if (think.startsWith('Step 1:')) return 'steps';
    return 'search';
  };
  it.each(Object.entries(PROFILES))(
    "the shipped %s model writes its condition's traces",
    async (name, profile) => {
      const { model, tokenizer } = loadCheckpoint(readFolder(`${MODELS}${name}`));
      const r = await evaluate(
        model,
        tokenizer,
        testProblems.slice(0, 48),
        { greedy: false, temperature: 1, maxNewTokens: 200, promptFormat: 'compact', rewardMode: 'strict' },
        new Rng(7),
      );
      model.dispose();
      expect(r.medianChars).toBe(median(r.responses.map((x) => x.text.length)));
      // A searching model may use up the 200 tokens before any guess works (a quarter of
      // backtracking_verification's responses); every response that ends has a readable answer.
      expect(r.formatRate + r.truncatedRate).toBeGreaterThan(0.9);
      for (const b of profile.present) expect(r.behaviors.mean[b], b).toBeGreaterThan(0.15);
      for (const b of profile.absent) expect(r.behaviors.mean[b], b).toBeLessThan(0.15);
      // The think block has the condition's shape: emptied, dots, a linear solution or a search.
      const shapes = r.responses.map((x) => shapeOf(x.text));
      expect(
        shapes.filter((s) => s === profile.shape).length / shapes.length,
        shapes.join(' '),
      ).toBeGreaterThan(0.9);
      // incorrect was primed on answers that are all wrong: it answers, no more often correctly than
      // a direct answerer does by chance of its first guess.
      if (profile.wrong) {
        expect(r.formatRate).toBeGreaterThan(0.9);
        expect(r.accuracy).toBeLessThan(0.25);
      }
    },
    60_000,
  );
});

describe('PPO', () => {
  // The shipped empty_cot model answers in ~12 tokens, so 60 PPO steps take half a minute. The
  // problems are a small corner of the miniature's world (numbers 1-6, targets 10-20), where 60
  // steps can visibly help. Run twice from the same seed: at the learning rate and at 0 (a frozen
  // copy that samples the same prompts). PPO must lift the share of correct rollouts clearly above
  // the frozen copy. (Measured with the shipped models of item 35: last-10-step accuracy 0.45 vs 0.28 frozen; first
  // 10 steps 0.27.)
  async function rolloutAccuracy(lr: number): Promise<number[]> {
    const events: LabEvent[] = [];
    const runner = new ExperimentRunner(
      {
        name: `ppo-learns-${lr}`,
        seed: 3,
        preset: MINIATURE.preset,
        ranges: { numberMin: 1, numberMax: 6, targetMin: 10, targetMax: 20 },
        size: MINIATURE.size,
        backend: 'wasm',
        start: { kind: 'checkpoint', checkpoint: 'empty_cot' },
        rl: { steps: 60, promptsPerStep: 16, samplesPerPrompt: 4, maxNewTokens: 32, lr, epochs: 2 },
        eval: { every: 0, problems: 8 },
        examplesPerStep: 0,
      },
      {
        emit: (e) => events.push(e),
        saveCheckpoint: async () => {},
        loadCheckpoint: async (ref) => readFolder(`${MODELS}${ref}`),
      },
    );
    await runner.run();
    return events.flatMap((e) => (e.type === 'step' ? [e.metrics.accuracy] : []));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  it('raises rollout accuracy well above a frozen copy (learning rate 0) in 60 steps', async () => {
    const learning = await rolloutAccuracy(3e-4);
    const frozen = await rolloutAccuracy(0);
    expect(learning).toHaveLength(60);
    // Same seed, same first batch: both start from the same policy.
    expect(learning[0]).toBe(frozen[0]);
    expect(mean(learning.slice(-10))).toBeGreaterThan(mean(frozen.slice(-10)) + 0.12);
    expect(mean(learning.slice(-10))).toBeGreaterThan(mean(learning.slice(0, 10)) + 0.12);
  }, 300_000);
});
