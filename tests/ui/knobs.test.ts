// The table of knobs: every PPO setting has one, each reads its default and limits from the config
// schemas, and the folded ones write over whatever experiment is loaded.
import { describe, expect, it } from 'vitest';
import { CONFIG_PRESETS, parseConfig, RlSchema } from '../../src/lab/config';
import {
  DEFAULT_FORM,
  KNOB_PATHS,
  KNOBS,
  getPath,
  initialOf,
  knobsIn,
  limitsOf,
  optionsOf,
  setPath,
  type KnobKey,
} from '../../src/ui/lib/knobs';
import { configFromForm, load } from '../../src/ui/lib/setup';

const keys = Object.keys(KNOBS) as KnobKey[];

describe('the table of knobs', () => {
  it('has a knob for every PPO setting, and no two knobs of a section share a path', () => {
    const rl = keys.map((k) => KNOBS[k].path).filter((p) => p.startsWith('rl.'));
    expect(new Set(rl)).toEqual(new Set(Object.keys(RlSchema.shape).map((f) => `rl.${f}`)));
    expect(rl).toHaveLength(Object.keys(RlSchema.shape).length);
  });

  it('every knob with a config path names a setting the schema fills in', () => {
    const c = parseConfig({});
    for (const k of keys) {
      if (['start.checkpoint', 'start.kind', 'start.problems'].includes(KNOBS[k].path)) continue;
      expect(getPath(c, KNOBS[k].path), k).not.toBeUndefined();
    }
  });

  it("reads defaults and limits from the schemas: the page's own first values only where it says so", () => {
    const defaults = RlSchema.parse({});
    expect(DEFAULT_FORM.promptsPerStep).toBe(defaults.promptsPerStep);
    expect(DEFAULT_FORM.lr).toBe(defaults.lr);
    // the replication's budget, not the schema's 50 steps of 160 tokens
    expect([DEFAULT_FORM.steps, DEFAULT_FORM.maxNewTokens]).toEqual([250, 256]);
    for (const k of knobsIn('advanced')) expect(initialOf(k), k).toBe(defaults[k]);
    expect(limitsOf('steps')).toEqual({ min: 0, max: 100_000, step: undefined });
    expect(limitsOf('lr')).toEqual({ min: 0, max: 1, step: 'any' });
    expect(limitsOf('gradClip')).toEqual({ min: 0, max: undefined, step: 'any' });
    expect(optionsOf('backend').map((o) => o.value)).toEqual(['auto', 'webgpu', 'webgl', 'wasm', 'cpu']);
    expect(optionsOf('advantage').map((o) => o.label)).toEqual(['gae (value head)', 'group baseline']);
    expect(optionsOf('size').map((o) => o.value)).toContain('nano');
  });

  it('the knobs on show are KNOB_PATHS; the folded ones are not', () => {
    expect(KNOB_PATHS.has('rl.steps')).toBe(true);
    expect(KNOB_PATHS.has('start.sft.epochs')).toBe(true);
    expect(KNOB_PATHS.has('rl.temperature')).toBe(false);
  });

  it('setPath makes the objects on the way and copies the ones it passes', () => {
    const inner = { b: 1 };
    const x: Record<string, unknown> = { a: inner };
    setPath(x, 'a.c', 2);
    setPath(x, 'd.e', 3);
    expect(x).toEqual({ a: { b: 1, c: 2 }, d: { e: 3 } });
    expect(inner).toEqual({ b: 1 });
  });
});

describe('the folded PPO settings', () => {
  it('write over a loaded experiment, and change nothing else', () => {
    const classroom = parseConfig(CONFIG_PRESETS.classroom.config);
    const loaded = load(classroom, DEFAULT_FORM);
    const c = configFromForm(loaded.form, loaded, true, { temperature: 0.7, normalizeAdvantages: false });
    expect(c).toEqual({
      ...classroom,
      rl: { ...classroom.rl, temperature: 0.7, normalizeAdvantages: false },
    });
  });

  it("write over the page's own experiment, and are refused out of range with the field named", () => {
    expect(configFromForm(DEFAULT_FORM, null, true, { minibatches: 4 }).rl.minibatches).toBe(4);
    expect(() => configFromForm(DEFAULT_FORM, null, true, { clip: 0 })).toThrow(/clip/);
  });
});
