import { Command, Option } from 'commander';
import { z } from 'zod';
import { computeScore, DEFAULT_FORMAT_SCORE, DEFAULT_SCORE, type RewardMode } from '../../countdown';
import { jsonlWriter, LineError, parseLine, parseNumberOption, readJsonl } from '../io';

// TinyZero's own call shape: compute_score(solution_str, ground_truth).
const ScoreLine = z.object({
  solution_str: z.string(),
  ground_truth: z.object({
    target: z.union([z.bigint(), z.number().refine(Number.isFinite, 'target must be finite')]),
    numbers: z.array(z.union([z.bigint(), z.number()])).max(10_000),
  }),
});

export function scoreCommand(): Command {
  return new Command('score')
    .description(
      'Score responses with the Countdown reward. Reads JSONL lines\n' +
        '{"solution_str": "...", "ground_truth": {"target": 24, "numbers": [2, 3, 4]}}\n' +
        'and writes one {"score": x, "reason": "..."} per line.',
    )
    .addOption(
      new Option(
        '--mode <mode>',
        "tinyzero: TinyZero's compute_score exactly; strict: integers, + - * / and parentheses, exact arithmetic",
      )
        .choices(['tinyzero', 'strict'])
        .default('tinyzero'),
    )
    .option('--format-score <x>', 'score for a well-formed but wrong answer', String(DEFAULT_FORMAT_SCORE))
    .option('--score <x>', 'score for a correct answer', String(DEFAULT_SCORE))
    .option('--in <file>', 'read from this file instead of stdin')
    .option('--out <file>', 'write here instead of stdout')
    .option('--verbose', 'also write the extracted answer, its value and why it failed')
    .addHelpText(
      'after',
      '\nReasons: no_answer (score 0), wrong_numbers, invalid, wrong_value (format score), correct (score).\n' +
        'A malformed input line is reported on stderr with its line number, written as\n' +
        '{"score": null, "reason": "malformed_input", "error": "..."}, and makes the exit code 1;\n' +
        'the other lines are still scored.',
    )
    .action(async (opts) => {
      const options = {
        mode: opts.mode as RewardMode,
        formatScore: parseNumberOption(opts.formatScore, '--format-score'),
        score: parseNumberOption(opts.score, '--score'),
      };
      const out = jsonlWriter(opts.out);
      let failures = 0;
      for await (const line of readJsonl(opts.in, true)) {
        const item = line instanceof LineError ? line : parseLine(ScoreLine, line);
        if (item instanceof LineError) {
          failures++;
          process.stderr.write(`habits-lab score: ${item.message}\n`);
          await out.write({ score: null, reason: 'malformed_input', error: item.message });
          continue;
        }
        const r = computeScore(item.solution_str, item.ground_truth, options);
        await out.write(
          opts.verbose
            ? {
                score: r.score,
                reason: r.reason,
                answer: r.answer,
                value: r.value ?? null,
                detail: r.detail ?? null,
              }
            : { score: r.score, reason: r.reason },
        );
      }
      await out.close();
      if (failures > 0) process.exitCode = 1;
    });
}
