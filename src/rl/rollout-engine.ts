// Where rollouts are sampled, the way veRL pairs a fast inference engine with the trainer: the tfjs
// sampler (the reference, and the fallback on every host), or onnxruntime through the ONNX sampler
// (src/model/onnx-sampler.ts), which the host supplies (onnxruntime-node in Node).
//
// The ONNX engine reads the policy's weights once per batch (after the previous update) and the
// frozen reference model's once per run, and also computes the reference log-probs, so tfjs only
// runs the update.

import type { OrtRuntime } from '../model/onnx-sampler';
import { OnnxSampler, type EngineWeights } from '../model/onnx-sampler';
import { sample, type SampleOptions, type SampleResult } from '../model/sampling';
import type { Transformer } from '../model/transformer';
import type { Rng } from '../util/rng';
import { responseLogprobs } from './teacher-forcing';

export type RolloutEngineChoice = 'auto' | 'onnx' | 'tfjs';

export interface RolloutEngine {
  readonly name: 'tfjs' | 'onnx';
  /** Sample from the policy as it is now. */
  sample(
    policy: Transformer,
    prompts: readonly (readonly number[])[],
    options: SampleOptions,
    rng: Rng,
  ): Promise<SampleResult>;
  /** The reference model's log-prob of every response token (at temperature T). */
  referenceLogprobs(
    reference: Transformer,
    rows: readonly { prompt: readonly number[]; response: readonly number[] }[],
    padId: number,
    temperature: number,
  ): Promise<number[][]>;
  /** Release what the engine holds (ONNX sessions). */
  dispose(): Promise<void>;
}

/** The tfjs sampler: the reference engine, on every host and backend. */
export const tfjsEngine: RolloutEngine = {
  name: 'tfjs',
  sample: (policy, prompts, options, rng) => sample(policy, prompts, options, rng),
  referenceLogprobs: (reference, rows, padId, temperature) =>
    responseLogprobs(reference, rows, padId, 64, temperature),
  dispose: async () => {},
};

/** onnxruntime, fed the lab model's weights as graph inputs. */
export class OnnxRolloutEngine implements RolloutEngine {
  readonly name = 'onnx';
  private referenceWeights: { model: Transformer; weights: EngineWeights } | null = null;

  constructor(private readonly sampler: OnnxSampler) {}

  static async create(runtime: OrtRuntime, policy: Transformer): Promise<OnnxRolloutEngine> {
    return new OnnxRolloutEngine(await OnnxSampler.create(runtime, policy.config, policy.hasValueHead));
  }

  async sample(
    policy: Transformer,
    prompts: readonly (readonly number[])[],
    options: SampleOptions,
    rng: Rng,
  ): Promise<SampleResult> {
    return this.sampler.sample(await this.sampler.weightsOf(policy), prompts, options, rng);
  }

  async referenceLogprobs(
    reference: Transformer,
    rows: readonly { prompt: readonly number[]; response: readonly number[] }[],
    padId: number,
    temperature: number,
  ): Promise<number[][]> {
    // The reference model is frozen: its weights are read once.
    if (this.referenceWeights?.model !== reference) {
      const weights = await this.sampler.weightsOf(reference);
      this.referenceWeights = { model: reference, weights };
    }
    return this.sampler.responseLogprobs(this.referenceWeights.weights, rows, padId, temperature);
  }

  async dispose(): Promise<void> {
    this.referenceWeights = null;
    await this.sampler.release();
  }
}

/**
 * The engine a run asked for: 'onnx' needs a runtime from the host, 'auto' takes it when there is
 * one that is not marked `auto: false` (and falls back to tfjs when the session cannot be made,
 * saying why in `note`).
 */
export async function createRolloutEngine(
  choice: RolloutEngineChoice,
  runtime: OrtRuntime | undefined,
  policy: Transformer,
): Promise<{ engine: RolloutEngine; note?: string }> {
  if (choice === 'tfjs') return { engine: tfjsEngine };
  if (!runtime) {
    if (choice === 'onnx')
      throw new Error('rl.rolloutEngine is "onnx" but this host has no onnxruntime: use "auto" or "tfjs"');
    return { engine: tfjsEngine };
  }
  if (choice === 'auto' && runtime.auto === false) return { engine: tfjsEngine };
  try {
    return { engine: await OnnxRolloutEngine.create(runtime, policy) };
  } catch (err) {
    if (choice === 'onnx') throw err;
    return {
      engine: tfjsEngine,
      note: `rollouts use the tfjs sampler: ${runtime.name} could not start (${(err as Error).message})`,
    };
  }
}
