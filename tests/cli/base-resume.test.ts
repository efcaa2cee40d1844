// `habits-lab models` pretrains the base model for minutes (micro: about an hour): Ctrl-C keeps the
// model so far, and the next run goes on from it to the very model an unstopped run makes.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { trainBase } from '../../src/cli/commands/models';
import { GradientWorker } from '../../src/cli/gradient-worker';
import { keptFolder } from '../../src/cli/folders';
import { BASE_RECIPE } from '../../src/lab';
import { readOptimizerState } from '../../src/lab/resume-state';
import { loadCheckpoint } from '../../src/model';
import { readFolder } from '../../src/model/node-files';
import { useBackend } from '../model/helpers';
import { ROOT } from './helpers';

const root = mkdtempSync(join(tmpdir(), 'base-resume-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(() => useBackend('wasm'));

// 294 training examples in batches of 32, 2 epochs: 20 steps.
const training = { ...BASE_RECIPE, examples: 300, epochs: 2, batchSize: 32 };
const weights = (dir: string) => readFileSync(join(dir, 'model.safetensors'));
let wholeRun: Promise<string> | null = null;
/** The unstopped run's folder (made once, by whichever test asks first). */
function whole(): Promise<string> {
  const dir = join(root, 'whole');
  wholeRun ??= trainBase(dir, { quiet: true, training }).then((done) => {
    expect(done).toBe(true);
    expect(existsSync(`${dir}-stopped`)).toBe(false);
    return dir;
  });
  return wholeRun;
}

/** Ctrl-C after `turns` turns of the event loop (trainBase takes one a step). */
function ctrlCAfter(turns: number): void {
  let n = 0;
  const tick = () => (++n >= turns ? void process.emit('SIGINT') : void setTimeout(tick, 0));
  setTimeout(tick, 0);
}

describe('trainBase stopped and resumed', () => {
  it('keeps the model so far on Ctrl-C, and goes on to the model an unstopped run makes', async () => {
    const dir = join(root, 'stopped');
    const stoppedDir = join(root, 'work', 'base-stopped');
    ctrlCAfter(6);
    expect(await trainBase(dir, { quiet: true, training, stoppedDir })).toBe(false);
    expect(existsSync(join(dir, 'model.safetensors'))).toBe(false);
    const at = readOptimizerState(readFolder(stoppedDir)).step;
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(20);
    expect(process.listenerCount('SIGINT')).toBe(0);

    expect(await trainBase(dir, { quiet: true, training, stoppedDir })).toBe(true);
    expect(weights(dir).equals(weights(await whole()))).toBe(true);
    expect(existsSync(stoppedDir)).toBe(false);
  }, 120_000);

  it("on two threads, stopped and then resumed on one, ends at the unstopped run's weights (to float error)", async () => {
    const dir = join(root, 'two-threads');
    const stoppedDir = join(root, 'work', 'two-threads-stopped');
    // Ctrl-C during the sixth step's gradients (the thread's start takes turns of its own).
    const original = GradientWorker.prototype.gradients;
    let calls = 0;
    const spy = vi.spyOn(GradientWorker.prototype, 'gradients').mockImplementation(function (
      this: GradientWorker,
      ...args
    ) {
      if (++calls === 6) process.emit('SIGINT');
      return original.apply(this, args);
    });
    try {
      expect(await trainBase(dir, { quiet: true, training, stoppedDir, threads: 2 })).toBe(false);
    } finally {
      spy.mockRestore();
    }
    expect(readOptimizerState(readFolder(stoppedDir)).step).toBe(6);
    expect(await trainBase(dir, { quiet: true, training, stoppedDir })).toBe(true);
    const [a, b] = [loadCheckpoint(readFolder(dir)).model, loadCheckpoint(readFolder(await whole())).model];
    let diff = 0;
    let moved = 0;
    for (const [name, v] of a.params) {
      const [x, y] = [await v.data(), await (b.params.get(name) as typeof v).data()];
      x.forEach((value, i) => (diff = Math.max(diff, Math.abs(value - y[i]))));
      moved = Math.max(moved, ...x.map((value) => Math.abs(value)));
    }
    a.dispose();
    b.dispose();
    expect(moved).toBeGreaterThan(0.01);
    expect(diff).toBeLessThan(1e-4);
  }, 120_000);

  it('says which folder to delete when the stopped model cannot be read', async () => {
    const dir = join(root, 'damaged');
    const stoppedDir = join(root, 'damaged-stopped');
    ctrlCAfter(3);
    expect(await trainBase(dir, { quiet: true, training, stoppedDir })).toBe(false);
    writeFileSync(join(stoppedDir, 'optimizer.safetensors'), 'not a safetensors file');
    await expect(trainBase(dir, { quiet: true, training, stoppedDir })).rejects.toThrow(
      `cannot go on from the stopped base model in ${stoppedDir}`,
    );
    // Another recipe starts afresh, whatever a stopped run of the old one left.
    expect(await trainBase(dir, { quiet: true, training: { ...training, epochs: 1 }, stoppedDir })).toBe(
      true,
    );
    expect(process.listenerCount('SIGINT')).toBe(0);
  }, 120_000);

  it('keeps the model so far while it runs, so a killed run goes on to the model an unstopped run makes', async () => {
    // Long enough (1,568 training examples in batches of 32, 2 epochs: 98 steps) to be killed in the middle.
    const long = { ...training, examples: 1600 };
    const longWhole = join(root, 'long-whole');
    expect(await trainBase(longWhole, { quiet: true, training: long })).toBe(true);

    const dir = join(root, 'killed');
    const stoppedDir = join(root, 'killed-stopped');
    const script = join(root, 'killed.mts');
    writeFileSync(
      script,
      `import { trainBase } from ${JSON.stringify(join(ROOT, 'src/cli/commands/models.ts'))};\n` +
        `await trainBase(${JSON.stringify(dir)}, { quiet: true, training: ${JSON.stringify(long)}, stoppedDir: ${JSON.stringify(stoppedDir)}, keepSeconds: 0 });\n`,
    );
    const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), [script], { cwd: ROOT, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Killed (no Ctrl-C, nothing saved at the end) once it has kept a dozen steps.
    const keptStep = () => {
      try {
        return readOptimizerState(readFolder(keptFolder(stoppedDir))).step;
      } catch {
        return 0; // not there yet, or being renamed into place
      }
    };
    while (keptStep() < 12) {
      if (child.exitCode !== null) throw new Error(`the run ended (${child.exitCode}) before it was killed`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGKILL');
    await exited;
    const at = keptStep();
    expect(at).toBeGreaterThanOrEqual(12);
    expect(at).toBeLessThan(98);
    expect(existsSync(join(dir, 'model.safetensors'))).toBe(false);

    expect(await trainBase(dir, { quiet: true, training: long, stoppedDir })).toBe(true);
    expect(weights(dir).equals(weights(longWhole))).toBe(true);
    expect(existsSync(keptFolder(stoppedDir))).toBe(false);
  }, 180_000);

  it('goes on from the old kept folder when a kill fell between its two renames', async () => {
    const dir = join(root, 'between');
    const stoppedDir = join(root, 'between-stopped');
    ctrlCAfter(6);
    expect(await trainBase(dir, { quiet: true, training, stoppedDir })).toBe(false);
    const at = readOptimizerState(readFolder(stoppedDir)).step;
    // What a kill after `dir` → `dir.old` and before `dir.writing` → `dir` leaves.
    renameSync(stoppedDir, `${stoppedDir}.old`);
    writeFileSync(`${stoppedDir}.writing`, 'half written');
    expect(keptFolder(stoppedDir)).toBe(`${stoppedDir}.old`);
    ctrlCAfter(3);
    expect(await trainBase(dir, { quiet: true, training, stoppedDir })).toBe(false);
    expect(readOptimizerState(readFolder(stoppedDir)).step).toBeGreaterThan(at);
    expect(existsSync(`${stoppedDir}.old`)).toBe(false);
    expect(await trainBase(dir, { quiet: true, training, stoppedDir })).toBe(true);
    expect(weights(dir).equals(weights(await whole()))).toBe(true);
  }, 120_000);
});
