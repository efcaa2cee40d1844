// Checkpoint files on disk (Node only): a folder with one file per entry.

import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CheckpointFiles } from './checkpoint';

const MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024;

export function writeFolder(dir: string, files: CheckpointFiles): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      `cannot write the checkpoint folder ${dir}: ${code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : (err as Error).message}`,
      { cause: err },
    );
  }
  for (const [name, bytes] of files) {
    // Names are plain file names, or one folder deep (onnx/model.onnx in an exported model).
    const parts = name.split('/');
    if (parts.length > 2 || parts.some((p) => p === '' || p.startsWith('.') || p.includes('\\')))
      throw new Error(`bad checkpoint file name ${name}`);
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), bytes);
  }
}

export function readFolder(dir: string): CheckpointFiles {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such folder'
        : code === 'ENOTDIR'
          ? 'it is a file, not a checkpoint folder'
          : (err as Error).message;
    throw new Error(`cannot read checkpoint folder ${dir}: ${why}`, { cause: err });
  }
  // A run's folder rather than one of its checkpoints: say where they are.
  if (!names.includes('model.safetensors') && names.includes('checkpoints')) {
    let inside: string[] = [];
    try {
      inside = readdirSync(join(dir, 'checkpoints')).sort();
    } catch {
      // not a folder after all: the checkpoint check reports what is missing
    }
    if (inside.length > 0)
      throw new Error(
        `${dir} is a run's folder, not a checkpoint: give one of its checkpoints, ${inside.map((n) => join(dir, 'checkpoints', n)).join(', ')}`,
      );
  }
  const files: CheckpointFiles = new Map();
  for (const name of names) {
    if (!/\.(json|safetensors)$/.test(name)) continue; // other entries (even broken links) are not read
    const path = join(dir, name);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(path);
    } catch (err) {
      throw new Error(`cannot read ${name} in ${dir}: ${(err as Error).message}`, { cause: err });
    }
    if (!st.isFile()) continue;
    if (st.size > MAX_FILE_BYTES) throw new Error(`${name} is larger than 2 GB`);
    files.set(name, new Uint8Array(readFileSync(path)));
  }
  return files;
}
