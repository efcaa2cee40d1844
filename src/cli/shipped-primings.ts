// The shipped primed models (public/models, built by `npm run models` with the replication's default
// plan) stand for a plan's priming jobs when the manifest says they were made with the same recipe,
// world and base model: then `replicate` starts RL from them instead of priming again.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Condition } from '../behaviors/types';
import { primingRecipe, recipeSft, type ReplicationJob, type ReplicationPlan } from '../lab';
import { shippedName, shippedRef } from '../model/checkpoint-ref';
import { SHIPPED_MODELS } from './checkpoints';
import { readJsonObject, UsageError } from './io';

export interface ShippedPrimings {
  /** Conditions whose shipped model is this plan's priming, as checkpoint references. */
  primed: Partial<Record<Condition, string>>;
  /** Why the other conditions are primed again (empty when every condition is shipped). */
  notes: string[];
}

interface ManifestLike {
  problems?: { preset?: unknown; ranges?: unknown; size?: unknown };
  models?: { name?: unknown; training?: Record<string, unknown> }[];
}

export function shippedPrimings(plan: ReplicationPlan, modelsDir: string): ShippedPrimings {
  const none = (why: string): ShippedPrimings => ({ primed: {}, notes: [why] });
  if (!plan.base || resolve(plan.base) !== resolve(modelsDir, 'base'))
    return none('priming every condition: the plan names another base model than the shipped one');
  let manifest: ManifestLike;
  try {
    manifest = JSON.parse(readFileSync(join(modelsDir, 'manifest.json'), 'utf8')) as ManifestLike;
    const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    if (
      !isObject(manifest) ||
      !(manifest.problems === undefined || isObject(manifest.problems)) ||
      !(manifest.models === undefined || Array.isArray(manifest.models))
    )
      throw new Error('not a models manifest');
  } catch (err) {
    return none(
      `priming every condition: no readable manifest.json in ${modelsDir} (${(err as Error).message})`,
    );
  }
  const world = manifest.problems ?? {};
  const sameWorld = isDeepStrictEqual(
    { preset: world.preset, ranges: world.ranges ?? null, size: world.size },
    { preset: plan.preset, ranges: plan.ranges ?? null, size: plan.size },
  );
  const primed: ShippedPrimings['primed'] = {};
  const again: Condition[] = [];
  for (const condition of plan.conditions) {
    const wanted = primingRecipe(plan, condition);
    const t = manifest.models?.find((m) => m?.name === condition)?.training;
    // The manifest's recipe read the way primingRecipe writes it (its SFT settings filled in).
    const recipe =
      typeof t === 'object' &&
      t !== null &&
      Object.fromEntries(Object.keys(wanted).map((k) => [k, k === 'sft' ? recipeSft(t.sft) : t[k]]));
    if (
      sameWorld &&
      recipe &&
      isDeepStrictEqual(recipe, wanted) &&
      existsSync(join(modelsDir, condition, 'model.safetensors'))
    )
      primed[condition] = shippedRef(condition);
    else again.push(condition);
  }
  const notes =
    again.length === 0
      ? []
      : [
          `priming ${again.join(', ')} again: the shipped model${again.length > 1 ? 's were' : ' was'} not made with this plan's priming settings`,
        ];
  return { primed, notes };
}

/**
 * Where a replication in `out` starts each condition: the shipped primed model where it is this plan's
 * priming, unless `prime` (--prime) or `out` already primed that condition itself (its RL runs must all
 * start from the same model). `messages` say which, for the terminal.
 */
export function startingModels(
  plan: ReplicationPlan,
  out: string,
  prime: boolean,
  modelsDir = SHIPPED_MODELS,
): { primed: ShippedPrimings['primed']; messages: string[] } {
  if (prime) return { primed: {}, messages: [] };
  const shipped = shippedPrimings(plan, modelsDir);
  const primed = Object.fromEntries(
    Object.entries(shipped.primed).filter(([c]) => !existsSync(join(out, 'prime', c, 'job.json'))),
  );
  const reused = Object.keys(primed);
  const messages = [
    ...(reused.length > 0
      ? [`RL starts from the shipped primed models of ${reused.join(', ')} (--prime primes them again)`]
      : []),
    ...shipped.notes,
  ];
  return { primed, messages };
}

/** What a start is, whatever the folder's path: a shipped model or the folder's own priming. */
const startKind = (ref: unknown) =>
  typeof ref === 'string' && shippedName(ref) !== null ? 'a shipped model' : "the folder's own priming";

/**
 * A replication folder keeps the way it began: --prime given now but not then (or the other way
 * round) would mix models from two primings in one table, so that is refused. The choice is recorded
 * in `starts.json` at the first command (a folder stopped during its primings, before any RL run,
 * must not be finished the other way); for folders from before that file, every RL run already begun
 * is checked. Kinds of start are compared, not paths, so a moved folder still resumes.
 */
export function checkStarts(jobs: readonly ReplicationJob[], out: string, prime: boolean): void {
  const file = join(out, 'starts.json');
  const flag = (p: boolean) => (p ? 'with --prime' : 'without --prime');
  if (existsSync(file)) {
    const began = (readJsonObject(file, 'starts') as { prime?: unknown }).prime;
    if (typeof began !== 'boolean')
      throw new UsageError(`${file} is not a replication's starts file: it lacks "prime" (true or false)`);
    if (began !== prime)
      throw new UsageError(
        `${out} was begun ${flag(began)}: run it ${flag(began)} again to go on, or use another --out`,
      );
    return;
  }
  for (const job of jobs) {
    const path = join(out, job.id, 'job.json');
    if (job.kind !== 'rl' || !existsSync(path)) continue;
    const began = (readJsonObject(path, 'job') as { start?: { checkpoint?: unknown } }).start?.checkpoint;
    const now = (job.config.start as { checkpoint?: string }).checkpoint;
    if (startKind(began) !== startKind(now))
      throw new UsageError(
        `${join(out, job.id)} started from ${startKind(began)} (${String(began)}), but this command would ` +
          `start it from ${startKind(now)}: give --prime as when these runs began, or use another --out`,
      );
  }
  writeFileSync(file, `${JSON.stringify({ prime }, null, 2)}\n`);
}
