// The experiment runner: the one loop behind both the browser lab (in a worker) and the CLI.
//
//   setup -> prime (SFT on priming traces) or load a checkpoint
//         -> RL steps (rollout, reward, advantages, PPO update; eval every N; checkpoint every N;
//            the step-0 eval, of the unchanged reference, right after step 1 so RL shows at once)
//         -> final eval -> done
//
// It can be paused, resumed and stopped between steps. Every random choice comes from a stream
// derived from (seed, purpose, step), so a run is reproducible from its seed on cpu and wasm, and a
// run resumed from a checkpoint continues exactly the same curve.

import * as tf from '@tensorflow/tfjs';
import { primeData } from '../behaviors';
import { formatPrompt, type Problem } from '../countdown';
import { Rng } from '../util/rng';
import {
  describeProbes,
  selectBackend,
  type BackendMeasure,
  type BackendName,
  type BackendOptions,
  type BackendReport,
} from '../model/backend';
import { probeStep } from '../model/probe';
import { loadCheckpoint, type CheckpointFiles } from '../model/checkpoint';
import { readSafetensors } from '../model/safetensors';
import { Tokenizer } from '../model/tokenizer';
import { sizeMismatch, type Dimensions } from '../model/names';
import { modelConfig, Transformer, type SizePreset } from '../model/transformer';
import { evaluate } from '../rl/evaluate';
import { AdamW, type OptimizerState } from '../rl/optim';
import { collectRollouts, computeAdvantages, ppoUpdate, type PpoConfig } from '../rl/ppo';
import { runSft } from '../rl/sft';
import { createRolloutEngine, type RolloutEngine } from '../rl/rollout-engine';
import type { OrtRuntime } from '../model/onnx-sampler';
import { parseConfig, testProblems, rlPool, rlPoolSize, RL_POOL_MIN, type ExperimentConfig } from './config';
import {
  checkStateStep,
  readRunnerState,
  restorePriming,
  restoreTraining,
  writeResumeFiles,
  type ResumeModels,
} from './resume-state';
import { sampleView, stepMetrics, summaryOf } from './step-metrics';
import { pickTraceOptions } from './trace-options';
import type { EvalMetrics, LabEvent, RunSummary, Stage } from './events';
import { isFinished } from './events';
import { labTokenizer } from '../behaviors/vocabulary';

export interface RunnerHost {
  emit(event: LabEvent): void;
  /** Persist a resumable checkpoint (policy folder + runner state) under a name. */
  saveCheckpoint?(name: string, files: CheckpointFiles): Promise<void>;
  /** The files of the checkpoint a config starts from (start.kind === 'checkpoint'). */
  loadCheckpoint?(ref: string): Promise<CheckpointFiles>;
  backendOptions?: BackendOptions;
  /**
   * Save a resumable checkpoint at least every this many RL steps, whatever the config's
   * checkpointEvery (0 or absent: only the config's). The page sets it: a closed or crashed tab then
   * loses at most this many steps. Saving changes nothing in the run itself.
   */
  autosaveEvery?: number;
  /**
   * Also keep the run as if stopped (`stopped-priming-N` while priming, `stopped-N` in RL) at least
   * every this many seconds, each replacing the last (`removeCheckpoint`): a run killed without a
   * stop goes on from there, losing at most that much. The CLI sets it (hours-long mini runs).
   */
  autosaveSeconds?: number;
  /**
   * Tell each keep as a `checkpoint` event. The page sets it: its record of a run killed with its tab
   * then ends where the stored keep does, and a resume goes on from there without a gap.
   */
  recordKeeps?: boolean;
  /** Delete a checkpoint this host saved (an autosave that a later one replaces). */
  removeCheckpoint?(name: string): Promise<void>;
  /**
   * With `auto`, choose the backend by a probe at the run's model size (a forward and backward
   * pass on each backend that starts, about a second) rather than by the fixed order. The page sets it.
   */
  measureBackends?: boolean;
  /**
   * A backend that fails mid-run hands the run to the next one, from its last completed step (kept
   * in memory after each step). The page sets it; the CLI runs on one backend.
   */
  failover?: boolean;
  /** onnxruntime for the rollout engine (rl.rolloutEngine 'auto' or 'onnx'); without it rollouts use tfjs. */
  onnxRuntime?: OrtRuntime;
}

