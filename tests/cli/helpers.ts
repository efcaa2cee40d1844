import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readEvents } from '../../src/cli/jobs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = `${ROOT}bin/habits-lab.mjs`;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real `habits-lab` bin in a child process, as a user would. */
export function cli(args: string[], input?: string, timeout = 60_000): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: 'utf8',
    cwd: ROOT,
    timeout,
    maxBuffer: 1 << 28,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const jsonLines = (text: string): unknown[] =>
  text
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));

/** A run folder's step events, read as the run writes them: a line still being written is skipped. */
export const stepEvents = (dir: string) => readEvents(dir).filter((e) => e.type === 'step');
