// replaceFolder swaps a new folder in whole: a failed write or a kill leaves a whole folder on disk.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keptFolder, replaceFolder } from '../../src/cli/folders';

const root = mkdtempSync(join(tmpdir(), 'folders-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const put = (text: string) => (folder: string) => {
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'a.txt'), text);
};

describe('replaceFolder', () => {
  it('writes a new folder, replaces an old one, and leaves nothing beside it', () => {
    const dir = join(root, 'x');
    replaceFolder(dir, put('one'));
    replaceFolder(dir, put('two'));
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('two');
    expect(readdirSync(root).filter((n) => n.startsWith('x'))).toEqual(['x']);
  });

  it('a write that fails leaves the old folder as it was, and no half-written one', () => {
    const dir = join(root, 'y');
    replaceFolder(dir, put('old'));
    expect(() =>
      replaceFolder(dir, (folder) => {
        put('half')(folder);
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('old');
    expect(existsSync(`${dir}.writing`)).toBe(false);
  });

  it('keptFolder finds the old folder when a kill fell between the two renames', () => {
    const dir = join(root, 'z');
    put('old')(`${dir}.old`);
    put('new, whole')(`${dir}.writing`);
    expect(keptFolder(dir)).toBe(`${dir}.old`);
    replaceFolder(dir, put('next'));
    expect(keptFolder(dir)).toBe(dir);
    expect(readdirSync(root).filter((n) => n.startsWith('z'))).toEqual(['z']);
  });
});
