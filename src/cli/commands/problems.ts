import { Command, Option } from 'commander';
import {
  generateProblems,
  PRESET_NAMES,
  problemSpec,
  type PresetName,
  type ProblemSpec,
} from '../../countdown';
import { jsonlWriter, parseIntList, parseIntOption, parseNumberOption, UsageError } from '../io';

export function problemsCommand(): Command {
  return new Command('problems')
    .description('Generate solvable Countdown problems as JSONL {"numbers": [...], "target": n}')
    .addOption(new Option('--preset <name>', 'problem preset').choices(PRESET_NAMES).default('paper'))
    .requiredOption('--n <count>', 'how many problems')
    .option('--seed <int>', 'random seed (same seed, same problems, on every platform)', '0')
    .addOption(
      new Option('--split <split>', 'train or test (the two never share a problem)')
        .choices(['train', 'test'])
        .default('train'),
    )
    .option('--counts <list>', 'custom: how many numbers per problem, e.g. 3,4')
    .option('--number-min <int>', 'custom: smallest number')
    .option('--number-max <int>', 'custom: largest number')
    .option('--target-min <int>', 'custom: smallest target')
    .option('--target-max <int>', 'custom: largest target')
    .addOption(
      new Option('--mode <mode>', 'custom: solver that decides solvability').choices(['integer', 'rational']),
    )
    .option('--test-share <share>', 'custom: share of the problem space held out for the test split')
    .option('--out <file>', 'write here instead of stdout')
    .addHelpText(
      'after',
      `\nPresets:\n  paper     3 or 4 numbers from 1-24, target 10-25 (the paper's generator)\n` +
        `  tinyzero  3 or 4 numbers from 1-99, target 1-100\n  easy      3 numbers from 1-10, target 1-30\n` +
        `\nExample:\n  habits-lab problems --preset easy --n 5 --seed 1`,
    )
    .action(async (opts) => {
      const overrides: Partial<ProblemSpec> = {};
      if (opts.counts) overrides.counts = parseIntList(opts.counts, '--counts');
      if (opts.numberMin) overrides.numberMin = parseIntOption(opts.numberMin, '--number-min');
      if (opts.numberMax) overrides.numberMax = parseIntOption(opts.numberMax, '--number-max');
      if (opts.targetMin) overrides.targetMin = parseIntOption(opts.targetMin, '--target-min');
      if (opts.targetMax) overrides.targetMax = parseIntOption(opts.targetMax, '--target-max');
      if (opts.mode) overrides.mode = opts.mode;
      if (opts.testShare) overrides.testShare = parseNumberOption(opts.testShare, '--test-share');
      let spec: ProblemSpec;
      try {
        spec = problemSpec(opts.preset as PresetName, overrides);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const n = parseIntOption(opts.n, '--n', 0, 10_000_000);
      const seed = parseIntOption(opts.seed, '--seed', 0, 2 ** 32 - 1);
      const problems = generateProblems(spec, { n, seed, split: opts.split });
      const out = jsonlWriter(opts.out);
      for (const p of problems) await out.write({ numbers: p.numbers, target: p.target });
      await out.close();
    });
}