/** The PPO settings of a config. */
export function ppoConfig(c: ExperimentConfig): PpoConfig {
  const { steps: _steps, rolloutEngine: _engine, ...rest } = c.rl;
  return rest;
}

export class ExperimentRunner {
  readonly config: ExperimentConfig;
  private readonly host: RunnerHost;
  private stage: Stage = 'setup';
  private step = 0;
  private paused = false;
  private stopRequested = false;
  private wake: (() => void) | null = null;
  private history: LabEvent[] = [];
  private backend: BackendReport | null = null;
  private resumeFiles: CheckpointFiles | null = null;
  /** A run stopped while priming: its half-primed model, where priming goes on from. */
  private primingFiles: CheckpointFiles | null = null;
  /** Priming's optimizer when a stop ended it: saved with the half-primed model. */
  private primingStop: OptimizerState | null = null;
  /** The run after its last completed RL step (failover only): where the next backend goes on from. */
  private lastGood: { step: number; files: CheckpointFiles } | null = null;
  /** Backends that failed in this run (failover only). */
  private failed: BackendName[] = [];
  /** Why the WebGPU device was lost, once it is: the step in progress fails on it. */
  private deviceLost: string | null = null;
  private startTime = 0;
  /** The last `autosaveSeconds` keep: its name, and when it was made (or the run began). */
  private kept: { name: string | null; at: number } = { name: null, at: 0 };
  private tests: Problem[] | null = null;

  constructor(config: unknown, host: RunnerHost) {
    this.config = parseConfig(config);
    this.host = host;
  }

  /** A runner that continues a stopped or checkpointed run from its saved files. */
  static fromCheckpoint(files: CheckpointFiles, host: RunnerHost): ExperimentRunner {
    // Everything a resume needs is checked here, before a model is built.
    const state = readRunnerState(files);
    const runner = new ExperimentRunner(state.config, host);
    checkStateStep(state, runner.config.rl.steps);
    runner.step = state.step;
    runner.history = state.history;
    if (state.priming) runner.primingFiles = files;
    else runner.resumeFiles = files;
    return runner;
  }

  get currentStage(): Stage {
    return this.stage;
  }

  get completedSteps(): number {
    return this.step;
  }

  /** True while the run waits at a pause, between steps (tests use it to show a pause holds). */
  get held(): boolean {
    return this.wake !== null;
  }

  /** Everything emitted so far (for saving a run's metrics). */
  get events(): readonly LabEvent[] {
    return this.history;
  }

  pause(): void {
    if (isFinished(this.stage)) return;
    this.paused = true;
    this.status(this.stage, 'paused');
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.status(this.stage, 'resumed');
    this.wake?.();
  }

  stop(): void {
    this.stopRequested = true;
    this.paused = false;
    this.wake?.();
  }

  private emit(e: LabEvent): void {
    if (e.type !== 'status' || e.stage !== 'paused') this.history.push(e);
    this.host.emit(e);
  }

  /**
   * Say what the run is doing. `this.stage` is the work under way (setup, prime, eval, rl, ...);
   * while a pause is pending or held the page is told 'paused', whatever work finishes meanwhile (a
   * pause pressed during an evaluation holds the run when the evaluation ends).
   */
  private status(stage: Stage, message: string): void {
    this.stage = stage;
    const shown: Stage = this.paused && !isFinished(stage) ? 'paused' : stage;
    const e: LabEvent = {
      type: 'status',
      stage: shown,
      message,
      step: this.step,
      time: Date.now(),
    };
    if (this.backend) e.backend = this.backend;
    this.host.emit(e);
  }

  /** Wait while paused; true when the run should stop. */
  private async gate(): Promise<boolean> {
    // Let queued messages in (Pause and Stop from the page): on the wasm and cpu backends every
    // await of a step resolves as a microtask, which never gives the event loop a turn.
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    while (this.paused && !this.stopRequested) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = null;
    return this.stopRequested;
  }

