// One PPO step as the runner makes it, timed in parts: shared by bench/rl-step.ts (Node) and the
// browser bench's worker (bench/browser/worker.ts), so that both measure the same step.
import { trainingProblems, type Problem } from '../src/countdown';
import { parseConfig } from '../src/lab/config';
import { DEFAULT_PLAN, MINIATURE } from '../src/lab/replication';
import { ppoConfig } from '../src/lab/runner';
import { loadCheckpoint, type CheckpointFiles, type Tokenizer, type Transformer } from '../src/model';
import { AdamW } from '../src/rl/optim';
import { collectRollouts, computeAdvantages, ppoUpdate, type PpoConfig } from '../src/rl/ppo';
import type { RolloutEngine } from '../src/rl/rollout-engine';
import { Rng } from '../src/util/rng';

export interface StepFigures {
  seconds: number;
  /** The process's CPU seconds (Node only; the browser has no such clock). */
  cpuSeconds?: number;
  rolloutSeconds: number;
  updateSeconds: number;
  rolloutTokensPerSecond: number;
  updateTokensPerSecond: number;
  /** The update's rate over every token it runs forward and backward (prompt and response). */
  updateAllTokensPerSecond: number;
  responseTokens: number;
}

export interface StepSetup {
  policy: Transformer;
  reference: Transformer;
  tokenizer: Tokenizer;
  pool: readonly Problem[];
  ppo: PpoConfig;
  /** CPU seconds so far, where the host has such a clock. */
  cpuClock?: () => number;
}

/** The bench's step: a shipped model (its files), the replication plan's RL settings, the miniature's problems. */
export function stepSetup(files: CheckpointFiles): StepSetup {
  const { model: policy, tokenizer } = loadCheckpoint(files);
  policy.ensureValueHead();
  const reference = policy.clone(false);
  const config = parseConfig({
    preset: MINIATURE.preset,
    ranges: MINIATURE.ranges,
    size: 'nano',
    rl: DEFAULT_PLAN.rl,
  });
  const pool = trainingProblems(config.preset, config.ranges, { n: 5000, seed: 0 });
  return { policy, reference, tokenizer, pool, ppo: ppoConfig(config) };
}

/** One PPO step (lr 0, so that every step starts from the same policy). */
export async function ppoStep(
  s: StepSetup,
  engine: RolloutEngine,
  prompts: number,
  step: number,
): Promise<StepFigures> {
  const cfg: PpoConfig = { ...s.ppo, promptsPerStep: prompts, lr: 0 };
  const rng = new Rng(step);
  const problems = Array.from({ length: prompts }, () => rng.pick(s.pool));
  const optimizer = new AdamW(s.policy.params, { gradClip: cfg.gradClip, weightDecay: 0 });
  const cpu0 = s.cpuClock?.();
  const t0 = performance.now();
  const rollouts = await collectRollouts(
    s.policy,
    s.reference,
    s.tokenizer,
    problems,
    cfg,
    'compact',
    rng,
    engine,
  );
  const t1 = performance.now();
  const { advantages, returns } = computeAdvantages(rollouts, cfg);
  const stats = await ppoUpdate(
    s.policy,
    optimizer,
    rollouts,
    advantages,
    returns,
    cfg,
    rng,
    s.tokenizer.padId,
  );
  const t2 = performance.now();
  const cpuSeconds = cpu0 === undefined ? undefined : s.cpuClock!() - cpu0;
  optimizer.dispose();
  const tokens = rollouts.reduce((n, r) => n + r.response.length, 0);
  const allTokens = rollouts.reduce((n, r) => n + r.prompt.length + r.response.length, 0);
  return {
    seconds: (t2 - t0) / 1000,
    cpuSeconds,
    rolloutSeconds: (t1 - t0) / 1000,
    updateSeconds: (t2 - t1) / 1000,
    rolloutTokensPerSecond: tokens / ((t1 - t0) / 1000),
    updateTokensPerSecond: stats.tokensPerSecond,
    updateAllTokensPerSecond: allTokens / ((t2 - t1) / 1000),
    responseTokens: tokens / rollouts.length,
  };
}

/** The mean of n steps after one warm-up step. */
export async function meanSteps(
  s: StepSetup,
  engine: RolloutEngine,
  prompts: number,
  n: number,
): Promise<StepFigures> {
  await ppoStep(s, engine, prompts, 1000); // warm-up
  const all: StepFigures[] = [];
  for (let i = 0; i < n; i++) all.push(await ppoStep(s, engine, prompts, i + 1));
  const mean = (f: (x: StepFigures) => number) => all.reduce((a, x) => a + f(x), 0) / all.length;
  return {
    seconds: mean((x) => x.seconds),
    cpuSeconds: all[0].cpuSeconds === undefined ? undefined : mean((x) => x.cpuSeconds!),
    rolloutSeconds: mean((x) => x.rolloutSeconds),
    updateSeconds: mean((x) => x.updateSeconds),
    rolloutTokensPerSecond: mean((x) => x.rolloutTokensPerSecond),
    updateTokensPerSecond: mean((x) => x.updateTokensPerSecond),
    updateAllTokensPerSecond: mean((x) => x.updateAllTokensPerSecond),
    responseTokens: mean((x) => x.responseTokens),
  };
}
