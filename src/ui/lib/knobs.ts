// The page's knobs, one table: where each setting lives in the experiment config, its label, its
// place on the page and its tooltip. Defaults, limits and choices are read from the zod schemas of
// src/lab/config.ts; the form type, DEFAULT_FORM, KNOB_PATHS, both conversions (lib/setup.ts) and
// the markup (components/Knob.svelte) are made from this table, so a new knob is one entry here.

import { z } from 'zod';
import { ExperimentSchema, RlSchema, SftSchema, StartSchema } from '../../lab/config';
// The replication's default plan: the page starts where `habits-lab replicate` does.
import { DEFAULT_PLAN as PLAN } from '../../lab/replication';
import { HELP } from './help';

/** Where a knob stands: the starting-model box, the PPO box, or the folded "every PPO setting". */
export type Section = 'start' | 'ppo' | 'advanced';

export interface KnobSpec {
  /** The setting's dotted path in an ExperimentConfig. */
  path: string;
  /** Its schema (with the default the lab uses when a config leaves it out). */
  field: z.ZodType;
  label: string;
  section: Section;
  help: string;
  /** The page's first value where it differs from the schema's default (the replication's run). */
  initial?: unknown;
  /** Words for an enum's values, where the value alone says too little. */
  optionLabels?: Record<string, string>;
}

const PRIME = StartSchema.options[0]; // the 'prime' start: the priming knobs are its fields

// The page's own choice of starting model; the config says it as start.kind and start.checkpoint.
// A first visit starts RL at once from the shipped all_strategies model; priming is one choice away.
const START_KINDS = z.enum(['prime', 'shipped', 'imported']).default('shipped');

