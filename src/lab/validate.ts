// Validation of files a user imports (result files, surveys, runner states), bounded by the first mistake.
//
// zod's safeParse collects every issue before it answers, so refusing a large broken file costs far
// more time and memory than reading it (measured in docs/TRAINING.md, "Bounded work on large
// inputs"). zod also parses "abort early" (how its own `validate` works): a container stops at its
// first child with an issue that aborts (a wrong type, or any issue inside an `importedArray` item),
// so a refusal costs about as much as reading the file once. That mode has no public switch yet
// (zod 4.6), so it is reached through `_zod.run`, the call safeParse itself makes;
// tests/lab/validate.test.ts fails if a zod update changes it.

import { z } from 'zod';
import * as core from 'zod/v4/core';

export type FirstIssues<T> = { success: true; data: T } | { success: false; issues: core.$ZodIssue[] };

/** Like `schema.safeParse(value)`, but it stops at the first bad element or field. */
export function parseUntilFirstIssue<S extends z.ZodType>(
  schema: S,
  value: unknown,
): FirstIssues<z.output<S>> {
  const ctx = { async: false, abortEarly: true } as const;
  const result = schema._zod.run({ value, issues: [] }, ctx);
  if (result instanceof Promise) throw new Error('an import schema must not be async');
  if (result.issues.length === 0) return { success: true, data: result.value as z.output<S> };
  return {
    success: false,
    issues: result.issues.map((i) => core.util.finalizeIssue(i, ctx, core.config())),
  };
}

/** "events.3.metrics.step: expected number, received undefined; ..." (the first three issues). */
export function describeIssues(issues: readonly core.$ZodIssue[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`)
    .join('; ');
}

/**
 * An array of at most `max` items in a file a user imports. Its length is checked before any item
 * is parsed, and each item stops an abort-early parse at its first issue of any kind: zod aborts an
 * array only on an issue that aborts, and a failed check (a negative offset, a name too long) does
 * not, so 200,000 bad items would still each add an issue.
 */
export function importedArray<S extends z.ZodType>(item: S, max: number) {
  return z
    .array(z.unknown())
    .max(max)
    .pipe(z.array(item.pipe(z.custom<z.output<S>>())));
}
