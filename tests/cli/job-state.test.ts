// Where a replicate or models job stands on disk: finished, resumed from its latest stop (an RL stop
// is later than any priming stop), or started afresh.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jobState, type Job } from '../../src/cli/jobs';

const job = (kind: Job['kind']): Job => ({ id: 'x', kind, config: {} });

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function runDir(checkpoints: string[], done = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'job-state-'));
  made.push(dir);
  for (const n of checkpoints) mkdirSync(join(dir, 'checkpoints', n), { recursive: true });
  if (done) writeFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify({ type: 'done' })}\n`);
  return dir;
}

describe('jobState', () => {
  it('resumes a prime or RL job from its latest stop, priming or RL', () => {
    for (const kind of ['prime', 'rl'] as const) {
      const primingOnly = runDir(['stopped-priming-9', 'stopped-priming-120', 'step-10']);
      expect(jobState(primingOnly, job(kind))).toEqual({
        kind: 'resume',
        checkpoint: join(primingOnly, 'checkpoints', 'stopped-priming-120'),
      });
      const both = runDir(['stopped-priming-120', 'stopped-2', 'stopped-11']);
      expect(jobState(both, job(kind))).toEqual({
        kind: 'resume',
        checkpoint: join(both, 'checkpoints', 'stopped-11'),
      });
      expect(jobState(runDir(['step-10', 'stopped-x']), job(kind))).toEqual({ kind: 'fresh' });
    }
  });

  it('calls a finished RL job done, and a prime job done only with its final model', () => {
    expect(jobState(runDir(['stopped-3'], true), job('rl'))).toEqual({ kind: 'done' });
    const unsaved = runDir(['stopped-priming-4'], true);
    expect(jobState(unsaved, job('prime')).kind).toBe('resume');
    const primed = runDir([], true);
    mkdirSync(join(primed, 'checkpoints', 'final'), { recursive: true });
    writeFileSync(join(primed, 'checkpoints', 'final', 'model.safetensors'), '');
    expect(jobState(primed, job('prime'))).toEqual({ kind: 'done' });
  });
});
