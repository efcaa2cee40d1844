// Checkpoints named on the command line: a folder, or "shipped:<name>" as in the page.

import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { loadCheckpoint } from '../model/checkpoint';
import { parseCheckpointRef } from '../model/checkpoint-ref';
import { readFolder } from '../model/node-files';
import { UsageError } from './io';

/** public/models: where `npm run models` puts the shipped models and their manifest. */
export const SHIPPED_MODELS = fileURLToPath(new URL('../../public/models/', import.meta.url));

/** A checkpoint reference as a folder: "shipped:<name>" (as in the page) is public/models/<name>. */
export function checkpointFolder(ref: string): string {
  const parsed = parseCheckpointRef(ref);
  // "model:<name>" names a model imported into a browser; here it can only be a folder of that name.
  return parsed.kind === 'shipped' ? join(SHIPPED_MODELS, parsed.name) : resolve(ref);
}

/** The model a --model option names, loaded; a folder that holds none is a usage error that names it. */
export function loadModelOption(ref: string): ReturnType<typeof loadCheckpoint> {
  let files;
  try {
    files = readFolder(checkpointFolder(ref));
    return loadCheckpoint(files);
  } catch (err) {
    const message = (err as Error).message;
    throw new UsageError(files === undefined ? message : `${ref}: ${message}`);
  }
}
