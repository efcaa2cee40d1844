import { Command, Option } from 'commander';
import { z } from 'zod';
import { fracToString, MAX_NUMBERS, solve, type SolverMode } from '../../countdown';
import { jsonlWriter, LineError, parseIntOption, parseLine, readJsonl } from '../io';

const ProblemLine = z.object({
  numbers: z.array(z.number().int().min(0).max(1e9)).min(1).max(MAX_NUMBERS),
  target: z.number().int().min(-1e9).max(1e9),
});

export function solveCommand(): Command {
  return new Command('solve')
    .description(
      'Solve problems read as JSONL {"numbers", "target"}; writes the canonical solutions per line',
    )
    .option('--in <file>', 'read from this file instead of stdin')
    .option('--out <file>', 'write here instead of stdout')
    .addOption(
      new Option(
        '--mode <mode>',
        'integer: + * |a-b| and exact division (the paper); rational: any exact fraction',
      )
        .choices(['integer', 'rational'])
        .default('integer'),
    )
    .option('--limit <k>', 'at most k solutions per problem (default: all)')
    .option('--steps', 'also write the steps of one derivation per solution')
    .addHelpText(
      'after',
      '\nExample:\n  habits-lab problems --preset paper --n 3 | habits-lab solve --limit 2',
    )
    .action(async (opts) => {
      const limit = opts.limit ? parseIntOption(opts.limit, '--limit', 1) : undefined;
      const out = jsonlWriter(opts.out);
      let failures = 0;
      for await (const line of readJsonl(opts.in)) {
        const problem = line instanceof LineError ? line : parseLine(ProblemLine, line);
        if (problem instanceof LineError) {
          failures++;
          process.stderr.write(`habits-lab solve: ${problem.message}\n`);
          await out.write({ error: problem.message });
          continue;
        }
        const solutions = solve(problem.numbers, problem.target, { mode: opts.mode as SolverMode, limit });
        await out.write({
          numbers: problem.numbers,
          target: problem.target,
          solvable: solutions.length > 0,
          solutions: solutions.map((s) => s.expression),
          ...(opts.steps
            ? {
                steps: solutions.map((s) =>
                  s.steps.map(
                    (st) =>
                      `${fracToString(st.left)} ${st.op} ${fracToString(st.right)} = ${fracToString(st.result)}`,
                  ),
                ),
              }
            : {}),
        });
      }
      await out.close();
      if (failures > 0) process.exitCode = 1;
    });
}
