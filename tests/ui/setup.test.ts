// The page's setup form and the config it runs: a loaded experiment (share link, preset, Paper
// replication) must run exactly as loaded, and a knob the user turns afterwards must change that
// setting and nothing else.
import { describe, expect, it } from 'vitest';
import {
  CONFIG_PRESETS,
  parseConfig,
  type ExperimentConfig,
  type ExperimentInput,
} from '../../src/lab/config';
import { MINIATURE, parseReplication, replicationRunConfig } from '../../src/lab/replication';
import {
  DEFAULT_FORM,
  configFromForm,
  heldOutCount,
  hiddenSettings,
  load,
  withShippedDefault,
  type SetupForm,
} from '../../src/ui/lib/setup';

/** The default form with Start from "prime a model now". */
const PRIMING: SetupForm = { ...DEFAULT_FORM, startKind: 'prime' };

/** What Train runs right after `c` was loaded into a form that held `form`. */
const loadedThenTrain = (c: ExperimentConfig, form: SetupForm = DEFAULT_FORM, hasBase = true) => {
  const loaded = load(c, form);
  return configFromForm(loaded.form, loaded, hasBase);
};

/** Load `c`, turn some knobs, and return what Train runs. */
const edit = (c: ExperimentConfig, knobs: Partial<SetupForm>) => {
  const loaded = load(c, DEFAULT_FORM);
  return configFromForm({ ...loaded.form, ...knobs }, loaded, true);
};

const LINK: ExperimentInput = {
  name: 'a shared run',
  seed: 3,
  backend: 'wasm',
  preset: 'easy',
  ranges: { numberMin: 1, numberMax: 6, targetMin: 10, targetMax: 20 },
  start: { kind: 'prime', condition: 'only_backtracking', examples: 256, sft: { epochs: 4, lr: 1e-3 } },
  rl: { steps: 40, promptsPerStep: 4, samplesPerPrompt: 2, maxNewTokens: 96, epochs: 3, clip: 0.1 },
  eval: { every: 4, problems: 0, greedy: false },
  examplesPerStep: 2,
  checkpointEvery: 5,
};

describe('a loaded experiment runs exactly as loaded', () => {
  const plan = parseReplication({});
  const cases: [string, ExperimentConfig][] = [
    ...Object.entries(CONFIG_PRESETS).map(
      ([n, p]) => [`preset ${n}`, parseConfig(p.config)] as [string, ExperimentConfig],
    ),
    ['a share link', parseConfig(LINK)],
    [
      'a custom model size',
      parseConfig({ ...LINK, size: { hiddenSize: 48, numLayers: 3, numHeads: 4, intermediateSize: 96 } }),
    ],
    ['a start from scratch', parseConfig({ ...LINK, start: { kind: 'scratch' } })],
    ['an imported checkpoint', parseConfig({ ...LINK, start: { kind: 'checkpoint', checkpoint: 'imp-7' } })],
    ['a Paper replication run', parseConfig(replicationRunConfig(plan, 'dots', 2, 'shipped:dots'))],
  ];
  for (const [what, c] of cases)
    it(`${what}, whatever the form held before`, () => {
      expect(loadedThenTrain(c)).toEqual(c);
      const other: SetupForm = {
        ...DEFAULT_FORM,
        startKind: 'shipped',
        shipped: 'dots',
        size: 'micro',
        lr: 0.5,
      };
      expect(loadedThenTrain(c, other, false)).toEqual(c);
    });
});

