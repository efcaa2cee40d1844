import { describe, expect, it } from 'vitest';
import {
  CONFIG_PRESETS,
  configFromFragment,
  configToFragment,
  parseConfig,
  presetConfig,
  RL_POOL_MIN,
  rlPool,
  rlPoolSize,
  testProblems,
  withOverrides,
} from '../../src/lab';
import { problemKey } from '../../src/countdown';

describe('experiment config', () => {
  it('fills defaults that follow the paper where it applies', () => {
    const c = parseConfig({});
    expect(c.rl).toMatchObject({
      temperature: 1,
      klCoef: 0.001,
      klEstimator: 'k1',
      advantage: 'gae',
      gamma: 1,
      lambda: 1,
      clip: 0.2,
      valueClip: 0.5,
      entropyCoef: 0.001,
      gradClip: 1,
      rewardMode: 'strict',
    });
    expect(c.start).toMatchObject({ kind: 'prime', condition: 'all_strategies' });
  });

  it('explains every bad field by its path', () => {
    expect(() => parseConfig({ rl: { clip: -1, advantage: 'magic' }, seed: 1.5 })).toThrow(
      /rl\.clip[\s\S]*rl\.advantage[\s\S]*seed|seed[\s\S]*rl/,
    );
    expect(() => parseConfig({ start: { kind: 'prime', condition: 'everything' } })).toThrow(
      /start\.condition/,
    );
    expect(() => parseConfig({ colour: 'red' })).toThrow(/colour/);
    expect(() => parseConfig('nope')).toThrow(/invalid experiment config/);
  });

  it('refuses a custom model size that cannot be built when it is read, not when a run starts', () => {
    const size = { hiddenSize: 64, numLayers: 2, numHeads: 4, intermediateSize: 176 };
    expect(parseConfig({ size }).size).toEqual(size); // nano's shape, written out
    expect(() => parseConfig({ size: { ...size, numHeads: 3 } })).toThrow(
      /not divisible by numHeads 3\n.*at size\.hiddenSize/,
    );
    expect(() => parseConfig({ size: { ...size, hiddenSize: 60 } })).toThrow(
      /head_dim .* = 15\) must be even/,
    );
    // 64 layers of 4096 × 4096 with a 16384-wide MLP: 64 × (4·4096² + 3·16384·4096 + 2·4096) + 4096 > 200M.
    expect(() =>
      parseConfig({ size: { hiddenSize: 4096, numLayers: 64, numHeads: 64, intermediateSize: 16384 } }),
    ).toThrow(/more than 17180397568 parameters, over the lab's limit of 200000000/);
  });

  it('has the smoke and classroom presets, and merges overrides', () => {
    expect(Object.keys(CONFIG_PRESETS)).toEqual(expect.arrayContaining(['smoke', 'classroom']));
    const c = withOverrides(presetConfig('smoke'), { rl: { steps: 7 }, start: { condition: 'empty_cot' } });
    expect(c.rl.steps).toBe(7);
    expect(c.rl.promptsPerStep).toBe(presetConfig('smoke').rl.promptsPerStep);
    expect(c.start).toMatchObject({ kind: 'prime', condition: 'empty_cot' });
    expect(() => presetConfig('huge')).toThrow(/unknown preset "huge"/);
    // Another kind of start replaces the preset's, rather than mixing the two kinds' fields.
    const fromCheckpoint = withOverrides(presetConfig('smoke'), {
      start: { kind: 'checkpoint', checkpoint: 'shipped:dots' },
    });
    expect(fromCheckpoint.start).toEqual({ kind: 'checkpoint', checkpoint: 'shipped:dots' });
    expect(withOverrides(presetConfig('classroom'), { start: { kind: 'prime' } }).start).toMatchObject({
      kind: 'prime',
      condition: 'all_strategies',
      examples: 1000,
    });
  });

  it('round-trips through a URL fragment and rejects broken links', () => {
    const c = withOverrides(presetConfig('classroom'), { seed: 42 });
    const fragment = configToFragment(c);
    expect(fragment).toMatch(/^#config=[A-Za-z0-9_-]+$/);
    expect(configFromFragment(fragment)).toEqual(c);
    expect(configFromFragment(`#x=1&${fragment.slice(1)}`)).toEqual(c);
    expect(() => configFromFragment('#nothing')).toThrow(/no #config/);
    expect(() => configFromFragment('#config=%%%')).toThrow(/no #config|cannot be read/);
    expect(() => configFromFragment('#config=bm90IGpzb24')).toThrow(/cannot be read/);
  });

  it('gives RL ten training problems for every prompt it draws, none of them test problems', () => {
    const world = { preset: 'easy', ranges: { numberMin: 1, numberMax: 35, targetMin: 10, targetMax: 99 } };
    // 40 steps x 8 prompts = 320 prompts: the 5,000 floor; 100 x 16 = 1,600: ten times that
    const small = parseConfig({ ...world, rl: { steps: 40, promptsPerStep: 8 }, eval: { problems: 400 } });
    const large = parseConfig({ ...world, rl: { steps: 100, promptsPerStep: 16 }, eval: { problems: 400 } });
    expect(rlPoolSize(small)).toBe(RL_POOL_MIN);
    expect(rlPoolSize(large)).toBe(16_000);
    expect(rlPoolSize(parseConfig({ rl: { steps: 10_000, promptsPerStep: 64 } }))).toBe(100_000);
    const pool = rlPool(large);
    expect(pool).toHaveLength(16_000);
    const keys = new Set(pool.map(problemKey));
    expect(keys.size).toBe(16_000);
    expect(testProblems(large).filter((p) => keys.has(problemKey(p)))).toEqual([]);
    // the miniature holds 689 training problems, whatever the run asks for
    expect(rlPool(parseConfig({ ...presetConfig('classroom'), rl: { steps: 250 } }))).toHaveLength(689);
  });
});
