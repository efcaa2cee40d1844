// The `habits-lab` command line. Each command lives in ./commands and calls the same core code
// as the browser lab.

import { Command, CommanderError } from 'commander';
import { LineError, UsageError } from './io';
import { problemsCommand } from './commands/problems';
import { solveCommand } from './commands/solve';
import { scoreCommand } from './commands/score';
import { primeDataCommand } from './commands/prime-data';
import { classifyCommand } from './commands/classify';
import { initCommand, sampleCommand } from './commands/model';
import { evalCommand, primeCommand, trainCommand } from './commands/train';
import { exportCommand } from './commands/export';
import { exportVerlCommand } from './commands/export-verl';
import { surveyCommand } from './commands/survey';
import { replicateCommand } from './commands/replicate';
import { modelsCommand } from './commands/models';

export function buildProgram(): Command {
  const program = new Command('habits-lab')
    .description(
      'Habits Lab: watch a tiny language model learn (or fail to learn) to reason on Countdown puzzles.\n' +
        'Reproduces "Cognitive Behaviors that Enable Self-Improving Reasoners" (2025) in miniature.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addCommand(problemsCommand());
  program.addCommand(solveCommand());
  program.addCommand(scoreCommand());
  program.addCommand(primeDataCommand());
  program.addCommand(classifyCommand());
  program.addCommand(initCommand());
  program.addCommand(sampleCommand());
  program.addCommand(primeCommand());
  program.addCommand(trainCommand());
  program.addCommand(evalCommand());
  program.addCommand(exportCommand());
  program.addCommand(exportVerlCommand());
  program.addCommand(surveyCommand());
  program.addCommand(replicateCommand());
  program.addCommand(modelsCommand());
  for (const c of program.commands) c.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

/** Run the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0); // e.g. `habits-lab problems ... | head`
    throw err;
  });
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    // Help and --version exit 0; every other parser complaint is a usage mistake like ours.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError || err instanceof LineError) {
      process.stderr.write(`habits-lab: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`habits-lab: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
