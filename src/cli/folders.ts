// Folders written whole: a kill or an error at any moment leaves the old folder or the new one on
// disk, never half of one (a base pretraining's kept model, a run's checkpoints, an export).

import { existsSync, renameSync, rmSync } from 'node:fs';

/** How often a long CLI job (a base pretraining, a run's priming or RL) keeps its state so far. */
export const KEEP_SECONDS = 600;

/**
 * Replace folder `dir` by what `write` puts in the empty folder it is given: written beside `dir`
 * (`dir.writing`), then swapped in. Between the two renames the old one is in `dir.old`, where
 * keptFolder finds it; a `write` that throws leaves `dir` as it was.
 */
export function replaceFolder(dir: string, write: (folder: string) => void): void {
  const writing = `${dir}.writing`;
  const old = `${dir}.old`;
  rmSync(writing, { recursive: true, force: true });
  try {
    write(writing);
  } catch (err) {
    rmSync(writing, { recursive: true, force: true });
    throw err;
  }
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(writing, dir);
  rmSync(old, { recursive: true, force: true });
}

/** Where the folder replaceFolder keeps in `dir` is: `dir`, or `dir.old` if it was killed between renames. */
export function keptFolder(dir: string): string {
  return !existsSync(dir) && existsSync(`${dir}.old`) ? `${dir}.old` : dir;
}
