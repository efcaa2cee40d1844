import { Command, Option } from 'commander';
import type { z } from 'zod';
import {
  BEHAVIORS,
  CONDITION_DESCRIPTIONS,
  CONDITIONS,
  primeData,
  summarizeBehaviors,
  TRACE_DEFAULTS,
  type Condition,
} from '../../behaviors';
import {
  PRESET_NAMES,
  problemKey,
  PROMPT_FORMATS,
  type PresetName,
  type PromptFormat,
} from '../../countdown';
import {
  CheckShareSchema,
  GiveUpSchema,
  GuessGreedSchema,
  GuessSolutionSchema,
  MaxFailedSchema,
} from '../../lab/config';
import { countTokens } from '../../model/pretokenize';
import { jsonlWriter, parseIntOption, parseNumberOption, UsageError } from '../io';
import { addRangeOptions, checkedSpec, rangeOverrides } from '../problem-options';

export function primeDataCommand(): Command {
  const command = new Command('prime-data')
    .description(
      'Write priming (SFT) examples for a condition of the paper as JSONL, with a one-line summary on stderr',
    )
    .addOption(
      new Option('--condition <name>', 'priming condition').choices(CONDITIONS).makeOptionMandatory(),
    )
    .requiredOption('--n <count>', 'how many examples')
    .option('--seed <int>', 'random seed (conditions share problems for a seed)', '0')
    .addOption(new Option('--preset <name>', 'problem preset').choices(PRESET_NAMES).default('paper'))
    .addOption(new Option('--prompt <format>', 'prompt format').choices(PROMPT_FORMATS).default('compact'))
    .option(
      '--token-budget <n>',
      'think-block budget: failed attempts are dropped until it fits (the last attempt alone may exceed it)',
      String(TRACE_DEFAULTS.tokenBudget),
    )
    .option(
      '--max-failed <n>',
      'most failed attempts before the final one',
      String(TRACE_DEFAULTS.maxFailedAttempts),
    )
    .option(
      '--give-up <p>',
      'chance that a search gives up after a failed attempt, answering with its closest (0: never)',
      String(TRACE_DEFAULTS.giveUp),
    )
    .option(
      '--give-up-once',
      'draw --give-up once, at the first failed attempt: a search stops there or goes on until a guess works',
    )
    .option(
      '--guess-solution <p>',
      "chance that a search's guess is a solution outright (0: only its own random chains)",
      String(TRACE_DEFAULTS.guessSolution),
    )
    .option(
      '--guess-greed <p>',
      "chance that each step of a search's guess takes the move closest to the target",
      String(TRACE_DEFAULTS.guessGreed),
    )
    .option('--distinct-guesses', 'a search never makes the same guess twice')
    .option(
      '--sweep-guesses',
      "a search's guesses take the first steps in a fixed order, each finished by the moves closest to the target",
    )
    .option(
      '--give-up-at-end',
      'a search whose guesses all miss gives up with its closest attempt instead of ending on a solution',
    )
    .option('--numbers-first', 'a plain attempt first lists its numbers in the order its steps use them')
    .option(
      '--expression-steps',
      "each step of a plain attempt writes the expression so far, so a hit's answer copies its last step",
    )
    .option(
      '--searched-incorrect',
      "incorrect: all_strategies' search (its checks, give-ups and hits), answered with a missed attempt",
    )
    .option(
      '--incorrect-slip',
      "with --searched-incorrect: a search that hit answers with the hit's last operation changed",
    )
    .option(
      '--incorrect-claim',
      'with --searched-incorrect: where the search would hit, the nearest of a few misses claims to work and answers',
    )
    .option(
      '--incorrect-misread',
      'with --searched-incorrect: where the search would hit, an attempt with one number misread hits instead and answers',
    )
    .option(
      '--comma-backtrack',
      'a failed attempt that ends on a step (no check) runs into its backtracking sentence with a comma',
    )
    .option(
      '--check-share <p>',
      'conditions without verification (only_backtracking): chance that an attempt speaks its check anyway',
      '0',
    )
    .addOption(
      new Option('--phrasing <style>', 'varied: several wordings per habit; terse: one (the replication)')
        .choices(['varied', 'terse'])
        .default('varied'),
    )
    .option('--problems <count>', 'draw the examples from this many training problems (default: up to --n)')
    .option('--out <file>', 'write here instead of stdout');
  return addRangeOptions(command)
    .addHelpText(
      'after',
      `\nConditions:\n${CONDITIONS.map((c) => `  ${c.padEnd(26)}${CONDITION_DESCRIPTIONS[c]}`).join('\n')}\n` +
        '\nEach line: {"query", "completion", "numbers", "target", "condition", "behaviors": {counts}, "correct"}.\n' +
        '\nExamples:\n  habits-lab prime-data --condition all_strategies --n 1000 --seed 1 --preset paper > all.jsonl\n' +
        "  # the replication's priming data for one condition (docs/REPLICATION.md):\n" +
        '  habits-lab prime-data --condition backtracking_verification --n 16000 --problems 200 --preset easy \\\n' +
        '    --number-min 1 --number-max 9 --target-min 10 --target-max 30 --phrasing terse \\\n' +
        '    --give-up 0.7 --give-up-once > bv.jsonl',
    )
    .action(async (opts) => {
      checkedSpec(opts.preset as PresetName, rangeOverrides(opts));
      const examples = primeData({
        condition: opts.condition as Condition,
        n: parseIntOption(opts.n, '--n', 0, 1_000_000),
        seed: parseIntOption(opts.seed, '--seed', 0, 2 ** 32 - 1),
        preset: opts.preset as PresetName,
        ranges: rangeOverrides(opts),
        problems:
          opts.problems === undefined ? undefined : parseIntOption(opts.problems, '--problems', 1, 1_000_000),
        trace: {
          phrasing: opts.phrasing as 'varied' | 'terse',
          promptFormat: opts.prompt as PromptFormat,
          tokenBudget: parseIntOption(opts.tokenBudget, '--token-budget', 16, 4096),
          maxFailedAttempts: parseIntOption(
            opts.maxFailed,
            '--max-failed',
            MaxFailedSchema.minValue ?? 0,
            MaxFailedSchema.maxValue ?? 0,
          ),
          giveUp: chanceOption(opts.giveUp, '--give-up', GiveUpSchema),
          giveUpOnce: Boolean(opts.giveUpOnce),
          guessSolution: chanceOption(opts.guessSolution, '--guess-solution', GuessSolutionSchema),
          guessGreed: chanceOption(opts.guessGreed, '--guess-greed', GuessGreedSchema),
          distinctGuesses: Boolean(opts.distinctGuesses),
          sweepGuesses: Boolean(opts.sweepGuesses),
          giveUpAtEnd: Boolean(opts.giveUpAtEnd),
          numbersFirst: Boolean(opts.numbersFirst),
          expressionSteps: Boolean(opts.expressionSteps),
          searchedIncorrect: Boolean(opts.searchedIncorrect),
          incorrectSlip: Boolean(opts.incorrectSlip),
          incorrectClaim: Boolean(opts.incorrectClaim),
          incorrectMisread: Boolean(opts.incorrectMisread),
          commaBacktrack: Boolean(opts.commaBacktrack),
          checkShare: chanceOption(opts.checkShare, '--check-share', CheckShareSchema),
        },
      });
      const out = jsonlWriter(opts.out);
      for (const e of examples) await out.write(e);
      await out.close();
      const s = summarizeBehaviors(examples.map((e) => e.behaviors));
      const n = Math.max(1, examples.length);
      const tokens = examples.reduce((a, e) => a + countTokens(e.completion), 0) / n;
      const chars = examples.reduce((a, e) => a + e.completion.length, 0) / n;
      const correct = examples.filter((e) => e.correct).length / n;
      // Distinct problems: fewer than --problems asked when the ranges hold fewer training problems.
      const distinct = new Set(examples.map(problemKey)).size;
      process.stderr.write(
        `${opts.condition} n=${examples.length} problems=${distinct} ` +
          BEHAVIORS.map((b) => `${b}=${s.mean[b].toFixed(2)}`).join(' ') +
          ` correct=${(100 * correct).toFixed(1)}% length=${tokens.toFixed(1)} tokens (${chars.toFixed(0)} chars)\n`,
      );
    });
}

/** A chance option within its schema's bounds (--give-up, --check-share). */
function chanceOption(text: string, flag: string, schema: z.ZodNumber): number {
  const p = parseNumberOption(text, flag);
  if (!schema.safeParse(p).success)
    throw new UsageError(`${flag} must be in ${schema.minValue}..${schema.maxValue}, got "${text}"`);
  return p;
}
