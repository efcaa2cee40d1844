import { describe, expect, it } from 'vitest';
import {
  BASE_REF,
  checkpointRef,
  importedRef,
  isImportedRef,
  parseCheckpointRef,
  shippedName,
  shippedRef,
} from '../../src/model/checkpoint-ref';

describe('checkpoint references', () => {
  it('reads each kind and writes it back unchanged', () => {
    const cases = [
      ['shipped:empty_cot', { kind: 'shipped', name: 'empty_cot' }],
      ['model:my model (2)', { kind: 'imported', name: 'my model (2)' }],
      ['run-2026-12-02-abc', { kind: 'run', id: 'run-2026-12-02-abc' }],
      ['runs/smoke/checkpoints/final', { kind: 'run', id: 'runs/smoke/checkpoints/final' }],
    ] as const;
    for (const [text, ref] of cases) {
      expect(parseCheckpointRef(text)).toEqual(ref);
      expect(checkpointRef(parseCheckpointRef(text))).toBe(text);
    }
    expect(shippedRef('base')).toBe(BASE_REF);
    expect(importedRef('x')).toBe('model:x');
  });

  it('refuses a shipped name that could leave public/models', () => {
    for (const bad of ['shipped:../secret', 'shipped:a/b', 'shipped:', 'shipped:Base', 'shipped:a.b'])
      expect(() => parseCheckpointRef(bad)).toThrow(/bad shipped model name/);
  });

  it('tells imported models from runs and shipped names from the rest', () => {
    expect(isImportedRef('model:a')).toBe(true);
    expect(isImportedRef('run-1')).toBe(false);
    expect(shippedName('shipped:dots')).toBe('dots');
    expect(shippedName('model:dots')).toBeNull();
  });
});