export const KNOBS = {
  // 1 · Starting model
  startKind: {
    path: 'start.kind',
    field: START_KINDS,
    label: 'Start from',
    section: 'start',
    help: HELP.start,
  },
  condition: {
    path: 'start.condition',
    field: PRIME.shape.condition,
    label: 'Priming condition',
    section: 'start',
    help: HELP.condition,
  },
  // The replication primed the shipped nano models on 16,000 traces of 200 problems for 8 epochs.
  examples: {
    path: 'start.examples',
    field: PRIME.shape.examples,
    label: 'Traces',
    section: 'start',
    help: HELP.examples,
    initial: PLAN.prime.examples,
  },
  problems: {
    path: 'start.problems',
    field: PRIME.shape.problems,
    label: 'From problems',
    section: 'start',
    help: HELP.problems,
    initial: PLAN.prime.problems,
  },
  primeEpochs: {
    path: 'start.sft.epochs',
    field: SftSchema.shape.epochs,
    label: 'Epochs',
    section: 'start',
    help: HELP.primeEpochs,
    initial: PLAN.prime.sft.epochs,
  },
  shipped: {
    path: 'start.checkpoint',
    field: z.string(),
    label: 'Model',
    section: 'start',
    help: '',
    initial: 'all_strategies',
  },
  imported: {
    path: 'start.checkpoint',
    field: z.string(),
    label: 'Model',
    section: 'start',
    help: '',
    initial: '',
  },
  size: {
    path: 'size',
    field: ExperimentSchema.shape.size,
    label: 'Model size',
    section: 'start',
    help: HELP.size,
  },
  preset: {
    path: 'preset',
    field: ExperimentSchema.shape.preset,
    label: 'Problems',
    section: 'start',
    help: HELP.preset,
  },

  // 2 · Reinforcement learning (PPO), in the order of the page's two columns
  steps: {
    path: 'rl.steps',
    field: RlSchema.shape.steps,
    label: 'Steps',
    section: 'ppo',
    help: HELP.steps,
    initial: PLAN.rl.steps, // the replication's budget
  },
  promptsPerStep: {
    path: 'rl.promptsPerStep',
    field: RlSchema.shape.promptsPerStep,
    label: 'Problems/step',
    section: 'ppo',
    help: HELP.promptsPerStep,
  },
  samplesPerPrompt: {
    path: 'rl.samplesPerPrompt',
    field: RlSchema.shape.samplesPerPrompt,
    label: 'Samples each',
    section: 'ppo',
    help: HELP.samplesPerPrompt,
  },
  maxNewTokens: {
    path: 'rl.maxNewTokens',
    field: RlSchema.shape.maxNewTokens,
    label: 'Token budget',
    section: 'ppo',
    help: HELP.maxNewTokens,
    initial: PLAN.rl.maxNewTokens,
  },
  lr: { path: 'rl.lr', field: RlSchema.shape.lr, label: 'Learning rate', section: 'ppo', help: HELP.lr },
  klCoef: {
    path: 'rl.klCoef',
    field: RlSchema.shape.klCoef,
    label: 'KL penalty',
    section: 'ppo',
    help: HELP.klCoef,
  },
  advantage: {
    path: 'rl.advantage',
    field: RlSchema.shape.advantage,
    label: 'Advantage',
    section: 'ppo',
    help: HELP.advantage,
    optionLabels: { gae: 'gae (value head)', group: 'group baseline' },
  },
  rewardMode: {
    path: 'rl.rewardMode',
    field: RlSchema.shape.rewardMode,
    label: 'Reward',
    section: 'ppo',
    help: HELP.rewardMode,
  },
  seed: { path: 'seed', field: ExperimentSchema.shape.seed, label: 'Seed', section: 'ppo', help: HELP.seed },
  backend: {
    path: 'backend',
    field: ExperimentSchema.shape.backend,
    label: 'Backend',
    section: 'ppo',
    help: HELP.backend,
  },
  name: {
    path: 'name',
    field: ExperimentSchema.shape.name,
    label: 'Run name',
    section: 'ppo',
    help: '',
    initial: 'my run',
  },

  // Every other PPO setting (the rest of RlSchema), folded under "every PPO setting"
  temperature: {
    path: 'rl.temperature',
    field: RlSchema.shape.temperature,
    label: 'Temperature',
    section: 'advanced',
    help: HELP.temperature,
  },
  klEstimator: {
    path: 'rl.klEstimator',
    field: RlSchema.shape.klEstimator,
    label: 'KL estimator',
    section: 'advanced',
    help: HELP.klEstimator,
  },
  gamma: {
    path: 'rl.gamma',
    field: RlSchema.shape.gamma,
    label: 'Gamma',
    section: 'advanced',
    help: HELP.gamma,
  },
  lambda: {
    path: 'rl.lambda',
    field: RlSchema.shape.lambda,
    label: 'Lambda',
    section: 'advanced',
    help: HELP.lambda,
  },
  normalizeAdvantages: {
    path: 'rl.normalizeAdvantages',
    field: RlSchema.shape.normalizeAdvantages,
    label: 'Whiten advantages',
    section: 'advanced',
    help: HELP.normalizeAdvantages,
  },
  clip: { path: 'rl.clip', field: RlSchema.shape.clip, label: 'Clip', section: 'advanced', help: HELP.clip },
  valueClip: {
    path: 'rl.valueClip',
    field: RlSchema.shape.valueClip,
    label: 'Value clip',
    section: 'advanced',
    help: HELP.valueClip,
  },
  valueCoef: {
    path: 'rl.valueCoef',
    field: RlSchema.shape.valueCoef,
    label: 'Value loss weight',
    section: 'advanced',
    help: HELP.valueCoef,
  },
  entropyCoef: {
    path: 'rl.entropyCoef',
    field: RlSchema.shape.entropyCoef,
    label: 'Entropy bonus',
    section: 'advanced',
    help: HELP.entropyCoef,
  },
  gradClip: {
    path: 'rl.gradClip',
    field: RlSchema.shape.gradClip,
    label: 'Gradient clip',
    section: 'advanced',
    help: HELP.gradClip,
  },
  rolloutEngine: {
    path: 'rl.rolloutEngine',
    field: RlSchema.shape.rolloutEngine,
    label: 'Rollout engine',
    section: 'advanced',
    help: HELP.rolloutEngine,
  },
  epochs: {
    path: 'rl.epochs',
    field: RlSchema.shape.epochs,
    label: 'PPO epochs',
    section: 'advanced',
    help: HELP.epochs,
  },
  minibatches: {
    path: 'rl.minibatches',
    field: RlSchema.shape.minibatches,
    label: 'Minibatches',
    section: 'advanced',
    help: HELP.minibatches,
  },
  formatScore: {
    path: 'rl.formatScore',
    field: RlSchema.shape.formatScore,
    label: 'Format score',
    section: 'advanced',
    help: HELP.formatScore,
  },
} satisfies Record<string, KnobSpec>;

