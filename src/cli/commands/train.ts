import { Command, Option } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BEHAVIORS, CONDITIONS } from '../../behaviors';
import { generateProblems, PRESET_NAMES, type PresetName, type PromptFormat } from '../../countdown';
import { Rng } from '../../util/rng';
import {
  chartSpecs,
  splitTiming,
  CONFIG_PRESETS,
  ExperimentRunner,
  metricsCsv,
  parseConfig,
  presetConfig,
  withOverrides,
  type ExperimentConfig,
  type LabEvent,
  type RunnerHost,
} from '../../lab';
import { BACKENDS, selectBackend, SIZE_NAMES, type BackendName } from '../../model';
import { readFolder, writeFolder } from '../../model/node-files';
import { nodeOnnxRuntime } from '../../model/node-ort';
import { evaluate } from '../../rl/evaluate';
import { renderChartsPng } from '../chart-image';
import { checkpointFolder, loadModelOption } from '../checkpoints';
import { KEEP_SECONDS, replaceFolder } from '../folders';
import { addRangeOptions, checkedSpec, rangeOverrides } from '../problem-options';
import {
  outputFolder,
  parseIntOption,
  parseNumberOption,
  parseSetting,
  readJsonObject,
  UsageError,
} from '../io';

const pct = (x: number | undefined) => (x === undefined ? '  -  ' : `${(100 * x).toFixed(1)}%`);

/** The runner's host for the CLI: files under --out, a progress bar and summary lines. */
interface FileHost extends RunnerHost {
  /** Stops the bar and writes the chart and CSV of what has run. */
  close(): void;
  /** Whether anything was written under --out (a run that fails at the start writes nothing). */
  written(): boolean;
}