  private rng(purpose: string, step = 0): Rng {
    return new Rng(this.config.seed).fork(`${purpose}:${step}`);
  }

  async run(): Promise<RunSummary> {
    this.startTime = performance.now();
    this.kept.at = this.startTime;
    for (;;) {
      try {
        return await this.attempt();
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const from = this.backend?.backend;
        // Only a failure while computing (priming, evaluating, RL) is the backend's: a bad config or
        // checkpoint fails in setup on every backend.
        const computing = ['prime', 'eval', 'rl', 'paused'].includes(this.stage);
        if (this.host.failover && from && from !== 'cpu' && computing && !this.stopRequested) {
          // Hand the run to the next backend, from its last completed step (or from the start when
          // RL had not begun: priming and loading are redone, no metric of theirs is lost).
          this.failed.push(from);
          if (this.lastGood) {
            this.resumeFiles = this.lastGood.files;
            this.step = this.lastGood.step;
          }
          this.deviceLost = null;
          this.status(
            this.stage,
            `note: the ${from} backend failed (${message}); the run goes on on the next backend from ${this.lastGood ? `step ${this.step}` : 'the start'}`,
          );
          continue;
        }
        this.emit({ type: 'error', message });
        this.status('error', message);
        throw err;
      }
    }
  }

  /** The backend for this run: the config's, or by measurement; never one that failed in this run. */
  private async chooseBackend(): Promise<BackendReport> {
    const c = this.config;
    const measure: BackendMeasure | undefined = this.host.measureBackends
      ? {
          key: JSON.stringify(c.size),
          run: (budgetMs) => probeStep(c.size as SizePreset | Dimensions, labTokenizer().size, budgetMs),
        }
      : undefined;
    const preferred = this.failed.length > 0 ? 'auto' : c.backend;
    const report = await selectBackend(
      preferred,
      { ...this.host.backendOptions, exclude: this.failed },
      // After a failure, the next backend in the fixed order: no second probe mid-run.
      this.failed.length > 0 ? undefined : measure,
    );
    this.deviceLost = null;
    if (report.backend === 'webgpu') {
      // A lost device throws nothing by itself: the step in progress is failed at its next check.
      const device = (
        tf.backend() as unknown as {
          device?: { lost?: Promise<{ message: string }> };
        }
      ).device;
      void device?.lost?.then((info) => {
        if (this.backend === report)
          this.deviceLost = `the WebGPU device was lost: ${info.message || 'no reason given'}`;
      });
    }
    return report;
  }

  /** Throw when the backend has failed under the step in progress (a lost WebGPU device). */
  private checkDevice(): void {
    if (this.deviceLost) throw new Error(this.deviceLost);
  }