export type KnobKey = keyof typeof KNOBS;
type Value<K extends KnobKey> = NonNullable<z.output<(typeof KNOBS)[K]['field']>>;
type KeysIn<S extends Section> = {
  [K in KnobKey]: (typeof KNOBS)[K]['section'] extends S ? K : never;
}[KnobKey];

/** The knobs always on the page; their values, one per knob. */
export type FormKey = KeysIn<'start' | 'ppo'>;
/** The folded PPO settings; their values are what the form writes over the experiment's. */
export type AdvancedKey = KeysIn<'advanced'>;
// A size on the page is one of the named sizes (a custom one comes only from a loaded config).
export type SetupForm = { [K in FormKey]: K extends 'size' ? Extract<Value<K>, string> : Value<K> };
export type AdvancedSettings = Partial<{ [K in AdvancedKey]: Value<K> }>;

export const knob = (key: KnobKey): KnobSpec => KNOBS[key];
/** The knobs of one section, in the table's order. */
export const knobsIn = <S extends Section>(section: S): KeysIn<S>[] =>
  (Object.keys(KNOBS) as KnobKey[]).filter((k): k is KeysIn<S> => KNOBS[k].section === section);

/** The schema under any default, optional or union wrapper: the one that says the kind of value. */
function core(field: z.ZodType): z.ZodType {
  if (field instanceof z.ZodDefault || field instanceof z.ZodOptional)
    return core(field.unwrap() as z.ZodType);
  if (field instanceof z.ZodUnion) return core(field.options[0] as z.ZodType);
  return field;
}

/** A knob's first value: the page's where it has one, else the schema's default. */
export function initialOf(key: KnobKey): unknown {
  const k: KnobSpec = KNOBS[key];
  if ('initial' in k) return k.initial;
  return k.field.parse(undefined);
}

export type Kind = 'number' | 'enum' | 'boolean' | 'text';
export const kindOf = (key: KnobKey): Kind => {
  const c = core(KNOBS[key].field);
  return c instanceof z.ZodNumber
    ? 'number'
    : c instanceof z.ZodEnum
      ? 'enum'
      : c instanceof z.ZodBoolean
        ? 'boolean'
        : 'text';
};

/** A numeric knob's box limits, from its schema. */
export function limitsOf(key: KnobKey): { min?: number; max?: number; step?: 'any' } {
  const c = core(KNOBS[key].field);
  if (!(c instanceof z.ZodNumber)) return {};
  const finite = (x: number | null) => (x !== null && Number.isFinite(x) ? x : undefined);
  return { min: finite(c.minValue), max: finite(c.maxValue), step: c.isInt ? undefined : 'any' };
}

/** A text knob's longest value, from its schema. */
export function maxLengthOf(key: KnobKey): number | undefined {
  const c = core(KNOBS[key].field);
  return c instanceof z.ZodString && c.maxLength !== null ? c.maxLength : undefined;
}

/** An enum knob's choices, from its schema, with their words. */
export function optionsOf(key: KnobKey): { value: string; label: string }[] {
  const c = core(KNOBS[key].field);
  if (!(c instanceof z.ZodEnum)) return [];
  const words: Record<string, string> = (KNOBS[key] as KnobSpec).optionLabels ?? {};
  return (c.options as string[]).map((value) => ({ value, label: words[value] ?? value }));
}

/** The knobs always on the page, the setup form's fields. */
export const FORM_KEYS: FormKey[] = [...knobsIn('start'), ...knobsIn('ppo')];

/** The form on a first visit: the shipped all_strategies model, then the replication's PPO steps and token budget. */
export const DEFAULT_FORM = Object.fromEntries(FORM_KEYS.map((k) => [k, initialOf(k)])) as SetupForm;

/** Settings the page shows as knobs (the folded ones are listed beside the form when set). */
export const KNOB_PATHS = new Set(
  (Object.keys(KNOBS) as KnobKey[]).filter((k) => KNOBS[k].section !== 'advanced').map((k) => KNOBS[k].path),
);

/** The value at a dotted path of a plain object (undefined where the path stops). */
export function getPath(x: unknown, path: string): unknown {
  let v = x;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** Set a dotted path of a plain object, making the objects on the way. */
export function setPath(x: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let o = x;
  for (const part of parts.slice(0, -1)) {
    const next = o[part];
    o = o[part] = next !== null && typeof next === 'object' ? { ...(next as object) } : {};
  }
  o[parts[parts.length - 1]] = value;
}
