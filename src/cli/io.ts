// JSONL in and out for the CLI: stdin/stdout by default, files when asked.

import {
  createReadStream,
  createWriteStream,
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
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
  const iterator = lines[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<string>;
    try {
      next = await iterator.next();
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a folder' : e.message;
      throw new UsageError(`cannot read ${path}: ${why}`, { cause: err });
    }
    if (next.done) return;
    const line = next.value;
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

/**
 * Write JSON values one per line to stdout, or to a file, respecting backpressure. A file is written
 * under a temporary name beside it and renamed into place by close(): a command that fails half way
 * leaves no half-written output that looks complete, and `--in x --out x` reads all of x before x is
 * replaced. A file that cannot be written is an error with its name, never an unhandled event.
 */
export function jsonlWriter(path?: string): JsonlWriter {
  if (!path || path === '-') {
    return {
      write(value: unknown): Promise<void> {
        const ok = process.stdout.write(`${JSON.stringify(value)}\n`);
        return ok
          ? Promise.resolve()
          : new Promise((resolve) => process.stdout.once('drain', () => resolve()));
      },
      close: () => Promise.resolve(),
    };
  }
  // Checked before any work: a folder in the way, or no folder to write into, is a usage mistake.
  if (existsSync(path) && statSync(path).isDirectory())
    throw new UsageError(`cannot write ${path}: it is a folder`);
  const folder = dirname(resolve(path));
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new UsageError(`cannot write ${path}: no such folder`);
  const partial = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
  const stream: Writable = createWriteStream(partial, { encoding: 'utf8' });
  let failure: Error | null = null;
  let closed = false;
  const removePartial = () => {
    if (!closed) rmSync(partial, { force: true });
  };
  process.once('exit', removePartial);
  stream.on('error', (err: NodeJS.ErrnoException) => {
    failure ??= new Error(`cannot write ${path}: ${err.code === 'ENOENT' ? 'no such folder' : err.message}`);
  });
  return {
    write(value: unknown): Promise<void> {
      if (failure) return Promise.reject(failure);
      const ok = stream.write(`${JSON.stringify(value)}\n`);
      if (ok) return Promise.resolve();
      // Each wait removes the listener it did not need, so a long file adds none.
      return new Promise((resolve, reject) => {
        const onError = () => {
          stream.off('drain', onDrain);
          reject(failure);
        };
        const onDrain = () => {
          stream.off('error', onError);
          resolve();
        };
        stream.once('drain', onDrain);
        stream.once('error', onError);
      });
    },
    async close(): Promise<void> {
      await new Promise<void>((resolve) => stream.end(() => resolve()));
      if (failure) {
        removePartial();
        throw failure;
      }
      try {
        renameSync(partial, path);
      } catch (err) {
        removePartial();
        const code = (err as NodeJS.ErrnoException).code;
        throw new Error(
          `cannot write ${path}: ${code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST' ? 'it is a folder' : (err as Error).message}`,
          { cause: err },
        );
      }
      closed = true;
      process.removeListener('exit', removePartial);
    },
  };
}

/** Parse "3,7,25" into integers, with a message naming the option on failure. */
export function parseIntList(text: string, option: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  if (parts.some((s) => !/^-?\d+$/.test(s)) || values.some((v) => !Number.isSafeInteger(v))) {
    throw new UsageError(`${option} must be a comma-separated list of integers, got "${text}"`);
  }
  return values;
}

/** Parse an integer option value, written in decimal digits ("0x10" and "1e1" are typos, not 16 and 10). */
export function parseIntOption(text: string, option: string, min = -Infinity, max = Infinity): number {
  const v = Number(text);
  if (!/^\s*-?\d+\s*$/.test(text) || !Number.isSafeInteger(v) || v < min || v > max) {
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

/**
 * An output folder, checked before any work: a path that is (or lies under) a file would otherwise
 * fail only when the first result is written, with a bare EEXIST or ENOTDIR.
 */
export function outputFolder(path: string, option: string): string {
  const full = resolve(path);
  for (let p = full; ; p = dirname(p)) {
    if (existsSync(p)) {
      if (!statSync(p).isDirectory())
        throw new UsageError(`${option} ${path}: ${p === full ? 'is' : `${p} is`} a file, not a folder`);
      return full;
    }
    if (dirname(p) === p) return full;
  }
}

/** A JSON file that must hold one object (a config, a plan); a usage error naming the file otherwise. */
export function readJsonObject(path: string, what: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new UsageError(`no ${what} file at ${path}`, { cause: err });
    if (e.code === 'EISDIR') throw new UsageError(`${path} is a folder, not a ${what} file`, { cause: err });
    throw new UsageError(`${path} is not valid JSON (${e.message})`, { cause: err });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new UsageError(`${path} must hold a JSON object (the ${what})`);
  return json as Record<string, unknown>;
}

/** "rl.lr=1e-4" -> { rl: { lr: 0.0001 } } (values parsed as JSON when they can be). */
export function parseSetting(text: string, into: Record<string, unknown>): Record<string, unknown> {
  const eq = text.indexOf('=');
  if (eq < 1) throw new UsageError(`--set takes key=value, got "${text}"`);
  const keys = text.slice(0, eq).split('.');
  const bad = keys.find((k) => k === '' || k === '__proto__' || k === 'constructor' || k === 'prototype');
  if (bad !== undefined) throw new UsageError(`--set: "${text.slice(0, eq)}" is not a setting name`);
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