  private async attempt(): Promise<RunSummary> {
    const c = this.config;
    const tokenizerDefault = labTokenizer();
    let policy: Transformer | null = null;
    let reference: Transformer | null = null;
    let optimizer: AdamW | null = null;
    let engine: RolloutEngine | null = null;
    try {
      // Inside the try: a backend that cannot start ends the run in 'error', so the next run can start.
      this.backend = await this.chooseBackend();
      const probes = this.backend.probes;
      this.status(
        'setup',
        `using ${this.backend.backend}${probes && probes.length > 1 ? ` (fastest of ${describeProbes(probes)})` : ''}`,
      );
      let tokenizer = tokenizerDefault;
      // The problems first: ranges without problems fail here, not after minutes of priming.
      const pool = this.trainPool();
      const prompts = [...pool, ...(c.eval.problems > 0 ? this.testSet() : [])];
      // --- Stage 1: the starting policy (resumed, primed, loaded, or fresh)
      if (this.resumeFiles) {
        ({ policy, reference, optimizer, tokenizer } = restoreTraining(this.resumeFiles, c.rl.gradClip));
        this.checkFits(policy, tokenizer, prompts);
        this.status('rl', `resumed at step ${this.step} on ${this.backend.backend}`);
        // An evaluation due at this step that had not finished when a backend failed.
        const e = c.eval;
        if (
          this.failed.length > 0 &&
          e.problems > 0 &&
          e.every > 0 &&
          this.step % e.every === 0 &&
          !this.history.some((h) => h.type === 'eval' && h.metrics.step === this.step)
        )
          await this.evaluateNow(policy, tokenizer);
      } else {
        ({ policy, tokenizer } = await this.startingPolicy(tokenizerDefault, prompts));
        // Stopped while priming (or loading): finish saves a half-primed model with priming's
        // optimizer, which resumes the priming (nothing is saved before its first step).
        if (this.stopRequested) return await this.finish('stopped', policy, null, null, tokenizer);
        policy.ensureValueHead();
        reference = policy.clone(false);
        optimizer = new AdamW(policy.params, {
          gradClip: c.rl.gradClip,
          weightDecay: 0,
        });
        // The evaluation at step 0 waits until the first RL step is on the charts: it runs on the
        // reference, the step-0 policy unchanged (the same numbers), after that step.
      }
      // --- Stage 2: reinforcement learning
      this.status('rl', 'reinforcement learning');
      const ppo = ppoConfig(c);
      // The run as a checkpoint saves it: the models of this attempt's RL.
      const models = (): ResumeModels => ({
        policy: policy!,
        reference: reference as Transformer,
        optimizer: optimizer as AdamW,
        tokenizer,
      });
      const keep = async () => {
        if (!this.host.failover || this.backend?.backend === 'cpu') return;
        const files = await this.snapshot(models());
        // A backend can fail silently, into non-finite weights: that step is not kept.
        const { tensors } = readSafetensors(
          files.get('model.safetensors') as Uint8Array,
          'model.safetensors',
        );
        for (const [name, t] of tensors)
          if (!t.data.every(Number.isFinite))
            throw new Error(`its step ${this.step} left ${name} with a non-finite value`);
        this.lastGood = { step: this.step, files };
      };
      if (!this.lastGood || this.lastGood.step !== this.step) await keep();
      // Evaluations sample on the engine too, so a run with no RL steps left (a profile at step 0,
      // say) evaluates as the steps' evaluations do.
      if (this.step < c.rl.steps || c.eval.problems > 0) {
        const made = await createRolloutEngine(c.rl.rolloutEngine, this.host.onnxRuntime, policy);
        engine = made.engine;
        if (made.note) this.status('rl', `note: ${made.note}`);
        else if (this.step < c.rl.steps)
          this.status(
            'rl',
            `reinforcement learning, rollouts on ${engine.name === 'onnx' ? this.host.onnxRuntime?.name : 'the tfjs sampler'}`,
          );
      }
      while (this.step < c.rl.steps) {
        if (await this.gate()) return await this.finish('stopped', policy, reference, optimizer, tokenizer);
        const stepNumber = this.step + 1;
        const t0 = performance.now();
        const problemsRng = this.rng('problems', stepNumber);
        const problems = Array.from({ length: c.rl.promptsPerStep }, () => problemsRng.pick(pool));
        const rollouts = await collectRollouts(
          policy,
          reference as Transformer,
          tokenizer,
          problems,
          ppo,
          c.promptFormat,
          this.rng('sample', stepNumber),
          engine ?? undefined,
        );
        const sampleSeconds = (performance.now() - t0) / 1000;
        const { advantages, returns } = computeAdvantages(rollouts, ppo);
        const stats = await ppoUpdate(
          policy,
          optimizer as AdamW,
          rollouts,
          advantages,
          returns,
          ppo,
          this.rng('update', stepNumber),
          tokenizer.padId,
        );
        this.checkDevice();
        this.step = stepNumber;
        const metrics = stepMetrics(rollouts, stats, {
          step: this.step,
          lr: c.rl.lr,
          sampleSeconds,
          seconds: (performance.now() - t0) / 1000,
        });
        // Kept before the step is told: a backend whose update broke the weights fails here, and
        // the next one redoes this step rather than recording it twice.
        await keep();
        this.emit({ type: 'step', metrics });
        if (c.examplesPerStep > 0)
          this.emit({
            type: 'samples',
            step: this.step,
            samples: rollouts.slice(0, c.examplesPerStep).map(sampleView),
          });
        if (c.eval.problems > 0 && !this.history.some((h) => h.type === 'eval' && h.metrics.step === 0))
          await this.evaluateNow(reference as Transformer, tokenizer, 0, engine ?? undefined);
        if (
          c.eval.problems > 0 &&
          c.eval.every > 0 &&
          this.step % c.eval.every === 0 &&
          this.step < c.rl.steps
        )
          await this.evaluateNow(policy, tokenizer, this.step, engine ?? undefined);
        const due = (n: number | undefined) => n !== undefined && n > 0 && this.step % n === 0;
        const saving = this.step < c.rl.steps && (due(c.checkpointEvery) || due(this.host.autosaveEvery));
        if (saving) {
          const save = () => this.save(`step-${this.step}`, models());
          if (due(c.checkpointEvery)) await save();
          else {
            // An autosave is the host's safety net, not part of the run: if storage refuses it
            // (a full disk, say), the run says so and goes on.
            try {
              await save();
            } catch (err) {
              this.status('rl', `note: could not autosave at step ${this.step}: ${(err as Error).message}`);
            }
          }
          // A saved step is as good as a keep: the next keep is due `autosaveSeconds` after it.
          this.kept.at = performance.now();
        }
        // A step just saved needs no keep as well (it would write the same snapshot twice).
        if (this.step < c.rl.steps && !saving && this.keepDue())
          await this.keepAs(`stopped-${this.step}`, models());
      }
      if (c.eval.problems > 0 && !this.history.some((e) => e.type === 'eval' && e.metrics.step === this.step))
        await this.evaluateNow(policy, tokenizer, this.step, engine ?? undefined);
      return await this.finish('done', policy, reference, optimizer, tokenizer);
    } finally {
      await engine?.dispose();
      policy?.dispose();
      reference?.dispose();
      optimizer?.dispose();
    }
  }

