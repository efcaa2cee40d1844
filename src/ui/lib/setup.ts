// The page's setup form and the experiment config it runs. The form shows the knobs a learner turns
// most; a config loaded from a share link, a preset or a Paper replication has more (problem
// ranges, PPO epochs, evaluation, ...). Pressing Train runs the loaded config with only the knobs
// the user changed since it was loaded written over it, so a link reproduces its run exactly.

import type { Condition } from '../../behaviors/types';
import type { PRESET_NAMES } from '../../countdown/problems';
import { parseConfig, testProblems, type ExperimentConfig, type ExperimentInput } from '../../lab/config';
import type { SIZE_NAMES } from '../../model/names';

export interface SetupForm {
  name: string;
  startKind: 'prime' | 'shipped' | 'imported';
  condition: Condition;
  examples: number;
  problems: number;
  primeEpochs: number;
  shipped: string;
  imported: string;
  size: (typeof SIZE_NAMES)[number];
  preset: (typeof PRESET_NAMES)[number];
  steps: number;
  promptsPerStep: number;
  samplesPerPrompt: number;
  lr: number;
  klCoef: number;
  advantage: 'gae' | 'group';
  maxNewTokens: number;
  rewardMode: 'strict' | 'tinyzero';
  seed: number;
  backend: 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';
}

/**
 * The form on a first visit: RL at once from the shipped all_strategies model (primed as the
 * replication primes), for the replication's 40 PPO steps. Priming one now is the Start from
 * choice away, with the knobs below (as the shipped models were primed).
 */
export const DEFAULT_FORM: SetupForm = {
  name: 'my run',
  startKind: 'shipped',
  condition: 'all_strategies',
  examples: 4000,
  problems: 200,
  primeEpochs: 6,
  shipped: 'all_strategies',
  imported: '',
  size: 'nano',
  preset: 'easy',
  steps: 40,
  promptsPerStep: 16,
  samplesPerPrompt: 4,
  lr: 3e-4,
  klCoef: 0.001,
  advantage: 'gae',
  maxNewTokens: 160,
  rewardMode: 'strict',
  seed: 0,
  backend: 'auto',
};

/** The page's evaluation when nothing else says: at the start and four times a run (every 10 of
 * the replication's 40 steps), on 100 held-out problems. */
const evalEvery = (steps: number) => Math.max(1, Math.round(steps / 4));

/** The form showing config `c`; knobs `c` cannot set (a custom size, say) keep their value in `form`. */
export function formFromConfig(c: ExperimentConfig, form: SetupForm): SetupForm {
  const next: SetupForm = {
    ...form,
    name: c.name,
    seed: c.seed,
    backend: c.backend,
    preset: c.preset,
    steps: c.rl.steps,
    promptsPerStep: c.rl.promptsPerStep,
    samplesPerPrompt: c.rl.samplesPerPrompt,
    lr: c.rl.lr,
    klCoef: c.rl.klCoef,
    advantage: c.rl.advantage,
    maxNewTokens: c.rl.maxNewTokens,
    rewardMode: c.rl.rewardMode,
  };
  if (typeof c.size === 'string') next.size = c.size;
  if (c.start.kind === 'prime') {
    next.startKind = 'prime';
    next.condition = c.start.condition;
    next.examples = c.start.examples;
    next.problems = c.start.problems ?? c.start.examples;
    next.primeEpochs = c.start.sft.epochs;
  } else if (c.start.kind === 'checkpoint') {
    const shipped = c.start.checkpoint.startsWith('shipped:');
    next.startKind = shipped ? 'shipped' : 'imported';
    if (shipped) next.shipped = c.start.checkpoint.slice('shipped:'.length);
    else next.imported = c.start.checkpoint;
  } else {
    // A start from scratch shows in the priming box (which says it does not prime).
    next.startKind = 'prime';
  }
  return next;
}

/** A loaded experiment, and the form as it stood right after loading it (what counts as edited). */
export interface Loaded {
  config: ExperimentConfig;
  form: SetupForm;
}

