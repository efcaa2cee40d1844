// The page's setup form (its knobs: lib/knobs.ts) and the experiment config it runs. A config
// loaded from a share link, a preset or a Paper replication has more than the knobs (problem
// ranges, evaluation, ...). Pressing Train runs the loaded config with only the knobs the user
// changed since it was loaded written over it, so a link reproduces its run exactly; the folded
// PPO settings the user set (AdvancedSettings) are written over it too.

import { parseConfig, testProblems, type ExperimentConfig, type ExperimentInput } from '../../lab/config';
import { DEFAULT_PLAN as PLAN, primeTraceOptions } from '../../lab/replication';
import { changedTraceOptions } from '../../lab/trace-options';
import type { Condition } from '../../behaviors';
import { BASE_REF, shippedName, shippedRef } from '../../model/checkpoint-ref';
import {
  DEFAULT_FORM,
  KNOB_PATHS,
  FORM_KEYS,
  KNOBS,
  getPath,
  setPath,
  type AdvancedSettings,
  type SetupForm,
} from './knobs';

export { DEFAULT_FORM, type AdvancedSettings, type SetupForm };

// The knobs of the starting model, read and written together below (a start has several kinds);
// every other knob is its config path's value.
const START_KEYS = FORM_KEYS.filter((k) => KNOBS[k].path.startsWith('start.'));
const PLAIN_KEYS = FORM_KEYS.filter((k) => !START_KEYS.includes(k));

/**
 * A priming of the shipped base model (it can already do arithmetic) as the replication primes:
 * every trace option the plan sets otherwise than the trace writer (terse traces that give up at
 * most once, the unverified searches less often: primeGiveUp; only_backtracking's checks spoken now
 * and then; incorrect's misread hits), and a cooldown at the end of priming.
 */
const shippedPriming = (condition: Condition) => ({
  from: BASE_REF,
  ...changedTraceOptions(primeTraceOptions(PLAN, condition)),
  sft: { cooldown: PLAN.prime.sft.cooldown },
});

/** The page's evaluation when nothing else says: at the start and four times a run, on 100
 * held-out problems. */
const evalEvery = (steps: number) => Math.max(1, Math.round(steps / 4));

/** The form showing config `c`; knobs `c` cannot set (a custom size, say) keep their value in `form`. */
export function formFromConfig(c: ExperimentConfig, form: SetupForm): SetupForm {
  const next: Record<string, unknown> = { ...form };
  for (const k of PLAIN_KEYS) {
    const v = getPath(c, KNOBS[k].path);
    if (typeof v === typeof form[k]) next[k] = v;
  }
  if (c.start.kind === 'prime') {
    next.startKind = 'prime';
    next.condition = c.start.condition;
    next.examples = c.start.examples;
    next.problems = c.start.problems ?? c.start.examples;
    next.primeEpochs = c.start.sft.epochs;
  } else if (c.start.kind === 'checkpoint') {
    const shipped = shippedName(c.start.checkpoint);
    next.startKind = shipped === null ? 'imported' : 'shipped';
    if (shipped !== null) next.shipped = shipped;
    else next.imported = c.start.checkpoint;
  } else {
    // A start from scratch shows in the priming box (which says it does not prime).
    next.startKind = 'prime';
  }
  return next as SetupForm;
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
export function configFromForm(
  form: SetupForm,
  loaded: Loaded | null,
  hasBase: boolean,
  advanced: AdvancedSettings = {},
): ExperimentConfig {
  const was = loaded?.form;
  const edited = (...keys: (keyof SetupForm)[]) => !was || keys.some((k) => form[k] !== was[k]);
  const base: ExperimentInput = loaded
    ? structuredClone(loaded.config)
    : { eval: { every: evalEvery(form.steps), problems: 100 }, examplesPerStep: 4 };
  const loadedStart = loaded?.config.start;

  let start: ExperimentInput['start'] = loadedStart;
  const startEdited = edited(...START_KEYS);
  if (loaded && !startEdited) {
    // as loaded, including what the form cannot show (a start from scratch)
  } else if (form.startKind === 'prime') {
    const from = loadedStart?.kind === 'prime' && !edited('startKind') ? loadedStart : null;
    const prior = from ?? { kind: 'prime' as const, ...(hasBase ? shippedPriming(form.condition) : {}) };
    start = {
      ...prior,
      condition: form.condition,
      examples: form.examples,
      // Left unset, priming draws from as many problems as examples (the number the form shows);
      // once either box changes, what the From problems box shows is what runs.
      ...(from && !edited('problems', 'examples') ? {} : { problems: form.problems }),
      sft: { ...prior.sft, epochs: form.primeEpochs },
    };
  } else if (loadedStart?.kind !== 'checkpoint' || edited('startKind', 'shipped', 'imported')) {
    start = {
      kind: 'checkpoint',
      checkpoint: form.startKind === 'shipped' ? shippedRef(form.shipped) : form.imported,
    };
  }

  const input: ExperimentInput = { ...base, start };
  const set = (path: string, v: unknown) => setPath(input as Record<string, unknown>, path, v);
  for (const k of PLAIN_KEYS) if (edited(k)) set(KNOBS[k].path, form[k]);
  if (edited('name')) input.name = form.name || 'run';
  if (edited('preset')) delete input.ranges; // they narrowed the loaded preset, not this one
  // With nothing loaded, the replication's preset means its world, the one the shipped models were
  // primed on and profiled in (numbers 1-9, targets 10-30).
  if (!loaded && form.preset === PLAN.preset && PLAN.ranges) input.ranges = { ...PLAN.ranges };
  // The same number of evaluations over a new length (none stays none).
  if (edited('steps') && loaded && loaded.config.eval.every > 0)
    input.eval = { ...loaded.config.eval, every: evalEvery(form.steps) };
  // The folded settings the user set write over the experiment's, whatever was loaded.
  for (const [k, v] of Object.entries(advanced)) set(KNOBS[k as keyof AdvancedSettings].path, v);
  return parseConfig(input);
}

// hiddenSettings lists every setting beyond the knobs (KNOB_PATHS) that differs from what the
// page would run from the same knobs with nothing loaded, but those described in words below.
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
    if (c.start.from !== BASE_REF)
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
