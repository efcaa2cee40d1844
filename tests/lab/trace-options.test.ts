import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { checkShareApplies } from '../../src/behaviors/traces';
import { CONDITIONS, TRACE_DEFAULTS, type Condition } from '../../src/behaviors/types';
import { addTraceOptionFlags, traceOptionsFromFlags } from '../../src/cli/trace-flags';
import {
  EMPTY_CONDITIONS,
  parseConfig,
  parseReplication,
  pickTraceOptions,
  primingRecipe,
  replicationJobs,
  TRACE_OPTION_DEFAULTS,
  TRACE_OPTION_KEYS,
  TRACE_OPTIONS,
  type TraceOptionKey,
  type TraceOptionValues,
} from '../../src/lab';

/** A value of option `k` other than its default, within its bounds. */
function changed(k: TraceOptionKey): TraceOptionValues[TraceOptionKey] {
  const d = TRACE_OPTION_DEFAULTS[k];
  if (typeof d === 'boolean') return !d;
  if (k === 'phrasing') return d === 'terse' ? 'varied' : 'terse';
  return d === 0 ? 0.25 : k === 'tokenBudget' || k === 'maxFailedAttempts' ? (d as number) + 1 : 0.25;
}

/** Whether a priming recipe of `condition` records option `k` when it is changed. */
function recordedFor(k: TraceOptionKey, condition: Condition): boolean {
  switch (TRACE_OPTIONS[k].scope) {
    case 'always':
    case 'all':
      return true;
    case 'searches':
      return !EMPTY_CONDITIONS.includes(condition);
    case 'incorrect':
      return condition === 'incorrect';
    case 'unverified':
      return checkShareApplies(condition);
  }
}

describe('the trace options table', () => {
  it('holds every option the trace writer has a default for, and the phrasing', () => {
    expect([...TRACE_OPTION_KEYS].sort()).toEqual([...Object.keys(TRACE_DEFAULTS), 'phrasing'].sort());
    expect(TRACE_OPTION_DEFAULTS).toEqual({ ...TRACE_DEFAULTS, phrasing: 'varied' });
  });

  it('a priming start defaults to the trace writer, and hands every option on', () => {
    const start = parseConfig({ start: { kind: 'prime' } }).start;
    if (start.kind !== 'prime') throw new Error('a priming start');
    expect(pickTraceOptions(start)).toEqual(TRACE_OPTION_DEFAULTS);
    const own = Object.fromEntries(TRACE_OPTION_KEYS.map((k) => [k, changed(k)]));
    const set = parseConfig({ start: { kind: 'prime', ...own } }).start;
    if (set.kind !== 'prime') throw new Error('a priming start');
    expect(pickTraceOptions(set)).toEqual(own);
    // bounds are checked where the config is read
    expect(() => parseConfig({ start: { kind: 'prime', tokenBudget: 1025 } })).toThrow(/tokenBudget/);
  });

  it.each(TRACE_OPTION_KEYS)(
    'plan.prime.%s reaches every priming job, and the recipes record it exactly where its scope says',
    (k) => {
      // a plan priming with the trace writer's defaults everywhere (the unverified searches too)
      const plain = parseReplication({
        base: '/b',
        prime: { ...TRACE_OPTION_DEFAULTS, unverifiedGiveUp: 0 },
      });
      const own = parseReplication({
        base: '/b',
        prime: { ...pickTraceOptions(plain.prime), unverifiedGiveUp: 0, [k]: changed(k) },
      });
      for (const j of replicationJobs(own, (id) => `/out/${id}/final`).filter((x) => x.kind === 'prime')) {
        const start = parseConfig(j.config).start;
        if (start.kind !== 'prime') throw new Error('a priming start');
        // the searches without checks give up with unverifiedGiveUp instead
        const unverifiedGiveUp = k === 'giveUp' && checkShareApplies(j.condition);
        expect(start[k]).toEqual(unverifiedGiveUp ? 0 : changed(k));
      }
      for (const c of CONDITIONS) {
        const scope = TRACE_OPTIONS[k].scope;
        const before = primingRecipe(plain, c);
        const after = primingRecipe(own, c);
        expect(Object.hasOwn(before, k)).toBe(scope === 'always');
        const recorded = recordedFor(k, c) && !(k === 'giveUp' && checkShareApplies(c));
        expect(after[k]).toEqual(recorded ? changed(k) : undefined);
        // nothing else in the recipe moves
        expect({ ...after, [k]: undefined }).toEqual({ ...before, [k]: undefined });
      }
    },
  );
});

describe('the scopes, written out', () => {
  it('with every option changed, each recipe records the options that change its traces', () => {
    const own = parseReplication({
      base: '/b',
      prime: { ...Object.fromEntries(TRACE_OPTION_KEYS.map((k) => [k, changed(k)])), unverifiedGiveUp: 0.25 },
    });
    const keys = (c: Condition) =>
      Object.keys(primingRecipe(own, c))
        .filter((k) => (TRACE_OPTION_KEYS as string[]).includes(k))
        .sort();
    const every = ['tokenBudget', 'maxFailedAttempts', 'phrasing', 'giveUp', 'giveUpOnce', 'commaBacktrack'];
    const searches = [
      'guessSolution',
      'guessGreed',
      'distinctGuesses',
      'sweepGuesses',
      'giveUpAtEnd',
      'numbersFirst',
      'expressionSteps',
    ];
    const incorrect = ['searchedIncorrect', 'incorrectSlip', 'incorrectClaim', 'incorrectMisread'];
    expect(keys('empty_cot')).toEqual([...every].sort());
    expect(keys('dots')).toEqual([...every].sort());
    expect(keys('all_strategies')).toEqual([...every, ...searches].sort());
    expect(keys('negative_control')).toEqual([...every, ...searches].sort());
    expect(keys('incorrect')).toEqual([...every, ...searches, ...incorrect].sort());
    expect(keys('only_backtracking')).toEqual([...every, ...searches, 'checkShare'].sort());
  });
});

describe('the trace options as prime-data flags', () => {
  const parse = (args: string[]) => {
    const command = addTraceOptionFlags(new Command().exitOverride());
    command.parse(args, { from: 'user' });
    return traceOptionsFromFlags(command.opts());
  };

  it('give the trace writer its defaults when none is given', () => {
    expect(parse([])).toEqual(TRACE_OPTION_DEFAULTS);
  });

  it.each(TRACE_OPTION_KEYS)('%s is set by its flag', (k) => {
    const [flag, arg] = TRACE_OPTIONS[k].flag.split(' ');
    const value = changed(k);
    const given = typeof value === 'boolean' ? [flag] : [flag, String(value)];
    if (typeof value === 'boolean' && value === false) return; // a switch only turns an option on
    expect(parse(given)).toEqual({ ...TRACE_OPTION_DEFAULTS, [k]: value });
    expect(arg === undefined).toBe(typeof value === 'boolean');
  });

  it('refuse a value out of the config bounds, naming the flag', () => {
    expect(() => parse(['--give-up', '0.95'])).toThrow('--give-up must be in 0..0.9, got "0.95"');
    expect(() => parse(['--max-failed', '2.5'])).toThrow('--max-failed must be an integer in 0..24');
    expect(() => parse(['--check-share', 'often'])).toThrow('--check-share must be a number');
    expect(() => parse(['--phrasing', 'loud'])).toThrow();
  });
});
