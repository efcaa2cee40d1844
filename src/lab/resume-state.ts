// What a run saves so that it can be resumed exactly: the policy checkpoint, the frozen reference
// model, the optimizer's moments, and the runner's state (config, step, every event so far). A run
// stopped while priming saves the half-primed model and priming's optimizer (no reference yet).
// Everything is checked before a model is built, so a bad file is refused without leaving tensors.

import { z } from 'zod';
import { loadCheckpoint, saveCheckpoint, type CheckpointFiles } from '../model/checkpoint';
import { RESUME_FILES } from '../model/names';
import { readSafetensors, writeSafetensors } from '../model/safetensors';
import type { Tokenizer } from '../model/tokenizer';
import type { Transformer } from '../model/transformer';
import { AdamW, type OptimizerState } from '../rl/optim';
import type { ExperimentConfig } from './config';
import { LabEventSchema, type LabEvent } from './events';
import { describeIssues, importedArray, parseUntilFirstIssue } from './validate';

const [STATE_FILE, REFERENCE_FILE, OPTIMIZER_FILE] = RESUME_FILES;

/** runner_state.json: everything a resumed run needs beyond the checkpoint's tensors. */
export interface RunnerState {
  /** Not yet checked: the runner parses it with parseConfig. */
  config: unknown;
  step: number;
  history: LabEvent[];
  /** Saved while priming: step is 0 and the optimizer is priming's, whose step counts its steps. */
  priming: boolean;
}

/** What a resumed run trusts from runner_state.json. */
const RunnerStateSchema = z.object({
  format: z.literal('habits-lab-runner'),
  version: z.literal(1),
  config: z.unknown(),
  step: z.number().int().min(0),
  optimizerStep: z.number().int().min(0),
  priming: z.boolean().optional(),
  history: importedArray(LabEventSchema, 200_000),
});

/** The runner state of resumable checkpoint files, or an error that says what is missing or damaged. */
export function readRunnerState(files: CheckpointFiles): RunnerState {
  const raw = files.get(STATE_FILE);
  if (!raw)
    throw new Error(
      `this checkpoint has no ${STATE_FILE}: it cannot be resumed (start a new run from it instead)`,
    );
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(raw));
  } catch (err) {
    throw new Error(`${STATE_FILE} is not valid JSON`, { cause: err });
  }
  const header = z.object({ format: z.literal('habits-lab-runner'), version: z.literal(1) }).safeParse(json);
  if (!header.success) throw new Error(`${STATE_FILE} is not a Habits Lab runner state`);
  const parsed = parseUntilFirstIssue(RunnerStateSchema, json);
  if (!parsed.success) throw new Error(`${STATE_FILE} is damaged: ${describeIssues(parsed.issues)}`);
  const { config, step, history } = parsed.data;
  const priming = parsed.data.priming === true;
  if (priming && step !== 0)
    throw new Error(`${STATE_FILE} is damaged: saved while priming at RL step ${step}`);
  for (const name of priming ? [OPTIMIZER_FILE] : [REFERENCE_FILE, OPTIMIZER_FILE])
    if (!files.has(name)) throw new Error(`this checkpoint has no ${name}: it cannot be resumed`);
  return { config, step, history: history as LabEvent[], priming };
}

/** A step the run's config cannot have reached. */
export function checkStateStep(state: RunnerState, steps: number): void {
  if (state.step > steps)
    throw new Error(`${STATE_FILE} is damaged: step ${state.step} is past the run's ${steps} steps`);
}

/**
 * Checkpoint files that resume a run: the policy folder + reference + optimizer + state. Without a
 * reference they resume a priming (the optimizer then being priming's).
 */
/** What a resumable checkpoint holds besides the runner's state (no reference while priming). */
export interface ResumeModels {
  policy: Transformer;
  reference: Transformer | null;
  optimizer: AdamW | OptimizerState;
  tokenizer: Tokenizer;
}

