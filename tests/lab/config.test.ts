import { describe, expect, it } from 'vitest';
import {
  CONFIG_PRESETS,
  configFromFragment,
  configToFragment,
  parseConfig,
  presetConfig,
  withOverrides,
} from '../../src/lab';

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

  it('has the smoke and classroom presets, and merges overrides', () => {
    expect(Object.keys(CONFIG_PRESETS)).toEqual(expect.arrayContaining(['smoke', 'classroom']));
    const c = withOverrides(presetConfig('smoke'), { rl: { steps: 7 }, start: { condition: 'empty_cot' } });
    expect(c.rl.steps).toBe(7);
    expect(c.rl.promptsPerStep).toBe(presetConfig('smoke').rl.promptsPerStep);
    expect(c.start).toMatchObject({ kind: 'prime', condition: 'empty_cot' });
    expect(() => presetConfig('huge')).toThrow(/unknown preset "huge"/);
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
});
