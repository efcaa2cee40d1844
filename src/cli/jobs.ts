// Many `habits-lab train` runs at once, as child processes (one CPU core each): a queue with
// dependencies, one progress bar for the whole plan, Ctrl-C that lets every run save a resumable
// checkpoint, and resuming from what is on disk. Used by `replicate` and `models`.

import { MultiBar, Presets } from 'cli-progress';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig, type ExperimentInput, type LabEvent } from '../lab';

const BIN = fileURLToPath(new URL('../../bin/habits-lab.mjs', import.meta.url));

export interface Job {
  id: string;
  kind: 'prime' | 'rl';
  /** A job that must finish first (its checkpoint is this job's start). */
  after?: string;
  config: ExperimentInput;
}

/** A run's events as written so far (a line being written is skipped). */
export function readEvents(dir: string): LabEvent[] {
  const path = join(dir, 'metrics.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as LabEvent];
      } catch {
        return [];
      }
    });
}

export type JobState = { kind: 'done' } | { kind: 'resume'; checkpoint: string } | { kind: 'fresh' };

/** Where a job stands on disk: finished, stopped with a resumable checkpoint, or not started. */
export function jobState(dir: string, job: Job): JobState {
  const finished = readEvents(dir).some((e) => e.type === 'done');
  if (finished && (job.kind === 'rl' || existsSync(join(dir, 'checkpoints', 'final', 'model.safetensors'))))
    return { kind: 'done' };
  const checkpoints = existsSync(join(dir, 'checkpoints')) ? readdirSync(join(dir, 'checkpoints')) : [];
  // The latest stop: any RL step is later than all of priming.
  const order = (n: string): number => {
    const rl = /^stopped-(\d+)$/.exec(n);
    if (rl) return 1e9 + Number(rl[1]);
    const priming = /^stopped-priming-(\d+)$/.exec(n);
    return priming ? Number(priming[1]) : -1;
  };
  const stopped = checkpoints.filter((n) => order(n) >= 0).sort((a, b) => order(b) - order(a));
  if (stopped.length) return { kind: 'resume', checkpoint: join(dir, 'checkpoints', stopped[0]) };
  return { kind: 'fresh' };
}

/** How far a running job is, 0..1, from the events it has written. */
function jobProgress(events: readonly LabEvent[], job: Job): number {
  if (events.some((e) => e.type === 'done')) return 1;
  if (job.kind === 'prime') {
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i];
      if (e.type === 'prime') return (0.95 * e.progress.step) / Math.max(1, e.progress.totalSteps);
    }
    return 0;
  }
  const total = parseConfig(job.config).rl.steps;
  const last = events.filter((e) => e.type === 'step').length;
  return total > 0 ? Math.min(0.99, last / total) : 0.99;
}

export interface JobsOutcome {
  finished: Set<string>;
  failed: Map<string, string>;
  stopped: boolean;
  seconds: number;
}

/** Run every job not yet finished under `root/<job.id>`, `jobsAtOnce` at a time. */
export async function runJobs(
  jobs: readonly Job[],
  root: string,
  options: { jobsAtOnce: number; quiet: boolean; label: string },
): Promise<JobsOutcome> {
  const dirOf = (job: Job) => join(root, job.id);
  const state = new Map(jobs.map((j) => [j.id, jobState(dirOf(j), j)]));
  const finished = new Set(jobs.filter((j) => state.get(j.id)!.kind === 'done').map((j) => j.id));
  const failed = new Map<string, string>();
  const running = new Map<string, ChildProcess>();
  let stopping = false;
  const t0 = Date.now();

  const bars = options.quiet
    ? null
    : new MultiBar(
        {
          format: `${options.label} |{bar}| {percentage}% | {value}/{total} runs | {running} | ETA {eta_formatted}`,
          hideCursor: true,
          stream: process.stderr,
          etaBuffer: 200,
          // Logs and CI are not terminals: print a progress line every 30 s there instead.
          noTTYOutput: !process.stderr.isTTY,
          notTTYSchedule: 30_000,
        },
        Presets.shades_classic,
      );
  const bar = bars?.create(jobs.length, finished.size, { running: '' });
  const refresh = () => {
    const done = jobs.reduce(
      (n, j) => n + (finished.has(j.id) ? 1 : running.has(j.id) ? jobProgress(readEvents(dirOf(j)), j) : 0),
      0,
    );
    bar?.update(Math.round(100 * done) / 100, {
      running: [...running.keys()].join(', ') || (stopping ? 'stopping' : ''),
    });
  };
  const timer = setInterval(refresh, 2000);
  if (finished.size > 0 && !options.quiet)
    process.stderr.write(`resuming: ${finished.size} of ${jobs.length} runs already finished in ${root}\n`);

  const onSignal = () => {
    stopping = true;
    process.stderr.write(
      '\nstopping: every running run saves a checkpoint after its step (RL or priming); run the same command again to resume\n',
    );
    for (const child of running.values()) child.kill('SIGINT');
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSignal);

  const launch = (job: Job): Promise<void> => {
    const dir = dirOf(job);
    mkdirSync(dir, { recursive: true });
    const st = state.get(job.id)!;
    let args: string[];
    if (st.kind === 'resume') args = ['train', '--resume', st.checkpoint, '--out', dir, '--quiet'];
    else {
      writeFileSync(join(dir, 'job.json'), `${JSON.stringify(job.config, null, 2)}\n`);
      args = ['train', '--config', join(dir, 'job.json'), '--out', dir, '--quiet'];
    }
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    running.set(job.id, child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    return new Promise((done) => {
      child.on('exit', (code) => {
        running.delete(job.id);
        writeFileSync(join(dir, 'stderr.txt'), stderr);
        if (jobState(dir, job).kind === 'done') finished.add(job.id);
        else if (!stopping)
          failed.set(job.id, stderr.trim().split('\n').slice(-3).join(' / ') || `exit code ${code}`);
        refresh();
        done();
      });
    });
  };

  // Jobs start in order as cores free up; a job waits for the one it starts from.
  await new Promise<void>((allDone) => {
    const next = () => {
      if (!stopping) {
        for (const job of jobs) {
          if (running.size >= options.jobsAtOnce) break;
          if (finished.has(job.id) || failed.has(job.id) || running.has(job.id)) continue;
          if (job.after && failed.has(job.after)) {
            failed.set(job.id, `the run it starts from (${job.after}) failed`);
            continue;
          }
          if (job.after && !finished.has(job.after)) continue;
          void launch(job).then(next);
        }
      }
      if (running.size === 0) allDone();
    };
    next();
  });
  clearInterval(timer);
  refresh();
  bars?.stop();
  process.removeListener('SIGINT', onSignal);
  return { finished, failed, stopped: stopping, seconds: (Date.now() - t0) / 1000 };
}
