import { Command, Option } from 'commander';
import {
  BEHAVIORS,
  CONDITION_DESCRIPTIONS,
  CONDITIONS,
  primeData,
  summarizeBehaviors,
  type Condition,
} from '../../behaviors';
import {
  PRESET_NAMES,
  problemKey,
  PROMPT_FORMATS,
  type PresetName,
  type PromptFormat,
} from '../../countdown';
import { countTokens } from '../../model/pretokenize';
import { jsonlWriter, parseIntOption } from '../io';
import { addRangeOptions, checkedSpec, rangeOverrides } from '../problem-options';
import { addTraceOptionFlags, traceOptionsFromFlags } from '../trace-flags';

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
    .option('--problems <count>', 'draw the examples from this many training problems (default: up to --n)')
    .option('--out <file>', 'write here instead of stdout');
  return addRangeOptions(addTraceOptionFlags(command))
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
        trace: { ...traceOptionsFromFlags(opts), promptFormat: opts.prompt as PromptFormat },
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
