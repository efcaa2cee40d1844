// PPO at a sampling temperature other than 1: the policy it trains is the tempered distribution, so
// the rollout's log-probs, the update's and the reference's must all be taken of logits / T. With
// a reference identical to the policy and a learning rate of 0, the KL must then be 0, the ratio 1
// and nothing clipped, whatever T (before the fix, T = 1.5 clipped 55% of tokens at lr 0).
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateProblems, problemSpec } from '../../src/countdown';
import { Rng } from '../../src/util/rng';
import { RlSchema } from '../../src/lab/config';
import { loadCheckpoint, selectBackend } from '../../src/model';
import { readFolder } from '../../src/model/node-files';
import { AdamW } from '../../src/rl/optim';
import { collectRollouts, computeAdvantages, ppoUpdate, type PpoConfig } from '../../src/rl/ppo';

const MODELS = fileURLToPath(new URL('../../public/models/', import.meta.url));

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('PPO at a sampling temperature', () => {
  for (const temperature of [0.7, 1, 1.5])
    it(`T = ${temperature}: an identical reference gives KL 0, and an update at lr 0 ratio 1`, async () => {
      const { model: policy, tokenizer } = loadCheckpoint(readFolder(`${MODELS}all_strategies`));
      policy.ensureValueHead();
      const reference = policy.clone(false);
      const config = {
        ...RlSchema.parse({}),
        temperature,
        maxNewTokens: 48,
        samplesPerPrompt: 2,
        lr: 0,
        minibatches: 1,
      } as PpoConfig;
      const problems = generateProblems(problemSpec('easy'), { n: 6, seed: 1 });
      const rollouts = await collectRollouts(
        policy,
        reference,
        tokenizer,
        problems,
        config,
        'compact',
        new Rng(1),
      );
      const gaps = rollouts.flatMap((r) => r.logprobs.map((lp, t) => Math.abs(lp - r.refLogprobs[t])));
      expect(gaps.length).toBeGreaterThan(100);
      expect(Math.max(...gaps)).toBeLessThan(1e-4);
      const optimizer = new AdamW(policy.params, { gradClip: 1 });
      const { advantages, returns } = computeAdvantages(rollouts, config);
      const stats = await ppoUpdate(
        policy,
        optimizer,
        rollouts,
        advantages,
        returns,
        config,
        new Rng(2),
        tokenizer.padId,
      );
      expect(Math.abs(stats.approxKl)).toBeLessThan(1e-5);
      expect(stats.clipFraction).toBe(0);
      optimizer.dispose();
      reference.dispose();
      policy.dispose();
    });
});
