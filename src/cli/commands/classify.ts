import { Command } from 'commander';
import { z } from 'zod';
import { BEHAVIORS, classify, summarizeBehaviors, type BehaviorCounts } from '../../behaviors';
import { jsonlWriter, LineError, parseLine, readJsonl } from '../io';

const ClassifyLine = z.object({
  text: z.string(),
  numbers: z.array(z.number()).max(1000),
  target: z.number(),
});

export function classifyCommand(): Command {
  return new Command('classify')
    .description(
      'Count the four behaviors in reasoning texts. Reads JSONL {"text", "numbers", "target"} and writes\n' +
        '{"verification", "backtracking", "subgoal_setting", "backward_chaining"} counts per line.',
    )
    .option('--in <file>', 'read from this file instead of stdin')
    .option('--out <file>', 'write here instead of stdout')
    .option('--spans', 'also write where each behavior occurs ([start, end) character offsets)')
    .option('--summary', 'print the average count per response and the share with at least one, on stderr')
    .addHelpText(
      'after',
      '\nA malformed line is reported on stderr with its number, written as {"error": "..."}, and makes the\n' +
        'exit code 1; the other lines are still classified.\n' +
        "\nExample:\n  habits-lab prime-data --condition all_strategies --n 5 | jq -c '{text: .completion, numbers, target}' | habits-lab classify",
    )
    .action(async (opts) => {
      const out = jsonlWriter(opts.out);
      const all: BehaviorCounts[] = [];
      let failures = 0;
      for await (const line of readJsonl(opts.in)) {
        const item = line instanceof LineError ? line : parseLine(ClassifyLine, line);
        if (item instanceof LineError) {
          failures++;
          process.stderr.write(`habits-lab classify: ${item.message}\n`);
          await out.write({ error: item.message });
          continue;
        }
        const r = classify(item.text, item);
        all.push(r.counts);
        await out.write(opts.spans ? { ...r.counts, spans: r.spans } : r.counts);
      }
      await out.close();
      if (opts.summary) {
        const s = summarizeBehaviors(all);
        process.stderr.write(
          `n=${s.n} ` +
            BEHAVIORS.map(
              (b) => `${b}: mean ${s.mean[b].toFixed(2)}, present ${(100 * s.present[b]).toFixed(0)}%`,
            ).join('; ') +
            '\n',
        );
      }
      if (failures > 0) process.exitCode = 1;
    });
}
