import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { problemSpec, splitOf } from '../../src/countdown';
import {
  ExperimentRunner,
  MINIATURE,
  presetConfig,
  withOverrides,
  type LabEvent,
  type RunnerHost,
} from '../../src/lab';
import { readFolder } from '../../src/model/node-files';
import { parseCheckpointRef } from '../../src/model/checkpoint-ref';
import type { CheckpointFiles } from '../../src/model';
import { MODEL_FILES, RESUME_FILES } from '../../src/model/names';
import { readSafetensors, writeSafetensors } from '../../src/model/safetensors';
import { useBackend } from '../model/helpers';
import { timeless } from './helpers';

const smoke = presetConfig('smoke');
const MODELS = fileURLToPath(new URL('../../public/models/', import.meta.url));
/** The shipped model a reference names (these tests load nothing else). */
const parseShipped = (ref: string) => {
  const r = parseCheckpointRef(ref);
  if (r.kind !== 'shipped') throw new Error(`not a shipped model: ${ref}`);
  return r.name;
};
const close = (a: number, b: number, tol: number) => expect(Math.abs(a - b)).toBeLessThan(tol);
const loadShipped = async (ref: string) => readFolder(join(MODELS, parseShipped(ref)));
/** The smoke preset run from a shipped model, in the miniature's world (the shipped models'). */
const fromShipped = (name: string, overrides: Record<string, unknown>) =>
  withOverrides(smoke, {
    preset: MINIATURE.preset,
    ranges: MINIATURE.ranges,
    start: { kind: 'checkpoint', checkpoint: `shipped:${name}` },
    ...overrides,
  });

/** The step numbers of a run's step events, in order. */
const steps = (events: readonly LabEvent[]) =>
  events.flatMap((e) => (e.type === 'step' ? [e.metrics.step] : []));

/** One turn of the event loop (no wall clock: a run that does not hold starts its next step in one). */
const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function until(done: () => boolean): Promise<void> {
  while (!done()) await turn();
}

function watch<T>(promise: Promise<T>): { promise: Promise<T>; settled: boolean } {
  const w = { promise, settled: false };
  promise.then(
    () => (w.settled = true),
    () => (w.settled = true),
  );
  return w;
}

/** The id TensorFlow.js gives the next tensor: it moves with every tensor any work makes. */
function nextTensorId(): number {
  const t = tf.scalar(0);
  t.dispose();
  return t.id + 1;
}

/** Over many event-loop turns a held run emits nothing and makes no tensor. */
async function expectIdle(events: readonly LabEvent[]): Promise<void> {
  const seen = events.length;
  const id = nextTensorId();
  for (let i = 0; i < 50; i++) await turn();
  expect(events.slice(seen)).toEqual([]);
  expect(nextTensorId()).toBe(id + 1); // only the probe's own tensor
}

function recorder(
  extra: Partial<RunnerHost> = {},
): RunnerHost & { events: LabEvent[]; saved: Map<string, CheckpointFiles> } {
  const events: LabEvent[] = [];
  const saved = new Map<string, CheckpointFiles>();
  return {
    events,
    saved,
    emit: (e) => events.push(e),
    saveCheckpoint: async (name, files) => void saved.set(name, files),
    ...extra,
  };
}

