import { Command, Option } from 'commander';
import { generateProblems, PRESET_NAMES, type PresetName } from '../../countdown';
import { jsonlWriter, parseIntOption } from '../io';
import { addRangeOptions, checkedSpec, rangeOverrides } from '../problem-options';

export function problemsCommand(): Command {
  const command = new Command('problems')
    .description('Generate solvable Countdown problems as JSONL {"numbers": [...], "target": n}')
    .addOption(new Option('--preset <name>', 'problem preset').choices(PRESET_NAMES).default('paper'))
    .requiredOption('--n <count>', 'how many problems')
    .option('--seed <int>', 'random seed (same seed, same problems, on every platform)', '0')
    .addOption(
      new Option('--split <split>', 'train or test (the two never share a problem)')
        .choices(['train', 'test'])
        .default('train'),
    )
    .option('--out <file>', 'write here instead of stdout');
  return addRangeOptions(command)
    .addHelpText(
      'after',
      `\nPresets:\n  paper     3 or 4 numbers from 1-24, target 10-25 (the paper's generator)\n` +
        `  tinyzero  3 or 4 numbers from 1-99, target 1-100\n  easy      3 numbers from 1-10, target 1-30\n` +
        `\nExample:\n  habits-lab problems --preset easy --n 5 --seed 1`,
    )
    .action(async (opts) => {
      const spec = checkedSpec(opts.preset as PresetName, rangeOverrides(opts));
      const n = parseIntOption(opts.n, '--n', 0, 10_000_000);
      const seed = parseIntOption(opts.seed, '--seed', 0, 2 ** 32 - 1);
      const problems = generateProblems(spec, { n, seed, split: opts.split });
      const out = jsonlWriter(opts.out);
      for (const p of problems) await out.write({ numbers: p.numbers, target: p.target });
      await out.close();
    });
}
