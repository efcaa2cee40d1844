import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import { CONDITIONS, type Condition } from '../../behaviors';
import {
  buildVerlExport,
  CONFIG_PRESETS,
  DEFAULT_VERL_MODEL,
  presetConfig,
  VERL_WORLDS,
  withOverrides,
  type ExperimentConfig,
  type VerlWorld,
} from '../../lab';
import { loadCheckpoint } from '../../model';
import { MODEL_FILES } from '../../model/names';
import { readFolder } from '../../model/node-files';
import { outputFolder, parseIntOption, parseSetting, readJsonObject, UsageError } from '../io';
import { checkpointFolder } from '../checkpoints';
import { replaceFolder } from '../folders';

/** --conditions: "all", or a comma-separated list of the paper's conditions. */
function parseConditions(text: string): Condition[] {
  if (text === 'all') return [...CONDITIONS];
  const names = text.split(',').map((s) => s.trim());
  const bad = names.filter((n) => !(CONDITIONS as readonly string[]).includes(n));
  if (bad.length > 0 || names.length === 0)
    throw new UsageError(
      `--conditions: unknown ${bad.join(', ')}; choose from all, ${CONDITIONS.join(', ')}`,
    );
  return [...new Set(names)] as Condition[];
}

/** A lab checkpoint's model files (no resume state, no ONNX), checked to load. */
function checkpointFiles(ref: string): Map<string, Uint8Array> {
  let files;
  try {
    files = readFolder(checkpointFolder(ref));
    loadCheckpoint(files).model.dispose();
  } catch (err) {
    throw new UsageError(`--checkpoint ${ref}: ${(err as Error).message}`, { cause: err });
  }
  return new Map([...files].filter(([name]) => (MODEL_FILES as readonly string[]).includes(name)));
}

export function exportVerlCommand(): Command {
  return new Command('export-verl')
    .description(
      "Write an experiment as a folder veRL/TinyZero can run: TinyZero's Countdown parquet, SFT parquet, run_sft.sh, run_ppo.sh, README.md",
    )
    .addOption(new Option('--preset <name>', 'a named experiment').choices(Object.keys(CONFIG_PRESETS)))
    .option('--config <file>', "an experiment config (JSON), e.g. a run folder's config.json")
    .option('--set <key=value...>', 'override config fields, e.g. --set rl.steps=250')
    .addOption(
      new Option('--world <name>', "problems from the experiment's world, or a preset's at any size")
        .choices(VERL_WORLDS)
        .default('experiment'),
    )
    .option('--train-size <n>', 'RL training prompts (default: steps x prompts per step)')
    .option('--test-size <n>', 'RL test prompts (default: eval.problems)')
    .option('--conditions <list>', "SFT data for these priming conditions, or all (default: the config's)")
    .option('--model <id>', 'Hugging Face model id or path the scripts train', DEFAULT_VERL_MODEL)
    .option(
      '--checkpoint <dir>',
      'ship this lab checkpoint (a folder or shipped:<name>) under model/ and train it',
    )
    .requiredOption('--out <dir>', 'folder to write (replaced if it holds an earlier export)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  habits-lab export-verl --preset classroom --out verl/classroom\n' +
        '  habits-lab export-verl --config runs/a/config.json --world paper --train-size 327680 --test-size 1024 \\\n' +
        '    --conditions all --out verl/paper\n' +
        "\nThe folder's README.md maps every lab setting to its veRL key and says what differs from the lab.",
    )
    .action(async (opts) => {
      if (opts.preset && opts.config) throw new UsageError('give --preset or --config, not both');
      if (!opts.preset && !opts.config) throw new UsageError('give --preset NAME or --config FILE');
      if (opts.checkpoint && opts.model !== DEFAULT_VERL_MODEL)
        throw new UsageError('give --model or --checkpoint, not both');
      const overrides: Record<string, unknown> = {};
      for (const s of (opts.set as string[] | undefined) ?? []) parseSetting(s, overrides);
      let config: ExperimentConfig;
      try {
        const base = opts.config
          ? readJsonObject(opts.config, 'experiment config')
          : presetConfig(opts.preset);
        config = withOverrides(base, overrides);
      } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new UsageError((err as Error).message, { cause: err });
      }
      const out = outputFolder(opts.out, '--out');
      if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, 'run_ppo.sh')))
        throw new UsageError(`--out ${opts.out} holds other files; give an empty or new folder`);
      const exported = buildVerlExport({
        config,
        world: opts.world as VerlWorld,
        trainSize:
          opts.trainSize === undefined
            ? undefined
            : parseIntOption(opts.trainSize, '--train-size', 1, 10_000_000),
        testSize:
          opts.testSize === undefined
            ? undefined
            : parseIntOption(opts.testSize, '--test-size', 1, 1_000_000),
        conditions: opts.conditions ? parseConditions(opts.conditions) : undefined,
        model: opts.model,
        checkpoint: opts.checkpoint ? checkpointFiles(opts.checkpoint) : undefined,
      });
      // Written beside the folder and swapped in: a failed export leaves no half folder.
      replaceFolder(out, (folder) => {
        for (const [name, bytes] of exported.files) {
          mkdirSync(dirname(join(folder, name)), { recursive: true });
          writeFileSync(join(folder, name), bytes);
          if (name.endsWith('.sh')) chmodSync(join(folder, name), 0o755);
        }
      });
      const { rl, sft } = exported;
      process.stderr.write(
        `wrote ${out}: rl ${rl.train.length} train + ${rl.test.length} test rows` +
          (sft.size ? `, sft ${[...sft.keys()].join(', ')}` : '') +
          `, model ${exported.model}\n`,
      );
    });
}
