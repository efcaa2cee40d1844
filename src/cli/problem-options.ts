// The options that narrow a problem preset (`--counts`, `--number-min`, ...), shared by every command
// that generates problems, so that `problems` and `prime-data` describe the same world the same way.

import { Command, Option } from 'commander';
import { problemSpec, type PresetName, type ProblemSpec } from '../countdown';
import { parseIntList, parseIntOption, parseNumberOption, UsageError } from './io';

export function addRangeOptions(command: Command): Command {
  return command
    .option('--counts <list>', 'custom: how many numbers per problem, e.g. 3,4')
    .option('--number-min <int>', 'custom: smallest number')
    .option('--number-max <int>', 'custom: largest number')
    .option('--target-min <int>', 'custom: smallest target')
    .option('--target-max <int>', 'custom: largest target')
    .addOption(
      new Option('--mode <mode>', 'custom: solver that decides solvability').choices(['integer', 'rational']),
    )
    .option('--test-share <share>', 'custom: share of the problem space held out for the test split');
}

/** The overrides given on the command line (only those given). */
export function rangeOverrides(opts: Record<string, string | undefined>): Partial<ProblemSpec> {
  const overrides: Partial<ProblemSpec> = {};
  if (opts.counts !== undefined) overrides.counts = parseIntList(opts.counts, '--counts');
  if (opts.numberMin !== undefined) overrides.numberMin = parseIntOption(opts.numberMin, '--number-min');
  if (opts.numberMax !== undefined) overrides.numberMax = parseIntOption(opts.numberMax, '--number-max');
  if (opts.targetMin !== undefined) overrides.targetMin = parseIntOption(opts.targetMin, '--target-min');
  if (opts.targetMax !== undefined) overrides.targetMax = parseIntOption(opts.targetMax, '--target-max');
  if (opts.mode !== undefined) overrides.mode = opts.mode as ProblemSpec['mode'];
  if (opts.testShare !== undefined) overrides.testShare = parseNumberOption(opts.testShare, '--test-share');
  return overrides;
}

/** Check the preset and its overrides together, so a bad range is a usage error, not a crash later. */
export function checkedSpec(preset: PresetName, overrides: Partial<ProblemSpec>): ProblemSpec {
  try {
    return problemSpec(preset, overrides);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
