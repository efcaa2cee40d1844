// The priming traces' options as command-line flags (`prime-data`), made from their one table
// (lab/trace-options.ts): a value is refused with the bounds the lab's configs use.

import { Command, Option } from 'commander';
import { z } from 'zod';
import {
  TRACE_OPTION_DEFAULTS,
  TRACE_OPTION_KEYS,
  TRACE_OPTIONS,
  type TraceOptionKey,
  type TraceOptionValues,
} from '../lab/trace-options';
import { parseIntOption, parseNumberOption, UsageError } from './io';

export function addTraceOptionFlags(command: Command): Command {
  for (const k of TRACE_OPTION_KEYS) {
    const { schema, flag, help } = TRACE_OPTIONS[k];
    const option = new Option(flag, help);
    if (schema instanceof z.ZodEnum) option.choices(schema.options).default(TRACE_OPTION_DEFAULTS[k]);
    else if (schema instanceof z.ZodNumber) option.default(String(TRACE_OPTION_DEFAULTS[k]));
    command.addOption(option);
  }
  return command;
}

/** The trace options a parsed command line gives (the defaults where a flag is absent). */
export function traceOptionsFromFlags(opts: Record<string, unknown>): TraceOptionValues {
  const values: Record<string, unknown> = {};
  for (const k of TRACE_OPTION_KEYS) values[k] = flagValue(k, opts[attributeName(k)]);
  return values as TraceOptionValues;
}

function attributeName(k: TraceOptionKey): string {
  return new Option(TRACE_OPTIONS[k].flag).attributeName();
}

function flagValue(k: TraceOptionKey, given: unknown): unknown {
  const { schema } = TRACE_OPTIONS[k];
  const flag = TRACE_OPTIONS[k].flag.split(' ')[0];
  if (schema instanceof z.ZodBoolean) return Boolean(given);
  if (!(schema instanceof z.ZodNumber)) return given; // commander checked the choices
  const text = String(given);
  const [min, max] = [schema.minValue ?? -Infinity, schema.maxValue ?? Infinity];
  if (schema.isInt) return parseIntOption(text, flag, min, max);
  const v = parseNumberOption(text, flag);
  if (!schema.safeParse(v).success) throw new UsageError(`${flag} must be in ${min}..${max}, got "${text}"`);
  return v;
}
