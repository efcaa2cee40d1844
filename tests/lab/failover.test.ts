// A backend that fails mid-run hands the run to the next one, from its last completed step: every
// step is recorded once, the steps before the failure are kept as they were, and the run finishes.
import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentRunner, presetConfig, withOverrides, type LabEvent } from '../../src/lab';
import { readFolder } from '../../src/model/node-files';
import { useBackend } from '../model/helpers';
import { timeless } from './helpers';

const MODELS = fileURLToPath(new URL('../../public/models/', import.meta.url));
const config = withOverrides(presetConfig('smoke'), {
  backend: 'wasm',
  start: { kind: 'checkpoint', checkpoint: 'shipped:all_strategies' },
  rl: { steps: 3, promptsPerStep: 2, samplesPerPrompt: 2, maxNewTokens: 24, minibatches: 1 },
  eval: { every: 0, problems: 0 },
  examplesPerStep: 0,
});

async function run(failAfterStep?: number) {
  const events: LabEvent[] = [];
  const wasm = tf.findBackend('wasm') as unknown as { read: (id: unknown) => Promise<unknown> };
  const read = wasm.read;
  const runner = new ExperimentRunner(config, {
    emit: (e) => {
      events.push(e);
      // The wasm backend breaks for good once this step is recorded: every read fails.
      if (e.type === 'step' && e.metrics.step === failAfterStep)
        wasm.read = () => Promise.reject(new Error('injected: the wasm backend failed'));
    },
    loadCheckpoint: async (ref) => readFolder(`${MODELS}${ref.slice('shipped:'.length)}`),
    failover: true,
  });
  try {
    return { summary: await runner.run(), events };
  } finally {
    wasm.read = read;
    await useBackend('wasm');
  }
}

describe('failover', () => {
  beforeAll(() => useBackend('wasm'));
  afterAll(() => useBackend('wasm'));

  it('goes on on the next backend from the last completed step, every step recorded once', async () => {
    const clean = await run();
    const failed = await run(1);
    expect(failed.summary.steps).toBe(3);
    expect(failed.summary.backend).toBe('cpu');
    const steps = failed.events.flatMap((e) => (e.type === 'step' ? [e.metrics] : []));
    expect(steps.map((m) => m.step)).toEqual([1, 2, 3]);
    // Step 1, made on wasm before the failure, is as a run without one made it.
    const firstStep = (events: LabEvent[]) => timeless(events.filter((e) => e.type === 'step'))[0];
    expect(firstStep(failed.events)).toEqual(firstStep(clean.events));
    const note = failed.events.find((e) => e.type === 'status' && e.message.includes('backend failed'));
    expect(note?.type === 'status' && note.message).toMatch(
      /note: the wasm backend failed \(injected: the wasm backend failed\).* from step 1/,
    );
    expect(failed.events.some((e) => e.type === 'error')).toBe(false);
  }, 300_000);
});
