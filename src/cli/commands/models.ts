import { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseCorpus, BEHAVIORS, CONDITION_DESCRIPTIONS, type Condition } from '../../behaviors';
import { Rng } from '../../util/rng';
import {
  BASE_RECIPE,
  ExperimentRunner,
  MINIATURE,
  parseConfig,
  parseReplication,
  primingRecipe,
  replicationJobs,
  replicationRunConfig,
  type EvalSummary,
  type ReplicationPlan,
} from '../../lab';
import {
  configFromHf,
  countParameters,
  loadCheckpoint,
  modelConfig,
  saveCheckpoint,
  selectBackend,
  Transformer,
  transformersJsFolder,
  type CheckpointFiles,
} from '../../model';
import { readFolder, writeFolder } from '../../model/node-files';
import { KEEP_SECONDS, keptFolder, replaceFolder } from '../folders';
import { nodeOnnxRuntime } from '../../model/node-ort';
import { SFT_ACTIVATION_LIMIT } from '../../rl/sft';
import { GradientWorker } from '../gradient-worker';
import { BASE_REF } from '../../model/checkpoint-ref';
import { MODEL_FILES, type SizePreset } from '../../model/names';
import { readOptimizerState, withOptimizerState } from '../../lab/resume-state';
import type { PresetName, ProblemSpec } from '../../countdown';
import { runSft, type OptimizerState, type SftProgress } from '../../rl';
import { outputFolder, parseIntOption, UsageError } from '../io';
import { runJobs } from '../jobs';
import { checkPlanFolder, writePlan } from '../plan-folder';
import { labTokenizer } from '../../behaviors/vocabulary';

/** One shipped model, as public/models/manifest.json describes it to the page. */
export interface ManifestEntry {
  name: string;
  condition: Condition | null;
  description: string;
  parameters: number;
  onnx: boolean;
  /** How it was made. */
  training: Record<string, unknown>;
  /**
   * Its profile on the held-out test problems before any RL: the replication's step-0 evaluation
   * (one sample each at temperature 1), averaged over the plan's seeds.
   */
  beforeRl?: {
    problems: number;
    seeds: number[];
    accuracy: number;
    formatRate: number;
    behaviors: Record<string, number>;
    responseChars: number;
    responseTokens: number;
  };
}

const SHIPPED_FILES: readonly string[] = MODEL_FILES;

