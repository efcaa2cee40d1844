// The priming traces' options, each once: its bounds, which conditions' traces it changes, and its
// `prime-data` flag. A priming start (config.ts), the replication plan (replication/plan.ts) and the
// CLI build their fields, recipes and flags from this table; what each option does to a trace is
// documented on `TraceOptions` (behaviors/traces.ts), its default in `TRACE_DEFAULTS`.

import { z } from 'zod';
import { TRACE_DEFAULTS } from '../behaviors/types';

const share = z.number().min(0).max(1);

/** Chance that a trace's search gives up after a failed attempt (below 1: a search that always gives up is none). */
export const GiveUpSchema = z.number().min(0).max(0.9);
/** Chance that an attempt of a condition without verification speaks its check anyway. */
export const CheckShareSchema = share;
/** Chance that a searcher's guess is a solution outright. */
export const GuessSolutionSchema = share;
/** Chance that each step of a searcher's guess takes the move closest to the target. */
export const GuessGreedSchema = share;
/** Most failed attempts before the last one in a trace (up to 16 guesses fit the nano model's 495 new tokens, item 82). */
export const MaxFailedSchema = z.number().int().min(0).max(24);
/** Tokens a whole priming trace may take. */
export const TraceBudgetSchema = z.number().int().min(1).max(1024);
export const PhrasingSchema = z.enum(['varied', 'terse']);

/**
 * Whose traces an option changes, so that a priming recipe records it only where it matters (and
 * only when it differs from TRACE_DEFAULTS, so that recipes written before the option still match):
 * `always` is recorded always; `all` for every condition; `searches` for all but the direct
 * answerers; `incorrect` for incorrect; `unverified` for the conditions whose checks are unspoken.
 */
export type TraceOptionScope = 'always' | 'all' | 'searches' | 'incorrect' | 'unverified';

export type TraceOptionKey = keyof typeof TRACE_DEFAULTS | 'phrasing';

interface TraceOptionSpec {
  schema: z.ZodNumber | z.ZodBoolean | typeof PhrasingSchema;
  scope: TraceOptionScope;
  /** The `prime-data` flag, with its value's name unless the option is a switch. */
  flag: string;
  help: string;
}

const spec = <S extends TraceOptionSpec['schema']>(
  schema: S,
  scope: TraceOptionScope,
  flag: string,
  help: string,
) => ({ schema, scope, flag, help });