  /** Every prompt plus the token budget must fit the model's positions; checked before any work. */
  private checkFits(policy: Transformer, tokenizer: Tokenizer, problems: readonly Problem[]): void {
    const c = this.config;
    let longest = 0;
    for (const p of problems)
      longest = Math.max(longest, tokenizer.encode(formatPrompt(p, c.promptFormat)).length);
    const room = policy.config.maxPositions - longest;
    if (c.rl.maxNewTokens > room)
      throw new Error(
        `the token budget rl.maxNewTokens ${c.rl.maxNewTokens} does not fit: the longest prompt has ${longest} tokens and the model ${policy.config.maxPositions} positions, so at most ${room}`,
      );
  }

  private async startingPolicy(
    tokenizer: Tokenizer,
    prompts: readonly Problem[],
  ): Promise<{ policy: Transformer; tokenizer: Tokenizer }> {
    const c = this.config;
    const start = c.start;
    // A model that cannot take these prompts is disposed here: it is not yet the run's to dispose.
    const checkFits = (model: Transformer, tok: Tokenizer): void => {
      try {
        this.checkFits(model, tok, prompts);
      } catch (err) {
        model.dispose();
        throw err;
      }
    };
    if (start.kind === 'checkpoint') {
      if (!this.host.loadCheckpoint) throw new Error('this host cannot load checkpoints');
      const loaded = loadCheckpoint(await this.host.loadCheckpoint(start.checkpoint));
      checkFits(loaded.model, loaded.tokenizer);
      this.noteSize(loaded.model, start.checkpoint);
      return { policy: loaded.model, tokenizer: loaded.tokenizer };
    }
    if (this.primingFiles) {
      const saved = restorePriming(this.primingFiles);
      checkFits(saved.policy, saved.tokenizer);
      this.status('prime', `priming resumed at step ${saved.optimizer.step}`);
      try {
        await this.prime(saved.policy, saved.tokenizer, saved.optimizer);
      } catch (err) {
        saved.policy.dispose();
        throw err;
      }
      return { policy: saved.policy, tokenizer: saved.tokenizer };
    }
    const size = c.size as SizePreset | Dimensions;
    let policy: Transformer;
    if (start.kind === 'prime' && start.from) {
      if (!this.host.loadCheckpoint) throw new Error('this host cannot load checkpoints');
      const base = loadCheckpoint(await this.host.loadCheckpoint(start.from));
      policy = base.model;
      tokenizer = base.tokenizer;
      this.noteSize(policy, start.from);
    } else {
      policy = Transformer.init(modelConfig(tokenizer.size, size), this.rng('init').nextUint32());
    }
    checkFits(policy, tokenizer);
    if (start.kind === 'scratch') return { policy, tokenizer };
    this.status('prime', `priming on ${start.examples} ${start.condition} traces`);
    try {
      await this.prime(policy, tokenizer);
    } catch (err) {
      // Not yet the run's model: a failed priming (out of memory, say) must not leave it behind.
      policy.dispose();
      throw err;
    }
    return { policy, tokenizer };
  }