/** Checkpoint files plus onnx/model.onnx, so the page can train from it and survey it. */
function writeShipped(dir: string, files: CheckpointFiles): void {
  const kept: CheckpointFiles = new Map([...files].filter(([name]) => SHIPPED_FILES.includes(name)));
  // The priming run recorded where its base model lay on this machine; shipped, it is "shipped:base".
  const config = JSON.parse(new TextDecoder().decode(kept.get('config.json')));
  if (config.habits_lab?.start?.from) config.habits_lab.start.from = BASE_REF;
  kept.set('config.json', new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`));
  rmSync(dir, { recursive: true, force: true });
  writeFolder(dir, new Map([...kept, ...transformersJsFolder(kept)]));
}

/**
 * A primed model before RL as the replication sees it: the step-0 evaluation of its RL run, averaged
 * over the plan's seeds: one evaluation of 80 samples varies too much from seed to seed
 * (docs/REPLICATION.md, "Starting points").
 */
export async function profileBeforeRl(
  plan: ReplicationPlan,
  condition: Condition,
  checkpoint: string,
): Promise<NonNullable<ManifestEntry['beforeRl']>> {
  const evals: EvalSummary[] = [];
  let problems = 0;
  for (const seed of plan.seeds) {
    const run = replicationRunConfig(plan, condition, seed, 'primed');
    const config = parseConfig({ ...run, rl: { ...run.rl, steps: 0 } });
    await new ExperimentRunner(config, {
      emit: (e) => {
        if (e.type !== 'eval' || !e.metrics.sampled) return;
        evals.push(e.metrics.sampled);
        problems = e.metrics.problems;
      },
      loadCheckpoint: async () => readFolder(checkpoint),
      onnxRuntime: nodeOnnxRuntime(1), // evaluates as the replication's runs do
    }).run();
  }
  const mean = (f: (e: EvalSummary) => number) => evals.reduce((a, e) => a + f(e), 0) / evals.length;
  return {
    problems,
    seeds: [...plan.seeds],
    accuracy: mean((e) => e.accuracy),
    formatRate: mean((e) => e.formatRate),
    behaviors: Object.fromEntries(BEHAVIORS.map((b) => [b, mean((e) => e.behaviors[b])])),
    responseChars: mean((e) => e.responseChars),
    responseTokens: mean((e) => e.responseTokens),
  };
}

/** A checkpoint's parameter count, from its config.json alone (no tensors are made). */
function parametersOf(files: CheckpointFiles): number {
  const raw: unknown = JSON.parse(new TextDecoder().decode(files.get('config.json')));
  return countParameters(configFromHf(raw).config, false);
}

/** The world a base model is pretrained in: the miniature's for the shipped one. */
export interface BaseWorld {
  preset: PresetName;
  ranges: Partial<ProblemSpec>;
  size: SizePreset;
}

/** The recipe stamp of a checkpoint folder's config.json, if it has one. */
function recipeOf(dir: string): string | undefined {
  if (!existsSync(join(dir, 'config.json'))) return undefined;
  return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).habits_lab?.recipe;
}

/**
 * Pretrain a base model (BASE_RECIPE) into `dir`, unless the one there was made by this recipe.
 * Ctrl-C stops it after a step and keeps the model and optimizer in `stoppedDir`, as it also does
 * every `keepSeconds` while it runs, so that a killed run loses at most that much; the next call
 * with the same recipe goes on from there. Returns false when stopped. With `threads` 2 a worker
 * thread computes half of each batch's gradients (gradient-worker.ts): the same steps on two cores.
 */
export async function trainBase(
  dir: string,
  {
    quiet = false,
    world = MINIATURE,
    stoppedDir = `${dir}-stopped`,
    training = BASE_RECIPE,
    keepSeconds = KEEP_SECONDS,
    threads = 1,
  }: {
    quiet?: boolean;
    world?: BaseWorld;
    stoppedDir?: string;
    training?: typeof BASE_RECIPE;
    keepSeconds?: number;
    /** 1 or 2: the cores its gradients are computed on. */
    threads?: number;
  } = {},
): Promise<boolean> {
  const recipe = { ...training, ...world };
  const stamp = JSON.stringify(recipe);
  if (recipeOf(dir) === stamp) {
    if (!quiet) process.stderr.write(`base model in ${dir} is up to date\n`);
    return true;
  }
  await selectBackend('auto');
  const tokenizer = labTokenizer();
  // A stopped run of this recipe goes on (one of another recipe is replaced when this one keeps or stops).
  let resumed: { model: Transformer; from: OptimizerState } | null = null;
  const kept = keptFolder(stoppedDir);
  if (existsSync(kept))
    try {
      if (recipeOf(kept) === stamp) {
        const files = readFolder(kept);
        resumed = { from: readOptimizerState(files), model: loadCheckpoint(files).model };
      }
    } catch (err) {
      throw new UsageError(
        `cannot go on from the stopped base model in ${kept} (${(err as Error).message}); delete that folder to start it again`,
      );
    }
  if (resumed && !quiet)
    process.stderr.write(`base model: going on from step ${resumed.from.step} (${stoppedDir})\n`);
  const model =
    resumed?.model ??
    Transformer.init(
      modelConfig(tokenizer.size, world.size),
      new Rng(training.seed).fork('base-init').nextUint32(),
    );
  let stopping = false;
  const abort = () => process.exit(130);
  const onSignal = () => {
    stopping = true;
    process.stderr.write(
      '\nstopping after this step (the base model so far will be kept; Ctrl-C again to abort)\n',
    );
    process.once('SIGINT', abort);
  };
  let stopped: OptimizerState | null = null;
  const corpus = baseCorpus({
    n: training.examples,
    seed: training.seed,
    preset: world.preset,
    ranges: world.ranges,
  });
  const bar = new SingleBar(
    {
      format: 'base model |{bar}| {value}/{total} steps | loss {loss} | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 100,
      // Logs and CI are not terminals: print a progress line every 30 s there instead.
      noTTYOutput: !process.stderr.isTTY,
      notTTYSchedule: 30_000,
    },
    Presets.shades_classic,
  );
  const checkpointFiles = () =>
    saveCheckpoint(model, tokenizer, {
      made_by: 'habits-lab models',
      role: 'base',
      prompt_format: 'compact',
      recipe: stamp,
    });
  // A kill or a second Ctrl-C mid-write cannot spoil the last good one.
  const keepStopped = async (state: OptimizerState, files?: CheckpointFiles) => {
    const kept = withOptimizerState(files ?? (await checkpointFiles()), state);
    replaceFolder(stoppedDir, (folder) => writeFolder(folder, kept));
  };
  let keptAt = Date.now();
  let started = false;
  let last: SftProgress;
  let worker: GradientWorker | null = null;
  process.once('SIGINT', onSignal);
  try {
    if (threads > 1) worker = await GradientWorker.start(model);
    const pair = worker;
    last = await runSft(
      model,
      tokenizer,
      corpus,
      training,
      new Rng(training.seed).fork('base-sft'),
      {
        // runSft only awaits microtasks: a turn of the event loop each step lets a Ctrl-C be heard
        // and, off a terminal, the bar print from its timer (a log once showed "0/3675 steps" to the end).
        checkpoint: async () => {
          await new Promise((resolve) => setTimeout(resolve, 0));
          return stopping;
        },
        onStop: (state) => void (stopped = state),
        keep: () => Date.now() - keptAt >= keepSeconds * 1000,
        onKeep: async (state) => {
          await keepStopped(state);
          keptAt = Date.now();
        },
        onProgress: (p) => {
          if (quiet) return;
          // From the step it goes on from, so that a resumed run's ETA counts only its own steps.
          if (!started) bar.start(p.totalSteps, p.step - 1, { loss: '' });
          started = true;
          bar.update(p.step, { loss: p.loss.toFixed(3) });
          if (p.heldOutLoss !== undefined)
            process.stderr.write(`\nepoch ${p.epoch}: held-out loss ${p.heldOutLoss.toFixed(3)}\n`);
        },
      },
      {
        from: resumed?.from,
        gradients: pair ? (rows) => pair.gradients(rows, tokenizer.padId, SFT_ACTIVATION_LIMIT) : undefined,
      },
    );
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    await worker?.terminate();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGINT', abort);
    if (started) bar.stop();
  }
  const files = await checkpointFiles();
  model.dispose();
  if (stopped) {
    const state: OptimizerState = stopped;
    await keepStopped(state, files);
    process.stderr.write(
      `stopped the base model at step ${state.step} of ${last.totalSteps}; kept in ${stoppedDir}, the same command goes on from there\n`,
    );
    return false;
  }
  writeShipped(dir, files);
  for (const d of [stoppedDir, `${stoppedDir}.old`]) rmSync(d, { recursive: true, force: true });
  return true;
}

export function modelsCommand(): Command {
  return new Command('models')
    .description(
      'Build the shipped models: the behavior-free base model and one primed model per replication condition (seven)',
    )
    .option('--out <dir>', 'where the page finds them', 'public/models')
    .option('--work <dir>', 'folder for the priming runs', 'runs/models')
    .option(
      '--jobs <n>',
      'priming runs at once (one CPU core each; the base model pretrains on up to two)',
      '2',
    )
    .option('--quiet', 'no progress bars')
    .addHelpText(
      'after',
      '\nThe same priming runs as `habits-lab replicate` (its default plan), so the shipped models are the\n' +
        "replication's starting points. Each folder holds a lab checkpoint and onnx/model.onnx; manifest.json\n" +
        'describes each (condition, parameters, priming, accuracy and behaviors before RL). `npm run models` runs this.',
    )
    .action(async (opts) => {
      const out = outputFolder(opts.out, '--out');
      const quiet = Boolean(opts.quiet);
      const jobsAtOnce = parseIntOption(opts.jobs, '--jobs', 1, 64); // before twenty minutes of work
      const work = outputFolder(opts.work, '--work');
      const plan = parseReplication({ base: join(out, 'base') });
      // The work folder's finished primings are reused: only if they were made for this plan.
      const planned = checkPlanFolder(work, plan, '--work');
      mkdirSync(out, { recursive: true });
      const t0 = Date.now();
      const base = { quiet, stoppedDir: join(work, 'base-stopped'), threads: Math.min(2, jobsAtOnce) };
      if (!(await trainBase(join(out, 'base'), base))) {
        process.exitCode = 130;
        return;
      }

      if (!planned) writePlan(work, plan);
      const jobs = replicationJobs(plan, (id) => join(work, id, 'checkpoints', 'final')).filter(
        (j) => j.kind === 'prime',
      );
      const outcome = await runJobs(jobs, work, {
        jobsAtOnce,
        quiet,
        label: 'priming',
      });
      if (outcome.stopped) {
        process.exitCode = 130;
        return;
      }
      for (const [id, why] of outcome.failed) process.stderr.write(`failed: ${id}: ${why}\n`);
      if (outcome.failed.size > 0) throw new UsageError('some models could not be built (see above)');

      const baseFiles = readFolder(join(out, 'base'));
      const entries: ManifestEntry[] = [
        {
          name: 'base',
          condition: null,
          description:
            'The base model: pretrained on calculations with the answer format and no habits at all (no checking, no backtracking, no subgoals, no working backwards). Every primed model starts from it.',
          parameters: parametersOf(baseFiles),
          onnx: true,
          training: { corpus: 'src/behaviors/pretraining.ts', ...BASE_RECIPE, ...MINIATURE },
        },
      ];
      if (!quiet) process.stderr.write('profiling each primed model before RL (the replication seeds)\n');
      for (const job of jobs) {
        const folder = join(work, job.id, 'checkpoints', 'final');
        const files = readFolder(folder);
        writeShipped(join(out, job.condition), files);
        const before = await profileBeforeRl(plan, job.condition, folder);
        entries.push({
          name: job.condition,
          condition: job.condition,
          description: CONDITION_DESCRIPTIONS[job.condition],
          parameters: parametersOf(files),
          onnx: true,
          training: { base: 'base', ...primingRecipe(plan, job.condition) },
          beforeRl: before,
        });
      }
      writeFileSync(
        join(out, 'manifest.json'),
        `${JSON.stringify({ format: 'habits-lab-models', version: 1, problems: MINIATURE, models: entries }, null, 2)}\n`,
      );
      process.stdout.write(
        `${'model'.padEnd(26)} accuracy  ${BEHAVIORS.map((b) => b.slice(0, 12).padEnd(13)).join('')}chars\n` +
          entries
            .filter((e) => e.beforeRl)
            .map(
              (e) =>
                `${e.name.padEnd(26)} ${`${(100 * e.beforeRl!.accuracy).toFixed(1)}%`.padEnd(9)} ${BEHAVIORS.map((b) => e.beforeRl!.behaviors[b].toFixed(2).padEnd(13)).join('')}${e.beforeRl!.responseChars.toFixed(0)}`,
            )
            .join('\n') +
          `\nwrote ${entries.length} models and manifest.json to ${out} in ${((Date.now() - t0) / 60000).toFixed(1)} min\n`,
      );
    });
}