export async function writeResumeFiles(
  models: ResumeModels,
  state: { config: ExperimentConfig; step: number; history: LabEvent[] },
): Promise<CheckpointFiles> {
  const { policy, reference, optimizer, tokenizer } = models;
  const { config, step, history } = state;
  const files = await saveCheckpoint(policy, tokenizer, {
    made_by: 'habits-lab',
    run: config.name,
    step,
    seed: config.seed,
    prompt_format: config.promptFormat,
    start: config.start,
  });
  if (reference) {
    const ref = await saveCheckpoint(reference, tokenizer);
    files.set(REFERENCE_FILE, ref.get('model.safetensors') as Uint8Array);
  }
  const opt = optimizer instanceof AdamW ? await optimizer.getState() : optimizer;
  withOptimizerState(files, opt);
  const json = {
    format: 'habits-lab-runner',
    version: 1,
    config,
    step,
    optimizerStep: opt.step,
    ...(reference ? {} : { priming: true }),
    history,
  };
  files.set(STATE_FILE, new TextEncoder().encode(JSON.stringify(json)));
  return files;
}

/** Adds optimizer.safetensors to checkpoint files: the moments as m.NAME and v.NAME, the step in the metadata. */
export function withOptimizerState(files: CheckpointFiles, state: OptimizerState): CheckpointFiles {
  const tensors = Object.keys(state.m).flatMap((name) => [
    { name: `m.${name}`, shape: [state.m[name].length], data: state.m[name] },
    { name: `v.${name}`, shape: [state.v[name].length], data: state.v[name] },
  ]);
  return files.set(OPTIMIZER_FILE, writeSafetensors(tensors, 'F32', { step: String(state.step) }));
}

/** The optimizer's saved moments, read (and checked) before any tensor exists. */
export function readOptimizerState(files: CheckpointFiles): OptimizerState {
  const bytes = files.get(OPTIMIZER_FILE);
  if (!bytes) throw new Error(`this checkpoint has no ${OPTIMIZER_FILE}`);
  const saved = readSafetensors(bytes, OPTIMIZER_FILE);
  const state: OptimizerState = { step: Number(saved.metadata.step ?? 0), m: {}, v: {} };
  for (const [name, t] of saved.tensors) (name.startsWith('m.') ? state.m : state.v)[name.slice(2)] = t.data;
  return state;
}

/**
 * The half-primed model and priming's optimizer state of files saved while priming (readRunnerState
 * accepted them); runSft checks the state against the model when it resumes.
 */
export function restorePriming(files: CheckpointFiles): {
  policy: Transformer;
  tokenizer: Tokenizer;
  optimizer: OptimizerState;
} {
  const optimizer = readOptimizerState(files);
  const loaded = loadCheckpoint(files);
  return { policy: loaded.model, tokenizer: loaded.tokenizer, optimizer };
}

/** The policy, frozen reference and optimizer of files that readRunnerState has accepted. */
export function restoreTraining(
  files: CheckpointFiles,
  gradClip: number,
): { policy: Transformer; reference: Transformer; optimizer: AdamW; tokenizer: Tokenizer } {
  const refBytes = files.get(REFERENCE_FILE) as Uint8Array;
  const state = readOptimizerState(files);
  // Whatever was built before a later file fails is disposed: a failed resume leaves no tensors.
  const built: { dispose(): void }[] = [];
  try {
    const loaded = loadCheckpoint(files);
    const policy = loaded.model;
    built.push(policy);
    const refFiles = new Map(files);
    refFiles.set('model.safetensors', refBytes);
    refFiles.delete('value_head.safetensors');
    let reference: Transformer;
    try {
      reference = loadCheckpoint(refFiles).model;
    } catch (err) {
      throw new Error(`${REFERENCE_FILE}: ${(err as Error).message}`, { cause: err });
    }
    built.push(reference);
    for (const v of reference.params.values()) v.trainable = false;
    policy.ensureValueHead();
    const optimizer = new AdamW(policy.params, { gradClip, weightDecay: 0 });
    built.push(optimizer);
    try {
      optimizer.setState(state);
    } catch (err) {
      throw new Error(`${OPTIMIZER_FILE} does not fit this model: ${(err as Error).message}`, { cause: err });
    }
    return { policy, reference, optimizer, tokenizer: loaded.tokenizer };
  } catch (err) {
    for (const b of built) b.dispose();
    throw err;
  }
}