describe('experiment runner (smoke preset, wasm)', () => {
  beforeAll(() => useBackend('wasm'));

  it('runs prime -> eval -> RL steps -> eval -> done, with complete metrics and samples', async () => {
    const host = recorder();
    const summary = await new ExperimentRunner(smoke, host).run();
    const types = host.events.filter((e) => e.type !== 'status').map((e) => e.type);
    expect(types[0]).toBe('prime');
    expect(types.filter((t) => t === 'step')).toHaveLength(smoke.rl.steps);
    expect(types.filter((t) => t === 'eval')).toHaveLength(2);
    expect(types[types.length - 1]).toBe('done');
    const step = host.events.find((e) => e.type === 'step');
    if (step?.type !== 'step') throw new Error('no step');
    for (const [k, v] of Object.entries(step.metrics)) {
      if (typeof v === 'number') expect(Number.isFinite(v), k).toBe(true);
    }
    expect(step.metrics.accuracy).toBeGreaterThanOrEqual(0);
    expect(step.metrics.entropy).toBeGreaterThan(0);
    const samples = host.events.find((e) => e.type === 'samples');
    expect(samples?.type === 'samples' && samples.samples.length).toBe(2);
    expect(summary.steps).toBe(3);
    expect(summary.finalEval?.sampled?.accuracy).toBeGreaterThanOrEqual(0);
    expect(host.saved.has('final')).toBe(true);
    expect([...(host.saved.get('final') as CheckpointFiles).keys()]).toEqual(
      expect.arrayContaining([
        'config.json',
        'model.safetensors',
        'runner_state.json',
        'optimizer.safetensors',
        'reference.safetensors',
      ]),
    );
    // Every file of a resumable checkpoint is one the page's import keeps.
    const known = new Set<string>([...MODEL_FILES, ...RESUME_FILES]);
    expect([...(host.saved.get('final') as CheckpointFiles).keys()].filter((f) => !known.has(f))).toEqual([]);
  });

  it("a primed model's step metrics agree with each other and with the reward", async () => {
    // The shipped all_strategies model answers some problems right, so the metrics are not all 0.
    const host = recorder({ loadCheckpoint: loadShipped });
    const config = fromShipped('all_strategies', {
      rl: { steps: 2, promptsPerStep: 8, samplesPerPrompt: 2, maxNewTokens: 160 },
      eval: { every: 0, problems: 0 },
      examplesPerStep: 16,
    });
    await new ExperimentRunner(config, host).run();
    // The config's size (nano by default) is the shipped model's: nothing to note.
    expect(host.events.filter((e) => e.type === 'status' && e.message.startsWith('note:'))).toEqual([]);
    const steps = host.events.flatMap((e) => (e.type === 'step' ? [e.metrics] : []));
    expect(steps).toHaveLength(2);
    expect(Math.max(...steps.map((m) => m.accuracy))).toBeGreaterThan(0);
    for (const m of steps) {
      // Strict reward: 1 when correct, 0.1 for any other answer in the format, 0 without one.
      close(m.meanReward, m.accuracy + 0.1 * (m.formatRate - m.accuracy), 1e-9);
      expect(m.formatRate + m.truncatedRate).toBeLessThanOrEqual(1 + 1e-12);
      expect(m.accuracy).toBeLessThanOrEqual(m.formatRate);
    }
    // Before the first update the policy is the reference: no KL at all.
    expect(Math.abs(steps[0].klToReference)).toBeLessThan(1e-4); // cached sampling vs teacher forcing: ~1e-6
    // Rollouts come from the training split only (the held-out problems are never trained on).
    const spec = problemSpec(MINIATURE.preset, MINIATURE.ranges);
    const shown = host.events.flatMap((e) => (e.type === 'samples' ? e.samples : []));
    expect(shown.length).toBe(32);
    for (const sample of shown) {
      expect(splitOf(sample, spec.testShare)).toBe('train');
      expect(sample.correct).toBe(sample.score === 1);
    }
  });

  it('eval.samples draws that many samples per held-out problem: accuracy over problems x samples', async () => {
    const host = recorder({ loadCheckpoint: loadShipped });
    const config = fromShipped('empty_cot', {
      rl: { steps: 1, promptsPerStep: 2, samplesPerPrompt: 2, maxNewTokens: 40 },
      eval: { every: 0, problems: 5, samples: 7, greedy: false },
      examplesPerStep: 0,
    });
    await new ExperimentRunner(config, host).run();
    const evals = host.events.flatMap((e) => (e.type === 'eval' ? [e.metrics] : []));
    expect(evals.map((m) => [m.step, m.problems, m.samples])).toEqual([
      [0, 5, 7],
      [1, 5, 7],
    ]);
    for (const m of evals) {
      // 35 responses: every rate is a count over 35 (a rate over 5 would be a multiple of 0.2).
      const correct = (m.sampled?.accuracy ?? NaN) * 35;
      close(correct, Math.round(correct), 1e-9);
    }
    // Over 35 samples some rate is not a multiple of 1/5 (checked over both evaluations and three rates).
    const rates = evals.flatMap((m) => [
      m.sampled!.accuracy,
      m.sampled!.formatRate,
      m.sampled!.responseTokens,
    ]);
    expect(rates.some((r) => Math.abs(r * 5 - Math.round(r * 5)) > 1e-9)).toBe(true);
  });
  it("a loaded model keeps its shape and the run says the config's size does not apply", async () => {
    const load = loadShipped;
    const notes = (events: LabEvent[]) =>
      events.flatMap((e) => (e.type === 'status' && e.message.startsWith('note:') ? [e.message] : []));
    for (const start of [
      { kind: 'checkpoint', checkpoint: 'shipped:empty_cot' },
      { kind: 'prime', from: 'shipped:base', condition: 'empty_cot', examples: 32 },
    ] as const) {
      const host = recorder({ loadCheckpoint: load });
      const config = withOverrides(smoke, {
        preset: MINIATURE.preset,
        ranges: MINIATURE.ranges,
        size: 'micro',
        start,
        rl: { steps: 0 },
        eval: { every: 0, problems: 0 },
      });
      await new ExperimentRunner(config, host).run();
      const source = start.kind === 'checkpoint' ? start.checkpoint : start.from;
      expect(notes(host.events)).toEqual([
        `note: the model is ${source}'s, nano (2 layers, 64 wide, 4 heads); the config's size, micro (4 layers, 128 wide, 4 heads), applies only to a model made from scratch`,
      ]);
      const saved = JSON.parse(new TextDecoder().decode(host.saved.get('final')?.get('config.json')));
      expect([saved.hidden_size, saved.num_hidden_layers]).toEqual([64, 2]);
    }
  });

  it('is deterministic: the same seed gives the same metrics, another seed does not', async () => {
    const a = recorder();
    const b = recorder();
    const c = recorder();
    await new ExperimentRunner(smoke, a).run();
    await new ExperimentRunner(smoke, b).run();
    await new ExperimentRunner(withOverrides(smoke, { seed: 5 }), c).run();
    expect(timeless(b.events)).toEqual(timeless(a.events));
    expect(timeless(c.events)).not.toEqual(timeless(a.events));
  });

  it('stop saves a resumable checkpoint; resuming continues the same curve', async () => {
    const full = recorder();
    await new ExperimentRunner(smoke, full).run();
    const ref: { runner?: ExperimentRunner } = {};
    const first = recorder({
      emit: (e) => {
        first.events.push(e);
        if (e.type === 'step' && e.metrics.step === 1) ref.runner?.stop();
      },
    });
    ref.runner = new ExperimentRunner(smoke, first);
    const partial = await ref.runner.run();
    expect(partial.steps).toBe(1);
    const files = first.saved.get('stopped-1') as CheckpointFiles;
    expect(files).toBeDefined();
    const second = recorder();
    const resumed = ExperimentRunner.fromCheckpoint(files, second);
    expect(resumed.completedSteps).toBe(1);
    await resumed.run();
    // The resumed runner's history holds the first part too: the whole run equals the uninterrupted one.
    expect(timeless(resumed.events)).toEqual(timeless(full.events));

    // A damaged runner_state.json is refused with what is wrong, before anything runs.
    const state = JSON.parse(new TextDecoder().decode(files.get('runner_state.json'))) as Record<
      string,
      unknown
    >;
    const damaged = (edit: Record<string, unknown>) =>
      new Map(files).set(
        'runner_state.json',
        new TextEncoder().encode(JSON.stringify({ ...state, ...edit })),
      );
    const cases: [Record<string, unknown> | null, RegExp][] = [
      [null, /runner_state\.json is not a Habits Lab runner state/],
      [{ history: null }, /damaged:[\s\S]*history/],
      [{ history: [{ type: 'step', metrics: 'x' }] }, /damaged:[\s\S]*history\.0/],
      [{ step: -100 }, /damaged:[\s\S]*step/],
      [{ step: 4 }, /step 4 is past the run's 3 steps/],
    ];
    for (const [edit, message] of cases) {
      const bad =
        edit === null
          ? new Map(files).set('runner_state.json', new TextEncoder().encode('null'))
          : damaged(edit);
      expect(() => ExperimentRunner.fromCheckpoint(bad, recorder())).toThrow(message);
    }

    // A checkpoint without its reference model or optimizer state is refused before anything is built.
    for (const missing of ['reference.safetensors', 'optimizer.safetensors']) {
      const without = new Map(files);
      without.delete(missing);
      expect(() => ExperimentRunner.fromCheckpoint(without, recorder())).toThrow(
        new RegExp(`has no ${missing.replace('.', '\\.')}: it cannot be resumed`),
      );
    }
    // Damaged ones fail the run with the file named, and leave no tensors behind.
    const optimizer = readSafetensors(files.get('optimizer.safetensors') as Uint8Array);
    const fewer = [...optimizer.tensors]
      .slice(1)
      .map(([name, t]) => ({ name, shape: t.shape, data: t.data }));
    const reference = readSafetensors(files.get('reference.safetensors') as Uint8Array);
    const [[firstName, first0]] = [...reference.tensors];
    const broken: [string, Uint8Array, RegExp][] = [
      [
        'optimizer.safetensors',
        writeSafetensors(fewer, 'F32', optimizer.metadata),
        /optimizer\.safetensors does not fit this model: optimizer state does not match parameter/,
      ],
      [
        'reference.safetensors',
        writeSafetensors([{ name: firstName, shape: first0.shape, data: first0.data }]),
        /reference\.safetensors: /,
      ],
    ];
    for (const [name, bytes, message] of broken) {
      const before = tf.memory().numTensors;
      const runner = ExperimentRunner.fromCheckpoint(new Map(files).set(name, bytes), recorder());
      await expect(runner.run()).rejects.toThrow(message);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it("a host's autosave adds checkpoints and changes nothing else; the run goes on from any of them", async () => {
    const plain = recorder();
    await new ExperimentRunner(smoke, plain).run();
    const saving = recorder({ autosaveEvery: 1 });
    await new ExperimentRunner(smoke, saving).run();
    expect([...saving.saved.keys()]).toEqual(['step-1', 'step-2', 'final']);
    expect(timeless(saving.events)).toEqual(timeless(plain.events));
    // A tab closed after step 2: the run resumes from its last autosave and ends where it would have.
    const resumed = ExperimentRunner.fromCheckpoint(
      saving.saved.get('step-2') as CheckpointFiles,
      recorder(),
    );
    await resumed.run();
    expect(timeless(resumed.events)).toEqual(timeless(plain.events));
    // Storage that refuses the autosaves (a full disk): the run says so and goes on to the end.
    const full = recorder({
      autosaveEvery: 1,
      saveCheckpoint: async (name, files) => {
        if (name.startsWith('step-')) throw new Error('QuotaExceededError');
        full.saved.set(name, files);
      },
    });
    await new ExperimentRunner(smoke, full).run();
    expect([...full.saved.keys()]).toEqual(['final']);
    expect(
      full.events.flatMap((e) => (e.type === 'status' && e.message.startsWith('note:') ? [e.message] : [])),
    ).toEqual([1, 2].map((k) => `note: could not autosave at step ${k}: QuotaExceededError`));
    expect(timeless(full.events)).toEqual(timeless(plain.events));
  });

  it("a host's autosaveSeconds keeps the run as a stop would, one keep at a time; it goes on from each", async () => {
    const plain = recorder();
    await new ExperimentRunner(smoke, plain).run();
    // Due after every step (the smoke preset: 2 priming steps, 3 RL steps); the last steps of
    // priming and of RL are kept by the run itself (its RL start and its final).
    const log: string[] = [];
    const kept = new Map<string, CheckpointFiles>();
    const keeping = recorder({
      autosaveSeconds: 1e-9,
      saveCheckpoint: async (name, files) => {
        log.push(`save ${name}`);
        kept.set(name, files);
        keeping.saved.set(name, files);
      },
      removeCheckpoint: async (name) => {
        log.push(`remove ${name}`);
        keeping.saved.delete(name);
      },
    });
    await new ExperimentRunner(smoke, keeping).run();
    expect(log).toEqual([
      'save stopped-priming-1',
      'save stopped-1',
      'remove stopped-priming-1',
      'save stopped-2',
      'remove stopped-1',
      'save final',
      'remove stopped-2',
    ]);
    expect([...keeping.saved.keys()]).toEqual(['final']);
    expect(timeless(keeping.events)).toEqual(timeless(plain.events));
    // A run killed after any keep goes on from it to the very run that was not killed.
    for (const name of ['stopped-priming-1', 'stopped-1', 'stopped-2']) {
      const resumed = ExperimentRunner.fromCheckpoint(kept.get(name) as CheckpointFiles, recorder());
      await resumed.run();
      expect(timeless(resumed.events), name).toEqual(timeless(plain.events));
    }
    // Storage that refuses a keep (a full disk): the run says so, goes on, and keeps the next one.
    let refused = false;
    const full = recorder({
      autosaveSeconds: 1e-9,
      saveCheckpoint: async (name, files) => {
        if (name === 'stopped-1' && !refused) {
          refused = true;
          throw new Error('ENOSPC');
        }
        full.saved.set(name, files);
      },
      removeCheckpoint: async (name) => void full.saved.delete(name),
    });
    await new ExperimentRunner(smoke, full).run();
    expect([...full.saved.keys()]).toEqual(['final']);
    expect(
      full.events.flatMap((e) => (e.type === 'status' && e.message.startsWith('note:') ? [e.message] : [])),
    ).toEqual(['note: could not keep the run as stopped-1: ENOSPC']);
    expect(timeless(full.events)).toEqual(timeless(plain.events));
  });

  it("the page's keeps (recordKeeps, one stored checkpoint): a record cut at a keep's event and resumed is the whole run", async () => {
    const plain = recorder();
    await new ExperimentRunner(smoke, plain).run();
    // What the page's one slot per run held, save after save.
    const slot: { name: string; files: CheckpointFiles }[] = [];
    const page = recorder({
      autosaveSeconds: 1e-9,
      recordKeeps: true,
      saveCheckpoint: async (name, files) => void slot.push({ name, files }),
    });
    await new ExperimentRunner(smoke, page).run();
    const told = page.events.flatMap((e) => (e.type === 'checkpoint' ? [e.name] : []));
    expect(told).toEqual(['stopped-priming-1', 'stopped-1', 'stopped-2', 'final']);
    expect(slot.map((s) => s.name)).toEqual(told);
    // A tab closed after a keep: the page keeps its record up to the last checkpoint event (status
    // lines aside; session.resumeStopped) and the worker goes on from the stored keep.
    const record = page.events.filter((e) => e.type !== 'status');
    for (const { name, files } of slot.slice(0, -1)) {
      const cut = record.findIndex((e) => e.type === 'checkpoint' && e.name === name);
      const worker = recorder();
      await ExperimentRunner.fromCheckpoint(files, worker).run();
      expect(timeless([...record.slice(0, cut + 1), ...worker.events]), name).toEqual(timeless(plain.events));
    }
  });

  it('a step saved by checkpointEvery is not kept again at that step (the same snapshot written twice)', async () => {
    const log: string[] = [];
    const host = recorder({
      autosaveSeconds: 1e-9,
      saveCheckpoint: async (name) => void log.push(name),
      removeCheckpoint: async (name) => void log.push(`remove ${name}`),
    });
    await new ExperimentRunner(withOverrides(smoke, { checkpointEvery: 2 }), host).run();
    // Step 1 is kept; step 2 is saved as step-2 alone; the final save replaces the last keep.
    expect(log).toEqual([
      'stopped-priming-1',
      'stopped-1',
      'remove stopped-priming-1',
      'step-2',
      'final',
      'remove stopped-1',
    ]);
  });

  it('a saved step counts as a keep: the next keep is due autosaveSeconds after it, not after the last keep', async () => {
    // A clock that moves 6 s per RL step, keeps due every 10 s: step 2 is saved (checkpointEvery),
    // so at step 3 only 6 s have passed since a snapshot and none is kept; step 4 is saved again.
    let clock = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => clock);
    try {
      const log: string[] = [];
      const host = recorder({
        autosaveSeconds: 10,
        emit: (e) => {
          if (e.type === 'step') clock += 6000;
        },
        saveCheckpoint: async (name) => void log.push(name),
        removeCheckpoint: async (name) => void log.push(`remove ${name}`),
      });
      const config = withOverrides(smoke, { checkpointEvery: 2, rl: { steps: 5 } });
      await new ExperimentRunner(config, host).run();
      expect(log).toEqual(['step-2', 'step-4', 'final']);
    } finally {
      now.mockRestore();
    }
  });

  it('pauses between steps: while held no step, evaluation or tensor work runs; resume goes on', async () => {
    const ref: { runner?: ExperimentRunner } = {};
    const host = recorder({
      emit: (e) => {
        host.events.push(e);
        if (e.type === 'step' && e.metrics.step === 1) ref.runner?.pause();
      },
    });
    const runner = (ref.runner = new ExperimentRunner(smoke, host));
    const running = watch(runner.run());
    await until(() => runner.held || running.settled);
    // A pause that did not hold lets the run go on to its end instead.
    expect(runner.held).toBe(true);
    expect(steps(host.events)).toEqual([1]);
    await expectIdle(host.events);
    runner.resume();
    expect((await running.promise).steps).toBe(3);
    expect(steps(host.events)).toEqual([1, 2, 3]);
  });

  it('a pause pressed during an evaluation holds the run when the evaluation ends, and says so', async () => {
    const ref: { runner?: ExperimentRunner } = {};
    let pausedDuringEval = false;
    const host = recorder({
      emit: (e) => {
        host.events.push(e);
        if (e.type === 'status' && e.stage === 'eval' && !pausedDuringEval) {
          pausedDuringEval = true;
          ref.runner?.pause();
        }
      },
    });
    const runner = (ref.runner = new ExperimentRunner(smoke, host));
    const running = watch(runner.run());
    await until(() => runner.held || running.settled);
    // Held after the step-0 evaluation finished (it runs after the first RL step, on the reference
    // model, so the first metric comes fast) and before the second step.
    expect(runner.held).toBe(true);
    expect(host.events.flatMap((e) => (e.type === 'eval' ? [e.metrics.step] : []))).toEqual([0]);
    expect(steps(host.events)).toEqual([1]);
    await expectIdle(host.events);
    runner.resume();
    const summary = await running.promise;
    expect(summary.steps).toBe(smoke.rl.steps);
    const stages = host.events.flatMap((e) => (e.type === 'status' ? [e.stage] : []));
    const evalAt = stages.indexOf('eval');
    // Everything said between the pause and the resume is 'paused' (the page keeps Resume enabled),
    // and the first word after the resume is the work the run goes back to.
    const resumedAt = stages.indexOf('rl', evalAt);
    expect(stages.slice(evalAt + 1, resumedAt).length).toBeGreaterThan(0);
    expect(new Set(stages.slice(evalAt + 1, resumedAt))).toEqual(new Set(['paused']));
    expect(steps(host.events)).toEqual([1, 2, 3]);
  });

  it('a backend that cannot start ends the run in error, so the next run can start', async () => {
    const host = recorder();
    const runner = new ExperimentRunner(withOverrides(smoke, { backend: 'webgl' }), host);
    await expect(runner.run()).rejects.toThrow(/no TensorFlow\.js backend could start/);
    expect(runner.currentStage).toBe('error');
    expect(host.events.at(-1)).toMatchObject({ type: 'status', stage: 'error' });
    await useBackend('wasm');
  });

  it('leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await new ExperimentRunner(smoke, recorder()).run();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a priming that fails leaves no tensors; one stopped saves a checkpoint that resumes the same run', async () => {
    const before = tf.memory().numTensors;
    // Failing: the host refuses the first priming event (as an out-of-memory error would end it).
    const failing = recorder({
      emit: (e) => {
        if (e.type === 'prime') throw new Error('out of memory');
      },
    });
    await expect(new ExperimentRunner(smoke, failing).run()).rejects.toThrow(/out of memory/);
    expect(tf.memory().numTensors).toBe(before);
    // Stopped after the first of the smoke preset's 2 priming steps: the half-primed model is saved.
    const ref: { runner?: ExperimentRunner } = {};
    const stopped = recorder({
      emit: (e) => {
        stopped.events.push(e);
        if (e.type === 'prime') ref.runner?.stop();
      },
    });
    ref.runner = new ExperimentRunner(smoke, stopped);
    const summary = await ref.runner.run();
    expect(summary.steps).toBe(0);
    expect([...stopped.saved.keys()]).toEqual(['stopped-priming-1']);
    expect(stopped.events.at(-1)).toMatchObject({
      type: 'status',
      stage: 'stopped',
      message: 'stopped while priming, after step 1: resumable',
    });
    expect(tf.memory().numTensors).toBe(before);
    const files = stopped.saved.get('stopped-priming-1') as CheckpointFiles;
    expect(files.has('reference.safetensors')).toBe(false);

    // Resumed, priming goes on at its step 2 and the whole run equals the uninterrupted one.
    const full = recorder();
    await new ExperimentRunner(smoke, full).run();
    const second = recorder();
    const resumed = ExperimentRunner.fromCheckpoint(files, second);
    await resumed.run();
    expect(second.events.some((e) => e.type === 'status' && e.message === 'priming resumed at step 1')).toBe(
      true,
    );
    expect(timeless(resumed.events)).toEqual(timeless(full.events));
    expect(tf.memory().numTensors).toBe(before);

    // Saved while priming means RL step 0, and the optimizer file is still needed.
    const state = JSON.parse(new TextDecoder().decode(files.get('runner_state.json'))) as Record<
      string,
      unknown
    >;
    expect(state.priming).toBe(true);
    const at3 = new Map(files).set(
      'runner_state.json',
      new TextEncoder().encode(JSON.stringify({ ...state, step: 3 })),
    );
    expect(() => ExperimentRunner.fromCheckpoint(at3, recorder())).toThrow(
      /saved while priming at RL step 3/,
    );
    const without = new Map(files);
    without.delete('optimizer.safetensors');
    expect(() => ExperimentRunner.fromCheckpoint(without, recorder())).toThrow(
      /has no optimizer\.safetensors: it cannot be resumed/,
    );
    // An optimizer state past the priming's 2 steps fails the run with no tensors left.
    const optimizer = readSafetensors(files.get('optimizer.safetensors') as Uint8Array);
    const tensors = [...optimizer.tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data }));
    const late = new Map(files).set('optimizer.safetensors', writeSafetensors(tensors, 'F32', { step: '9' }));
    await expect(ExperimentRunner.fromCheckpoint(late, recorder()).run()).rejects.toThrow(
      /the stopped priming took 9 steps, more than its 2/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports bad checkpoints and bad configs clearly', () => {
    expect(() => ExperimentRunner.fromCheckpoint(new Map(), recorder())).toThrow(/cannot be resumed/);
    expect(() => new ExperimentRunner({ rl: { steps: -1 } }, recorder())).toThrow(/rl\.steps/);
  });
});