/** Where a run writes its files, and how it reports progress on the terminal. */
function fileHost(
  out: string,
  config: ExperimentConfig,
  quiet: boolean,
  earlier: readonly LabEvent[] = [],
  keepSeconds = KEEP_SECONDS,
): FileHost {
  const metricsPath = join(out, 'metrics.jsonl');
  const timingPath = join(out, 'timing.jsonl');
  // A resumed run carries its earlier metrics: the files start with them.
  const events: LabEvent[] = earlier.filter((e) => e.type !== 'status');
  // The folder is written when the run has got going (its first metric), so that a run which fails
  // at the start (a typo in a path, ranges without problems) leaves an earlier run there intact.
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    writeFileSync(metricsPath, events.map((e) => `${JSON.stringify(splitTiming(e).event)}\n`).join(''));
    if (earlier.length === 0) writeFileSync(timingPath, '');
  };
  const bar = new SingleBar(
    {
      format: '{stage} |{bar}| {value}/{total} {info}',
      hideCursor: true,
      clearOnComplete: false,
      stream: process.stderr,
      noTTYOutput: false,
    },
    Presets.shades_classic,
  );
  let barStage = '';
  const startBar = (stage: string, total: number) => {
    if (quiet) return;
    if (barStage) bar.stop();
    barStage = stage;
    bar.start(total, 0, { stage: stage.padEnd(6), info: '' });
  };
  const line = (text: string) => {
    if (quiet) return;
    if (barStage) process.stderr.write('\n');
    process.stdout.write(`${text}\n`);
  };
  const flush = () => {
    writeFileSync(join(out, 'metrics.csv'), metricsCsv(events));
    writeFileSync(
      join(out, 'chart.png'),
      renderChartsPng(
        chartSpecs(events),
        `${config.name}: ${config.start.kind === 'prime' ? config.start.condition : config.start.kind}, seed ${config.seed}`,
      ),
    );
  };
  return {
    emit(e) {
      // The error itself is thrown by the run and printed once, on stderr, by main.
      if (e.type === 'error' && !started) return;
      if (e.type !== 'status') {
        start();
        events.push(e);
        const { event, timing } = splitTiming(e);
        writeFileSync(metricsPath, `${JSON.stringify(event)}\n`, { flag: 'a' });
        if (timing) writeFileSync(timingPath, `${JSON.stringify(timing)}\n`, { flag: 'a' });
      }
      if (e.type === 'status' && e.message.startsWith('note: ')) line(e.message);
      if (e.type === 'status' && e.message.startsWith('using'))
        line(
          `${e.message}${e.backend?.skipped.length ? ` (${e.backend.skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')})` : ''}`,
        );
      if (e.type === 'prime') {
        if (barStage !== 'prime') startBar('prime', e.progress.totalSteps);
        if (!quiet)
          bar.update(e.progress.step, {
            info: `loss ${e.progress.loss.toFixed(3)}${e.progress.heldOutLoss !== undefined ? ` held-out ${e.progress.heldOutLoss.toFixed(3)}` : ''}`,
          });
        if (e.progress.heldOutLoss !== undefined)
          line(
            `prime epoch ${e.progress.epoch}: loss ${e.progress.loss.toFixed(3)}, held-out loss ${e.progress.heldOutLoss.toFixed(3)}`,
          );
      }
      if (e.type === 'step') {
        if (barStage !== 'rl') startBar('rl', config.rl.steps);
        const m = e.metrics;
        if (!quiet)
          bar.update(m.step, {
            info: `acc ${pct(m.accuracy)} reward ${m.meanReward.toFixed(3)} len ${m.responseTokens.toFixed(0)} ${m.stepSeconds.toFixed(1)}s/step`,
          });
        if (m.step % 10 === 0) {
          line(
            `step ${m.step}: train accuracy ${pct(m.accuracy)}, reward ${m.meanReward.toFixed(3)}, format ${pct(m.formatRate)}, length ${m.responseTokens.toFixed(0)} tokens, ` +
              `behaviors ${BEHAVIORS.map((b) => m.behaviors[b].toFixed(2)).join('/')}, KL ${m.klToReference.toFixed(4)}`,
          );
        }
      }
      if (e.type === 'eval') {
        const m = e.metrics;
        line(
          `eval at step ${m.step} (${m.problems} held-out problems): accuracy ${pct(m.sampled?.accuracy)} (T=1), ${pct(m.greedy?.accuracy)} (greedy), length ${m.sampled?.responseTokens.toFixed(0) ?? '-'} tokens`,
        );
        flush();
      }
      if (e.type === 'checkpoint') line(`checkpoint ${e.name} saved`);
    },
    async saveCheckpoint(name, files) {
      start();
      replaceFolder(join(out, 'checkpoints', name), (folder) => writeFolder(folder, files));
    },
    // A run killed without Ctrl-C (a closed session, say) goes on from its last keep.
    autosaveSeconds: keepSeconds,
    async removeCheckpoint(name) {
      rmSync(join(out, 'checkpoints', name), { recursive: true, force: true });
    },
    async loadCheckpoint(ref) {
      return readFolder(checkpointFolder(ref));
    },
    close() {
      if (barStage && !quiet) bar.stop();
      barStage = '';
      if (started) flush();
    },
    written: () => started,
    // The rollout engine's runtime (rl.rolloutEngine 'auto' or 'onnx'): one thread, as the run's one core.
    onnxRuntime: nodeOnnxRuntime(1),
  };
}

async function runAndReport(runner: ExperimentRunner, host: FileHost, out: string): Promise<void> {
  const onSignal = () => {
    process.stderr.write(
      runner.currentStage === 'rl' || runner.currentStage === 'eval'
        ? '\nstopping after this step (a resumable checkpoint will be saved; Ctrl-C again to abort)\n'
        : runner.currentStage === 'prime'
          ? '\nstopping after this priming step (a resumable checkpoint will be saved; Ctrl-C again to abort)\n'
          : '\nstopping (nothing to resume before RL starts; Ctrl-C again to abort)\n',
    );
    runner.stop();
    // A Ctrl-C in a terminal reaches replicate's runs twice (from the terminal and from replicate):
    // only a second press, a second or more later, aborts without saving.
    const first = Date.now();
    const again = () => {
      if (Date.now() - first < 1000) process.once('SIGINT', again);
      else process.exit(130);
    };
    process.once('SIGINT', again);
  };
  process.once('SIGINT', onSignal);
  try {
    const summary = await runner.run();
    host.close();
    const s = summary.startEval?.sampled?.accuracy;
    const f = summary.finalEval?.sampled?.accuracy;
    const evals = `held-out accuracy ${pct(s)} (step ${summary.startEval?.step ?? '-'}) -> ${pct(f)} (step ${summary.finalEval?.step ?? '-'})`;
    if (runner.currentStage === 'stopped') {
      // The checkpoint this stop saved, if any: its last event.
      const last = runner.events.filter((e) => e.type !== 'status').at(-1);
      const saved = last?.type === 'checkpoint' && last.name.startsWith('stopped-') ? last.name : null;
      const checkpoint = saved ? join(out, 'checkpoints', saved) : '';
      const where = saved?.startsWith('stopped-priming-')
        ? `while priming (after step ${saved.slice('stopped-priming-'.length)})`
        : `at RL step ${summary.steps}; ${evals}`;
      process.stdout.write(
        saved && existsSync(checkpoint)
          ? `stopped ${where}, after ${summary.seconds.toFixed(0)} s; resume with: habits-lab train --resume ${checkpoint} --out ${out}\n`
          : `stopped before RL began, after ${summary.seconds.toFixed(0)} s: no checkpoint was saved\n`,
      );
      process.exitCode = 130; // as a shell reports a command stopped by Ctrl-C
      return;
    }
    process.stdout.write(
      `done: ${summary.steps} RL steps in ${summary.seconds.toFixed(0)} s on ${summary.backend}; ${evals}; files in ${out}\n`,
    );
  } catch (err) {
    host.close();
    if (err instanceof Error && !host.written()) err.message += ` (nothing was written to ${out})`;
    throw err;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}

export function trainCommand(): Command {
  return new Command('train')
    .description(
      'Run an experiment (prime or load a model, then PPO), writing metrics, checkpoints and a chart',
    )
    .addOption(new Option('--preset <name>', 'a named experiment').choices(Object.keys(CONFIG_PRESETS)))
    .option('--config <file>', 'an experiment config (JSON)')
    .option('--set <key=value...>', 'override config fields, e.g. --set rl.steps=20 seed=3')
    .option('--resume <dir>', 'continue a stopped run from its checkpoint folder')
    .requiredOption(
      '--out <dir>',
      'folder for config.json, metrics.jsonl, metrics.csv, timing.jsonl, chart.png, checkpoints/',
    )
    .option(
      '--keep-every <seconds>',
      'keep the run so far as a stopped-* checkpoint this often, so that a killed run can be resumed (0: only on Ctrl-C)',
      String(KEEP_SECONDS),
    )
    .option('--quiet', 'no progress bar or summary lines')
    .addHelpText(
      'after',
      `\nPresets:\n${Object.entries(CONFIG_PRESETS)
        .map(([k, v]) => `  ${k.padEnd(10)}${v.description}`)
        .join(
          '\n',
        )}\n\nExamples:\n  habits-lab train --preset smoke --out runs/smoke\n  habits-lab train --preset classroom --out runs/classroom\n  habits-lab train --preset classroom --set rl.lr=0 --out runs/frozen   (the frozen copy)\n  habits-lab train --resume runs/smoke/checkpoints/stopped-2 --out runs/smoke`,
    )
    .action(async (opts) => {
      const out = outputFolder(opts.out, '--out');
      const overrides = ((opts.set as string[] | undefined) ?? []).reduce(
        (acc, s) => parseSetting(s, acc),
        {} as Record<string, unknown>,
      );
      const keepSeconds = parseNumberOption(opts.keepEvery, '--keep-every');
      if (keepSeconds < 0)
        throw new UsageError(`--keep-every must be 0 or more seconds, got "${opts.keepEvery}"`);
      if (opts.resume) {
        if (opts.preset || opts.config || opts.set)
          throw new UsageError(
            '--resume continues a run with the config it was started with; --preset, --config and --set cannot change it (start a new run for other settings)',
          );
        const files = readFolder(resolve(opts.resume));
        const earlier = ExperimentRunner.fromCheckpoint(files, { emit: () => {} });
        const host = fileHost(out, earlier.config, Boolean(opts.quiet), earlier.events, keepSeconds);
        await runAndReport(ExperimentRunner.fromCheckpoint(files, host), host, out);
        return;
      }
      if (!opts.preset && !opts.config)
        throw new UsageError('give --preset NAME or --config FILE (or --resume DIR)');
      let config: ExperimentConfig;
      try {
        if (opts.config) {
          config = withOverrides(readJsonObject(opts.config, 'experiment config'), overrides);
        } else {
          config = withOverrides(presetConfig(opts.preset), overrides);
        }
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const host = fileHost(out, config, Boolean(opts.quiet), [], keepSeconds);
      await runAndReport(new ExperimentRunner(config, host), host, out);
    });
}

export function primeCommand(): Command {
  return new Command('prime')
    .description(
      'Prime a model: supervised fine-tuning on the traces of one condition (no RL); writes a checkpoint',
    )
    .addOption(
      new Option('--condition <name>', 'priming condition').choices(CONDITIONS).default('all_strategies'),
    )
    .option('--examples <n>', 'how many priming examples', '1000')
    .addOption(new Option('--size <size>', 'model size').choices(SIZE_NAMES).default('nano'))
    .addOption(new Option('--preset <name>', 'problem preset').choices(PRESET_NAMES).default('easy'))
    .option('--seed <int>', 'seed for the data, the weights and the batches', '0')
    .option('--epochs <n>', 'SFT epochs', '3')
    .option('--lr <x>', 'peak learning rate', '3e-3')
    .option('--eval <n>', 'held-out problems to evaluate on after priming (0: none)', '100')
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js backend').choices(['auto', ...BACKENDS]).default('auto'),
    )
    .requiredOption('--out <dir>', 'folder for the run (the primed model goes to <dir>/checkpoints/final)')
    .option('--quiet', 'no progress bar or summary lines')
    .action(async (opts) => {
      let config: ExperimentConfig;
      try {
        config = parseConfig({
          name: `prime-${opts.condition}`,
          seed: parseIntOption(opts.seed, '--seed', 0, 2 ** 32 - 1),
          backend: opts.backend,
          preset: opts.preset,
          size: opts.size,
          start: {
            kind: 'prime',
            condition: opts.condition,
            examples: parseIntOption(opts.examples, '--examples', 1, 100_000),
            sft: {
              epochs: parseIntOption(opts.epochs, '--epochs', 1, 100),
              lr: parseNumberOption(opts.lr, '--lr'),
            },
          },
          rl: { steps: 0 },
          eval: { problems: parseIntOption(opts.eval, '--eval', 0, 100_000) },
        });
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const out = outputFolder(opts.out, '--out');
      const host = fileHost(out, config, Boolean(opts.quiet));
      await runAndReport(new ExperimentRunner(config, host), host, out);
    });
}

export function evalCommand(): Command {
  const command = new Command('eval')
    .description('Evaluate a checkpoint on the held-out test problems: accuracy, format, length, behaviors')
    .requiredOption('--model <dir>', 'checkpoint folder')
    .addOption(new Option('--preset <name>', 'problem preset').choices(PRESET_NAMES).default('easy'))
    .option('--n <count>', 'how many test problems', '100')
    .option('--samples <k>', 'samples per problem at T=1 (accuracy is over problems × samples)', '1')
    .option('--seed <int>', 'seed of the test set and of sampling', '0')
    .option('--greedy', 'greedy decoding instead of sampling at temperature 1')
    .option('--max-new-tokens <n>', 'token budget per response', '160');
  return addRangeOptions(command)
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js backend').choices(['auto', ...BACKENDS]).default('auto'),
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      "\nExample (the replication's 80 test problems, 5 samples each):\n" +
        '  habits-lab eval --model shipped:backtracking_verification --n 200 --samples 5 \\\n' +
        '    --number-min 1 --number-max 9 --target-min 10 --target-max 30',
    )
    .action(async (opts) => {
      const spec = checkedSpec(opts.preset as PresetName, rangeOverrides(opts));
      const samples = parseIntOption(opts.samples, '--samples', 1, 64);
      if (opts.greedy && samples > 1)
        throw new UsageError('--greedy gives the same answer every time: use --samples only when sampling');
      await selectBackend(opts.backend as BackendName | 'auto');
      const { model, tokenizer, meta } = loadModelOption(opts.model);
      const seed = parseIntOption(opts.seed, '--seed', 0, 2 ** 32 - 1);
      const problems = generateProblems(spec, {
        n: parseIntOption(opts.n, '--n', 1, 100_000),
        seed,
        split: 'test',
        allowFewer: true,
      });
      const r = await evaluate(
        model,
        tokenizer,
        problems,
        {
          samples,
          greedy: Boolean(opts.greedy),
          temperature: 1,
          maxNewTokens: parseIntOption(
            opts.maxNewTokens,
            '--max-new-tokens',
            1,
            model.config.maxPositions - 64,
          ),
          promptFormat: (meta.prompt_format === 'tinyzero' ? 'tinyzero' : 'compact') as PromptFormat,
          rewardMode: 'strict',
        },
        new Rng(seed).fork('eval'),
      );
      model.dispose();
      // Share of problems that at least one of their samples solved (pass@k with k = samples).
      const solvedByAny =
        problems.filter((_, i) =>
          r.responses.slice(i * samples, (i + 1) * samples).some((x) => x.reason === 'correct'),
        ).length / Math.max(1, problems.length);
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ problems: problems.length, samples, accuracy: r.accuracy, solvedByAny, formatRate: r.formatRate, truncatedRate: r.truncatedRate, meanTokens: r.meanTokens, meanChars: r.meanChars, behaviors: r.behaviors })}\n`,
        );
        return;
      }
      process.stdout.write(
        `${problems.length} held-out ${opts.preset} problems${samples > 1 ? ` × ${samples} samples` : ''}, ${opts.greedy ? 'greedy' : 'sampled at T=1'}:\n` +
          `  accuracy ${pct(r.accuracy)}, format ${pct(r.formatRate)}, cut by budget ${pct(r.truncatedRate)}, length ${r.meanTokens.toFixed(1)} tokens (${r.meanChars.toFixed(0)} chars)\n` +
          (samples > 1
            ? `  solved by at least one of ${samples} samples: ${pct(solvedByAny)} of the problems\n`
            : '') +
          `  behaviors per response: ${BEHAVIORS.map((b) => `${b} ${r.behaviors.mean[b].toFixed(2)}`).join(', ')}\n`,
      );
    });
}