/** Load `config` into `form`: the form to show, and the pair that configFromForm runs. */
export function load(config: ExperimentConfig, form: SetupForm): Loaded {
  return { config, form: formFromConfig(config, form) };
}

/**
 * The experiment the form runs. Without a loaded config: the form's knobs and the page's defaults
 * (priming starts from the shipped base model when `hasBase`). With one: the loaded config, with
 * each knob the user changed since loading it written over it.
 */
export function configFromForm(form: SetupForm, loaded: Loaded | null, hasBase: boolean): ExperimentConfig {
  const was = loaded?.form;
  const edited = (...keys: (keyof SetupForm)[]) => !was || keys.some((k) => form[k] !== was[k]);
  const base: ExperimentInput = loaded
    ? structuredClone(loaded.config)
    : { eval: { every: evalEvery(form.steps), problems: 100 }, examplesPerStep: 4 };
  const loadedStart = loaded?.config.start;

  let start: ExperimentInput['start'] = loadedStart;
  const startEdited = edited(
    'startKind',
    'condition',
    'examples',
    'problems',
    'primeEpochs',
    'shipped',
    'imported',
  );
  if (loaded && !startEdited) {
    // as loaded, including what the form cannot show (a start from scratch)
  } else if (form.startKind === 'prime') {
    const from = loadedStart?.kind === 'prime' && !edited('startKind') ? loadedStart : null;
    start = {
      // Prime the shipped base model (it can already do arithmetic), as the replication does; the
      // terse traces suit a model this small.
      ...(from ?? { kind: 'prime', ...(hasBase ? { from: 'shipped:base', phrasing: 'terse' } : {}) }),
      condition: form.condition,
      examples: form.examples,
      // Left unset, priming draws from as many problems as examples (the number the form shows);
      // once either box changes, what the From problems box shows is what runs.
      ...(from && !edited('problems', 'examples') ? {} : { problems: form.problems }),
      sft: { ...from?.sft, epochs: form.primeEpochs },
    };
  } else if (loadedStart?.kind !== 'checkpoint' || edited('startKind', 'shipped', 'imported')) {
    start = {
      kind: 'checkpoint',
      checkpoint: form.startKind === 'shipped' ? `shipped:${form.shipped}` : form.imported,
    };
  }

  const input: ExperimentInput = { ...base, start };
  if (edited('name')) input.name = form.name || 'run';
  if (edited('seed')) input.seed = form.seed;
  if (edited('backend')) input.backend = form.backend;
  if (edited('size')) input.size = form.size;
  if (edited('preset')) {
    input.preset = form.preset;
    delete input.ranges; // they narrowed the loaded preset, not this one
  }
  const rl = { ...base.rl };
  for (const k of [
    'promptsPerStep',
    'samplesPerPrompt',
    'lr',
    'klCoef',
    'advantage',
    'maxNewTokens',
    'rewardMode',
  ] as const)
    if (edited(k)) Object.assign(rl, { [k]: form[k] });
  if (edited('steps')) {
    rl.steps = form.steps;
    // The same number of evaluations over the new length (none stays none).
    if (loaded && loaded.config.eval.every > 0)
      input.eval = { ...loaded.config.eval, every: evalEvery(form.steps) };
  }
  input.rl = rl;
  return parseConfig(input);
}

// Settings the form shows as knobs; hiddenSettings lists every other one that differs from what
// the page would run from the same knobs with nothing loaded.
const KNOB_PATHS = new Set([
  'name',
  'seed',
  'backend',
  'preset',
  'size',
  'start.kind',
  'start.condition',
  'start.examples',
  'start.problems',
  'start.sft.epochs',
  'start.checkpoint',
  'rl.steps',
  'rl.promptsPerStep',
  'rl.samplesPerPrompt',
  'rl.lr',
  'rl.klCoef',
  'rl.advantage',
  'rl.maxNewTokens',
  'rl.rewardMode',
]);
// ... and those described in words below.
const DESCRIBED =
  /^(ranges|size|start\.(from|phrasing)|rl\.(epochs|minibatches|clip)|eval\.(every|problems))(\.|$)/;

