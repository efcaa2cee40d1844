// JSONL in and out for the CLI: stdin/stdout by default, files when asked.

import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { parse as parseLossless } from 'lossless-json';
import { z } from 'zod';

export interface JsonlLine {
  lineNumber: number; // 1-based line in the input
  value: unknown;
}

/** An input line that could not be read as JSON or did not match its schema. */
export class LineError extends Error {
  constructor(
    readonly lineNumber: number,
    message: string,
  ) {
    super(`line ${lineNumber}: ${message}`);
  }
}

/**
 * JSON.parse, except that an integer literal too large for a double becomes a bigint, so that
 * e.g. a TinyZero ground truth is read exactly as Python's json module reads it.
 */
export function parseJsonExact(text: string): unknown {
  return parseLossless(text, null, (literal: string) =>
    /^-?\d+$/.test(literal) && !Number.isSafeInteger(Number(literal)) ? BigInt(literal) : Number(literal),
  );
}

/** The lines of a JSONL file (or stdin for undefined / "-"), parsed; blank lines are skipped. */
export async function* readJsonl(path?: string, exactNumbers = false): AsyncGenerator<JsonlLine | LineError> {
  const input = !path || path === '-' ? process.stdin : createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    try {
      yield { lineNumber, value: exactNumbers ? parseJsonExact(line) : JSON.parse(line) };
    } catch (err) {
      yield new LineError(lineNumber, `not valid JSON (${(err as Error).message})`);
    }
  }
}

/** Validate a parsed line against a schema, with zod's message naming the bad field. */
export function parseLine<T>(schema: z.ZodType<T>, line: JsonlLine): T | LineError {
  const result = schema.safeParse(line.value);
  if (result.success) return result.data;
  return new LineError(line.lineNumber, z.prettifyError(result.error).replace(/\n\s*/g, '; '));
}

export interface JsonlWriter {
  write(value: unknown): Promise<void>;
  close(): Promise<void>;
}

/** Write JSON values one per line to a file or stdout, respecting backpressure. */
export function jsonlWriter(path?: string): JsonlWriter {
  const stream: Writable =
    !path || path === '-' ? process.stdout : createWriteStream(path, { encoding: 'utf8' });
  return {
    write(value: unknown): Promise<void> {
      const ok = stream.write(`${JSON.stringify(value)}\n`);
      return ok ? Promise.resolve() : new Promise((resolve) => stream.once('drain', () => resolve()));
    },
    close(): Promise<void> {
      if (stream === process.stdout) return Promise.resolve();
      return new Promise((resolve, reject) =>
        stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
    },
  };
}

/** Parse "3,7,25" into integers, with a message naming the option on failure. */
export function parseIntList(text: string, option: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  if (parts.some((s) => s === '') || values.some((v) => !Number.isInteger(v))) {
    throw new UsageError(`${option} must be a comma-separated list of integers, got "${text}"`);
  }
  return values;
}

/** Parse an integer option value. */
export function parseIntOption(text: string, option: string, min = -Infinity, max = Infinity): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isInteger(v) || v < min || v > max) {
    const range = min > -Infinity || max < Infinity ? ` in ${min}..${max}` : '';
    throw new UsageError(`${option} must be an integer${range}, got "${text}"`);
  }
  return v;
}

export function parseNumberOption(text: string, option: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v))
    throw new UsageError(`${option} must be a number, got "${text}"`);
  return v;
}

/** A mistake in how the command was called: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

/** "rl.lr=1e-4" -> { rl: { lr: 0.0001 } } (values parsed as JSON when they can be). */
export function parseSetting(text: string, into: Record<string, unknown>): Record<string, unknown> {
  const eq = text.indexOf('=');
  if (eq < 1) throw new UsageError(`--set takes key=value, got "${text}"`);
  const keys = text.slice(0, eq).split('.');
  let value: unknown = text.slice(eq + 1);
  try {
    value = JSON.parse(value as string);
  } catch {
    // a plain string
  }
  let node = into;
  keys.slice(0, -1).forEach((k) => {
    if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
    node = node[k] as Record<string, unknown>;
  });
  node[keys[keys.length - 1]] = value;
  return into;
}
