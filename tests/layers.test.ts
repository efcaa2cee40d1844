// Imports run one way: a module imports only from its own folder or from a lower layer. The order
// below is the house's one statement of it; a new folder under src/ must be placed in it.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LAYERS: readonly (readonly string[])[] = [
  ['src/util'],
  ['src/countdown'],
  ['src/model'],
  ['src/behaviors'],
  ['src/rl'],
  ['src/lab'],
  ['src/storage'],
  // Hosts: the command line and the workers never import each other; the page starts the workers.
  ['src/cli', 'workers'],
  ['src/ui'],
];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The layer folder a repo-relative path lies in, and its rank; undefined outside src/ and workers/. */
function layerOf(path: string): { folder: string; rank: number } | undefined {
  for (const [rank, folders] of LAYERS.entries())
    for (const folder of folders)
      if (path === folder || path.startsWith(`${folder}/`)) return { folder, rank };
  return undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : /\.(ts|svelte)$/.test(e.name) && !e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** Relative specifiers of `import ... from`, `export ... from`, `import('...')` and `new URL('...')`. */
function relativeImports(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(
    /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|new URL\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g,
  ))
    found.push(m[1]);
  return found;
}

/** Every import in src/ and workers/ that runs upward or sideways, as "file -> target". */
function violations(): string[] {
  const out: string[] = [];
  for (const file of [...sourceFiles('src'), ...sourceFiles('workers')]) {
    const from = layerOf(file);
    if (!from) {
      if (dirname(file) !== 'src') out.push(`${file}: its folder is in no layer`);
      continue;
    }
    for (const spec of relativeImports(readFileSync(join(root, file), 'utf8'))) {
      const target = relative(root, resolve(root, dirname(file), spec));
      const to = layerOf(target);
      if (!to) {
        // public/ and package files are data, not code; a new code folder must join a layer.
        if (/^(src|workers)\//.test(target)) out.push(`${file} -> ${target}: outside every layer`);
        continue;
      }
      if (to.folder !== from.folder && to.rank >= from.rank) out.push(`${file} -> ${target}`);
    }
  }
  return out;
}

describe('layers', () => {
  it('every import in src/ and workers/ runs downward', () => {
    expect(violations()).toEqual([]);
  });

  it('finds an upward import (the check itself works)', () => {
    expect(relativeImports(`import { x } from '../ui/lib/db';\nexport * from './a';`)).toEqual([
      '../ui/lib/db',
      './a',
    ]);
    expect(layerOf('src/model/tokenizer.ts')!.rank).toBeLessThan(layerOf('src/behaviors/phrases.ts')!.rank);
    expect(layerOf('workers/trainer.worker.ts')!.rank).toBe(layerOf('src/cli/main.ts')!.rank);
  });
});