/** Leaves of a JSON value by dotted path. */
function leaves(x: unknown, path = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (x !== null && typeof x === 'object' && !Array.isArray(x))
    for (const [k, v] of Object.entries(x)) leaves(v, path ? `${path}.${k}` : k, out);
  else out.set(path, x);
  return out;
}

/**
 * What a config sets that the form has no knob for, in words, so that nothing a link or preset
 * loaded is hidden from the learner: the PPO epochs and evaluation always (every run has them), the
 * rest where it differs from `plain`, the config the same knobs give with nothing loaded.
 * `heldOut`: how many test problems the evaluation really has (fewer than asked in a small world).
 */
export function hiddenSettings(c: ExperimentConfig, plain?: ExperimentConfig, heldOut?: number): string[] {
  const out: string[] = [];
  const r = c.ranges;
  if (r) {
    const parts: string[] = [];
    if (r.counts) parts.push(`${r.counts.join(' or ')} numbers`);
    if (r.numberMin !== undefined || r.numberMax !== undefined)
      parts.push(`numbers ${r.numberMin ?? '…'}-${r.numberMax ?? '…'}`);
    if (r.targetMin !== undefined || r.targetMax !== undefined)
      parts.push(`targets ${r.targetMin ?? '…'}-${r.targetMax ?? '…'}`);
    if (r.testShare !== undefined) parts.push(`${Math.round(r.testShare * 100)}% held out`);
    out.push(`problems narrowed to ${parts.join(', ')}`);
  }
  if (c.start.kind === 'scratch') out.push('no priming: RL starts from a freshly initialized model');
  if (c.start.kind === 'prime') {
    if (c.start.from !== 'shipped:base')
      out.push(`priming starts from ${c.start.from ?? 'a freshly initialized model'}`);
    if (c.start.phrasing !== 'terse') out.push(`priming traces in ${c.start.phrasing} phrasing`);
  }
  if (typeof c.size === 'object')
    out.push(
      `a custom model: ${c.size.numLayers} layers, ${c.size.hiddenSize} wide, ${c.size.numHeads} heads`,
    );
  const rl = c.rl;
  out.push(
    `${rl.epochs} PPO epoch${rl.epochs === 1 ? '' : 's'} × ${rl.minibatches} minibatch${rl.minibatches === 1 ? '' : 'es'} per step, clip ${rl.clip}`,
  );
  const problems = Math.min(c.eval.problems, heldOut ?? c.eval.problems);
  out.push(
    c.eval.problems === 0
      ? 'no held-out evaluation'
      : `held-out evaluation ${c.eval.every === 0 ? 'at the start and end' : `every ${c.eval.every} step${c.eval.every === 1 ? '' : 's'}`} on ${problems} problems${problems < c.eval.problems ? ` (all the ranges hold; ${c.eval.problems} asked)` : ''}`,
  );
  if (plain) {
    const usual = leaves(plain);
    for (const [path, value] of leaves(c))
      if (!KNOB_PATHS.has(path) && !DESCRIBED.test(path) && usual.get(path) !== value)
        out.push(`${path} ${value === undefined ? 'unset' : JSON.stringify(value)}`);
  }
  return out;
}

// Held-out problem counts by problem space and size asked (generating them takes ~0.2 s).
const heldOutCounts = new Map<string, number>();

/** How many held-out problems the evaluation of `c` gets (the ranges may hold fewer than asked). */
export function heldOutCount(c: ExperimentConfig): number {
  if (c.eval.problems === 0) return 0;
  const key = JSON.stringify([c.preset, c.ranges ?? null, c.eval.problems]);
  let n = heldOutCounts.get(key);
  if (n === undefined) {
    // The count does not depend on the seed: a small space runs out whatever the order.
    n = testProblems(c).length;
    heldOutCounts.set(key, n);
  }
  return n;
}

/** The form once the page knows its shipped models: without the default's, it primes instead. */
export function withShippedDefault(form: SetupForm, shipped: readonly { name: string }[]): SetupForm {
  if (form.startKind !== 'shipped' || shipped.some((m) => m.name === form.shipped)) return form;
  return shipped.length ? { ...form, shipped: shipped[0].name } : { ...form, startKind: 'prime' };
}