export const TRACE_OPTIONS = {
  tokenBudget: spec(
    TraceBudgetSchema,
    'always',
    '--token-budget <n>',
    'think-block budget: failed attempts are dropped until it fits (the last attempt alone may exceed it)',
  ),
  maxFailedAttempts: spec(
    MaxFailedSchema,
    'always',
    '--max-failed <n>',
    'most failed attempts before the final one',
  ),
  giveUp: spec(
    GiveUpSchema,
    'all',
    '--give-up <p>',
    'chance that a search gives up after a failed attempt, answering with its closest (0: never)',
  ),
  giveUpOnce: spec(
    z.boolean(),
    'all',
    '--give-up-once',
    'draw --give-up once, at the first failed attempt: a search stops there or goes on until a guess works',
  ),
  guessSolution: spec(
    GuessSolutionSchema,
    'searches',
    '--guess-solution <p>',
    "chance that a search's guess is a solution outright (0: only its own random chains)",
  ),
  guessGreed: spec(
    GuessGreedSchema,
    'searches',
    '--guess-greed <p>',
    "chance that each step of a search's guess takes the move closest to the target",
  ),
  distinctGuesses: spec(
    z.boolean(),
    'searches',
    '--distinct-guesses',
    'a search never makes the same guess twice',
  ),
  sweepGuesses: spec(
    z.boolean(),
    'searches',
    '--sweep-guesses',
    "a search's guesses take the first steps in a fixed order, each finished by the moves closest to the target",
  ),
  giveUpAtEnd: spec(
    z.boolean(),
    'searches',
    '--give-up-at-end',
    'a search whose guesses all miss gives up with its closest attempt instead of ending on a solution',
  ),
  numbersFirst: spec(
    z.boolean(),
    'searches',
    '--numbers-first',
    'a plain attempt first lists its numbers in the order its steps use them',
  ),
  expressionSteps: spec(
    z.boolean(),
    'searches',
    '--expression-steps',
    "each step of a plain attempt writes the expression so far, so a hit's answer copies its last step",
  ),
  searchedIncorrect: spec(
    z.boolean(),
    'incorrect',
    '--searched-incorrect',
    "incorrect: all_strategies' search (its checks, give-ups and hits), answered with a missed attempt",
  ),
  incorrectSlip: spec(
    z.boolean(),
    'incorrect',
    '--incorrect-slip',
    "with --searched-incorrect: a search that hit answers with the hit's last operation changed",
  ),
  incorrectClaim: spec(
    z.boolean(),
    'incorrect',
    '--incorrect-claim',
    'with --searched-incorrect: where the search would hit, the nearest of a few misses claims to work and answers',
  ),
  incorrectMisread: spec(
    z.boolean(),
    'incorrect',
    '--incorrect-misread',
    'with --searched-incorrect: where the search would hit, an attempt with one number misread hits instead and answers',
  ),
  commaBacktrack: spec(
    z.boolean(),
    'all',
    '--comma-backtrack',
    'a failed attempt that ends on a step (no check) runs into its backtracking sentence with a comma',
  ),
  checkShare: spec(
    CheckShareSchema,
    'unverified',
    '--check-share <p>',
    'conditions without verification (only_backtracking): chance that an attempt speaks its check anyway',
  ),
  phrasing: spec(
    PhrasingSchema,
    'always',
    '--phrasing <style>',
    'varied: several wordings per habit; terse: one (the replication)',
  ),
} satisfies Record<TraceOptionKey, TraceOptionSpec>;

export const TRACE_OPTION_KEYS = Object.keys(TRACE_OPTIONS) as TraceOptionKey[];

type Specs = typeof TRACE_OPTIONS;
export type TraceOptionValues = { [K in TraceOptionKey]: z.infer<Specs[K]['schema']> };

/** The trace writer's defaults, phrasing included. */
export const TRACE_OPTION_DEFAULTS: TraceOptionValues = { ...TRACE_DEFAULTS, phrasing: 'varied' };

/**
 * Every option as a zod field with its default: TRACE_OPTION_DEFAULTS', or the one `defaults` gives
 * (the replication plan primes with its own).
 */
export function traceOptionFields(defaults: Partial<TraceOptionValues> = {}): {
  [K in TraceOptionKey]: z.ZodDefault<Specs[K]['schema']>;
} {
  const fields: Record<string, z.ZodTypeAny> = {};
  for (const k of TRACE_OPTION_KEYS) {
    const schema = TRACE_OPTIONS[k].schema as z.ZodTypeAny;
    fields[k] = schema.default(defaults[k] ?? TRACE_OPTION_DEFAULTS[k]);
  }
  return fields as never;
}

/** The trace options among `values`' fields (a priming start's, a plan's prime). */
export function pickTraceOptions(values: TraceOptionValues): TraceOptionValues {
  return Object.fromEntries(TRACE_OPTION_KEYS.map((k) => [k, values[k]])) as TraceOptionValues;
}

/** The options whose value differs from TRACE_OPTION_DEFAULTS. */
export function changedTraceOptions(values: TraceOptionValues): Partial<TraceOptionValues> {
  return Object.fromEntries(
    TRACE_OPTION_KEYS.filter((k) => values[k] !== TRACE_OPTION_DEFAULTS[k]).map((k) => [k, values[k]]),
  ) as Partial<TraceOptionValues>;
}