describe('a knob turned after loading changes that setting only', () => {
  const classroom = parseConfig(CONFIG_PRESETS.classroom.config);
  const link = parseConfig(LINK);

  it('the learning rate: the preset keeps its ranges, PPO epochs and evaluation', () => {
    const c = edit(classroom, { lr: 1e-3 });
    expect(c).toEqual({ ...classroom, rl: { ...classroom.rl, lr: 1e-3 } });
    expect(c.ranges).toEqual(MINIATURE.ranges);
    expect(c.eval).toEqual(classroom.eval);
  });

  it('the problem preset: the ranges that narrowed the old one go', () => {
    const c = edit(classroom, { preset: 'paper' });
    expect(c.preset).toBe('paper');
    expect(c.ranges).toBeUndefined();
    expect({ ...c, preset: 'easy', ranges: classroom.ranges }).toEqual(classroom);
  });

  it('the steps: evaluation four times a run, on as many problems as before', () => {
    const c = edit(classroom, { steps: 120 });
    expect(c.rl.steps).toBe(120);
    expect(c.eval).toEqual({ ...classroom.eval, every: 30 }); // 120 / 4
    expect(edit(classroom, { steps: 3 }).eval.every).toBe(1); // never 0 (which would mean never)
  });

  it('the priming traces: the rest of the priming (its learning rate, say) stays', () => {
    const c = edit(link, { examples: 512, condition: 'dots', primeEpochs: 2 });
    const primed = link.start as Extract<ExperimentConfig['start'], { kind: 'prime' }>;
    expect(c.start).toEqual({
      ...primed,
      examples: 512,
      problems: 256,
      condition: 'dots',
      sft: { ...primed.sft, epochs: 2 },
    });
    expect(c.start.kind === 'prime' && c.start.sft.lr).toBe(1e-3);
    // Unset, priming draws from as many problems as examples; the form shows that number (256),
    // and once Traces changes, what the From problems box shows is what runs.
    expect(c.start.kind === 'prime' && c.start.problems).toBe(256);
    const d = edit(link, { problems: 100 });
    expect(d.start.kind === 'prime' && d.start.problems).toBe(100);
  });

  it('the starting model: a shipped checkpoint instead of priming, and back', () => {
    expect(edit(link, { startKind: 'shipped', shipped: 'incorrect' }).start).toEqual({
      kind: 'checkpoint',
      checkpoint: 'shipped:incorrect',
    });
    // From the classroom's shipped model to priming: the page's priming of the shipped base model.
    expect(edit(classroom, { startKind: 'prime' }).start).toEqual(configFromForm(PRIMING, null, true).start);
  });

  it('knobs the loaded config could not show (a custom size, a start from scratch) still count when turned', () => {
    const custom = parseConfig({
      ...LINK,
      size: { hiddenSize: 48, numLayers: 3, numHeads: 4, intermediateSize: 96 },
    });
    expect(edit(custom, { size: 'micro' }).size).toBe('micro');
    const scratch = parseConfig({ ...LINK, start: { kind: 'scratch' } });
    expect(edit(scratch, { startKind: 'shipped', shipped: 'dots' }).start).toEqual({
      kind: 'checkpoint',
      checkpoint: 'shipped:dots',
    });
    expect(edit(scratch, { condition: 'dots' }).start).toMatchObject({ kind: 'prime', condition: 'dots' });
  });

  it('the steps of an experiment without periodic evaluation: still none', () => {
    const once = parseConfig({ ...LINK, eval: { every: 0, problems: 8 } });
    expect(edit(once, { steps: 12 }).eval.every).toBe(0);
  });

  it('name, seed, backend and size', () => {
    const c = edit(link, { name: 'mine', seed: 9, backend: 'cpu', size: 'micro' });
    expect(c).toEqual({ ...link, name: 'mine', seed: 9, backend: 'cpu', size: 'micro' });
  });
});

describe('with nothing loaded, the form and the page defaults', () => {
  it('starts RL at once from the shipped all_strategies model', () => {
    const c = configFromForm(DEFAULT_FORM, null, true);
    expect(c.start).toEqual({ kind: 'checkpoint', checkpoint: 'shipped:all_strategies' });
    // the replication's budget: 250 steps of up to 256 tokens
    expect(c.rl).toMatchObject({ steps: 250, maxNewTokens: 256 });
  });

  it('without that shipped model, the first shipped one, or priming when none is installed', () => {
    expect(withShippedDefault(DEFAULT_FORM, [{ name: 'all_strategies' }])).toBe(DEFAULT_FORM);
    expect(withShippedDefault(DEFAULT_FORM, [{ name: 'dots' }]).shipped).toBe('dots');
    expect(withShippedDefault(DEFAULT_FORM, []).startKind).toBe('prime');
    expect(withShippedDefault(PRIMING, [])).toBe(PRIMING);
  });

  it('primes the shipped base model as the shipped models were primed, then PPO as the replication runs it', () => {
    const c = configFromForm(PRIMING, null, true);
    expect(c.start).toMatchObject({
      kind: 'prime',
      condition: 'all_strategies',
      examples: 16000,
      problems: 200,
      from: 'shipped:base',
      phrasing: 'terse',
      giveUp: 0.7,
      giveUpOnce: true,
      checkShare: 0.6,
      searchedIncorrect: true,
      incorrectMisread: true,
    });
    expect(c.start.kind === 'prime' && c.start.sft).toMatchObject({ epochs: 8, cooldown: 0.25 });
    // only_backtracking's search, written without verification, gives up less (item 54)
    const ob = configFromForm({ ...PRIMING, condition: 'only_backtracking' }, null, true);
    expect(ob.start).toMatchObject({ condition: 'only_backtracking', giveUp: 0.5 });
    expect(c.rl).toMatchObject({
      steps: 250,
      promptsPerStep: 16,
      samplesPerPrompt: 4,
      lr: 3e-4,
      maxNewTokens: 256,
      epochs: 1,
      minibatches: 2,
    });
    expect(c.eval).toMatchObject({ every: 63, problems: 100 });
    // the replication's world, where the shipped models were primed and profiled
    expect(c.ranges).toEqual({ numberMin: 1, numberMax: 9, targetMin: 10, targetMax: 30 });
    expect(configFromForm({ ...PRIMING, preset: 'paper' }, null, true).ranges).toBeUndefined();
    expect(c.examplesPerStep).toBe(4);
  });

  it('without a base model, primes a fresh one in the default phrasing', () => {
    const c = configFromForm(PRIMING, null, false);
    expect(c.start.kind === 'prime' && [c.start.from, c.start.phrasing]).toEqual([undefined, 'varied']);
    // and plain traces: the give-up-once design and the cooldown belong to the shipped base's primings
    expect(
      c.start.kind === 'prime' && [
        c.start.giveUp,
        c.start.giveUpOnce,
        c.start.checkShare,
        c.start.searchedIncorrect,
        c.start.incorrectMisread,
        c.start.sft.cooldown,
      ],
    ).toEqual([0, false, 0, false, false, 0]);
  });

  it('a form out of range is refused with the field named', () => {
    expect(() => configFromForm({ ...DEFAULT_FORM, promptsPerStep: 0 }, null, true)).toThrow(
      /promptsPerStep/,
    );
  });
});