  /**
   * Stage 1b: supervised fine-tuning on the traces of the config's priming condition (from a
   * stopped priming's optimizer state, when given).
   */
  private async prime(policy: Transformer, tokenizer: Tokenizer, from?: OptimizerState): Promise<void> {
    const c = this.config;
    const start = c.start;
    if (start.kind !== 'prime') return;
    const examples = primeData({
      condition: start.condition,
      n: start.examples,
      problems: start.problems,
      seed: c.seed,
      preset: c.preset,
      ranges: c.ranges,
      trace: { ...pickTraceOptions(start), promptFormat: c.promptFormat },
    });
    await runSft(
      policy,
      tokenizer,
      examples,
      start.sft,
      this.rng('sft'),
      {
        onProgress: (progress) => this.emit({ type: 'prime', progress }),
        checkpoint: () => this.gate(),
        onStop: (state) => void (this.primingStop = state),
        keep: () => this.keepDue(),
        onKeep: (state) =>
          this.keepAs(`stopped-priming-${state.step}`, {
            policy,
            reference: null,
            optimizer: state,
            tokenizer,
          }),
      },
      { from },
    );
  }

  /** Say so when the config's size is not the loaded model's: the loaded model's shape wins. */
  private noteSize(model: Transformer, source: string): void {
    const note = sizeMismatch(this.config.size, model.config, source);
    if (note) this.status('setup', note);
  }

  /** The training problems that steps draw from (`rlPoolSize` says how many). */
  private trainPool(): Problem[] {
    const n = rlPoolSize(this.config);
    if (n > RL_POOL_MIN) this.status('setup', `drawing up to ${n.toLocaleString('en-US')} training problems`);
    return rlPool(this.config);
  }

  /** The fixed held-out test set, made once per run. */
  private testSet(): Problem[] {
    this.tests ??= testProblems(this.config);
    return this.tests;
  }

  /**
   * Evaluate `policy` as the run's model at step `at` (the reference at step 0, say), sampling with
   * the run's rollout engine where it has one (onnxruntime's log-probs equal tfjs's: tests/rl).
   */
  private async evaluateNow(
    policy: Transformer,
    tokenizer: Tokenizer,
    at = this.step,
    engine?: RolloutEngine,
  ): Promise<EvalMetrics> {
    const c = this.config;
    const previous = this.stage;
    const problems = this.testSet();
    const times = c.eval.samples > 1 ? ` × ${c.eval.samples} samples` : '';
    this.status('eval', `evaluating on ${problems.length} held-out problems${times}`);
    const options = {
      temperature: 1,
      maxNewTokens: c.rl.maxNewTokens,
      promptFormat: c.promptFormat,
      rewardMode: c.rl.rewardMode,
      engine,
    };
    const k = c.eval.samples;
    const metrics: EvalMetrics = { step: at, problems: problems.length, ...(k > 1 ? { samples: k } : {}) };
    if (c.eval.sampled)
      metrics.sampled = summaryOf(
        await evaluate(
          policy,
          tokenizer,
          problems,
          { ...options, greedy: false, samples: k },
          this.rng('eval', at),
        ),
      );
    if (c.eval.greedy)
      metrics.greedy = summaryOf(
        await evaluate(
          policy,
          tokenizer,
          problems,
          { ...options, greedy: true },
          this.rng('eval-greedy', at),
        ),
      );
    this.emit({ type: 'eval', metrics });
    this.status(previous === 'prime' || previous === 'eval' ? 'rl' : previous, 'evaluated');
    return metrics;
  }

