import { spawn, spawnSync } from 'node:child_process';
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

/**
 * Start the `habits-lab` bin in a child process and kill it with SIGKILL (as a closed session would)
 * once `ready()` holds, polled every 20 ms; `never` is the error if it does not within `timeout`.
 */
export async function killCliWhen(args: string[], ready: () => boolean, never: string, timeout = 60_000) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
  const t0 = Date.now();
  while (!ready()) {
    if (Date.now() - t0 > timeout) {
      child.kill('SIGKILL');
      throw new Error(never);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  if ((await exited) !== 'SIGKILL') throw new Error('the run ended before it could be killed');
}