describe('what the form has no knob for is spelled out', () => {
  it("the classroom preset: the replication's world, PPO epochs and evaluation, on all 80 of its test problems", () => {
    const classroom = parseConfig(CONFIG_PRESETS.classroom.config);
    expect(classroom.ranges).toEqual(MINIATURE.ranges);
    expect(heldOutCount(classroom)).toBe(80);
    expect(hiddenSettings(classroom, undefined, heldOutCount(classroom))).toEqual([
      'problems narrowed to numbers 1-9, targets 10-30',
      '1 PPO epoch × 2 minibatches per step, clip 0.2',
      'held-out evaluation every 25 steps on 80 problems',
    ]);
  });

  it('every other setting a link changes is listed by name, against the same knobs with nothing loaded', () => {
    const c = parseConfig({
      ...LINK,
      rl: { ...LINK.rl, temperature: 0.7, entropyCoef: 0.05 },
      eval: { every: 4, problems: 8, greedy: false, seed: 5 },
    });
    const loaded = load(c, DEFAULT_FORM);
    const plain = configFromForm(loaded.form, null, true);
    // The link primes with plain traces; the page would prime as the shipped models were.
    expect(hiddenSettings(c, plain, 8).slice(5)).toEqual([
      'start.giveUp 0',
      'start.giveUpOnce false',
      'start.searchedIncorrect false',
      'start.incorrectMisread false',
      'start.checkShare 0',
      'start.sft.lr 0.001',
      'start.sft.cooldown 0',
      'rl.temperature 0.7',
      'rl.entropyCoef 0.05',
      'eval.greedy false',
      'eval.seed 5',
      'checkpointEvery 5',
      'examplesPerStep 2',
    ]);
    // Nothing loaded: nothing beyond the world, PPO and evaluation lines.
    expect(hiddenSettings(plain, plain)).toHaveLength(3);
  });

  it('a link with a custom model and no evaluation', () => {
    const c = parseConfig({
      ...LINK,
      size: { hiddenSize: 48, numLayers: 3, numHeads: 4, intermediateSize: 96 },
    });
    expect(hiddenSettings(c)).toEqual([
      'problems narrowed to numbers 1-6, targets 10-20',
      'priming starts from a freshly initialized model',
      'priming traces in varied phrasing',
      'a custom model: 3 layers, 48 wide, 4 heads',
      '3 PPO epochs × 2 minibatches per step, clip 0.1',
      'no held-out evaluation',
    ]);
    expect(hiddenSettings(parseConfig({ ...LINK, eval: { every: 0, problems: 8 } }))).toContain(
      'held-out evaluation at the start and end on 8 problems',
    );
  });

  it("a start from scratch, and the page's own priming (nothing beyond the knobs but PPO and evaluation)", () => {
    expect(hiddenSettings(parseConfig({ ...LINK, ranges: undefined, start: { kind: 'scratch' } }))[0]).toBe(
      'no priming: RL starts from a freshly initialized model',
    );
    const first = configFromForm(DEFAULT_FORM, null, true);
    expect(hiddenSettings(first, undefined, heldOutCount(first))).toEqual([
      'problems narrowed to numbers 1-9, targets 10-30',
      '1 PPO epoch × 2 minibatches per step, clip 0.2',
      'held-out evaluation every 63 steps on 80 problems (all the ranges hold; 100 asked)',
    ]);
  });
});