  /** Checkpoint files that resume this run (src/lab/resume-state.ts); no reference while priming. */
  private snapshot(models: ResumeModels): Promise<CheckpointFiles> {
    return writeResumeFiles(models, { config: this.config, step: this.step, history: this.history });
  }

  private async save(name: string, models: ResumeModels): Promise<void> {
    if (!this.host.saveCheckpoint) return;
    await this.host.saveCheckpoint(name, await this.snapshot(models));
    this.emit({ type: 'checkpoint', step: this.step, name });
  }

  /** True when the host's `autosaveSeconds` have passed since the run began or was last kept. */
  private keepDue(): boolean {
    const every = this.host.autosaveSeconds ?? 0;
    return every > 0 && !!this.host.saveCheckpoint && performance.now() - this.kept.at >= every * 1000;
  }

  /** Keep the run as a stop here would save it (`name`), in place of the previous keep. */
  private async keepAs(name: string, models: ResumeModels): Promise<void> {
    try {
      await this.host.saveCheckpoint?.(name, await this.snapshot(models));
    } catch (err) {
      // As an autosave: the host's safety net, not part of the run (a full disk says so and goes on).
      this.status(this.stage, `note: could not keep the run as ${name}: ${(err as Error).message}`);
      this.kept.at = performance.now();
      return;
    }
    const previous = this.kept.name;
    this.kept = { name, at: performance.now() };
    if (previous !== null && previous !== name) await this.host.removeCheckpoint?.(previous);
    if (this.host.recordKeeps) this.emit({ type: 'checkpoint', step: this.step, name });
  }

  private async finish(
    stage: 'done' | 'stopped',
    policy: Transformer,
    reference: Transformer | null,
    optimizer: AdamW | null,
    tokenizer: Tokenizer,
  ): Promise<RunSummary> {
    // A stop before priming's first step (while loading, say) has nothing worth keeping.
    const priming =
      !reference && stage === 'stopped' && (this.primingStop?.step ?? 0) > 0 ? this.primingStop : null;
    const saving =
      reference && optimizer
        ? { name: stage === 'done' ? 'final' : `stopped-${this.step}`, optimizer }
        : priming
          ? { name: `stopped-priming-${priming.step}`, optimizer: priming }
          : null;
    if (saving) {
      await this.save(saving.name, { policy, reference, optimizer: saving.optimizer, tokenizer });
      // Later than the last keep, which it replaces.
      if (this.kept.name !== null && this.kept.name !== saving.name)
        await this.host.removeCheckpoint?.(this.kept.name);
    }
    const evals = this.history
      .filter((e): e is Extract<LabEvent, { type: 'eval' }> => e.type === 'eval')
      .map((e) => e.metrics);
    const summary: RunSummary = {
      name: this.config.name,
      steps: this.step,
      startEval: evals[0],
      finalEval: evals[evals.length - 1],
      seconds: (performance.now() - this.startTime) / 1000,
      backend: this.backend?.backend ?? tf.getBackend(),
    };
    if (stage === 'done') this.emit({ type: 'done', summary });
    this.status(
      stage,
      stage === 'done'
        ? 'finished'
        : reference
          ? `stopped at step ${this.step}`
          : priming
            ? `stopped while priming, after step ${priming.step}${this.host.saveCheckpoint ? ': resumable' : ''}`
            : 'stopped before RL began: nothing was saved',
    );
    return summary;
  }
}
