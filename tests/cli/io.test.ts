import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonlWriter } from '../../src/cli/io';

describe('jsonlWriter', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('writes a long file through many waits for the disk without piling up listeners', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jsonl-'));
    dirs.push(dir);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const out = jsonlWriter(join(dir, 'out.jsonl'));
      // About 2 MB: the stream's 16 KB buffer fills and drains over a hundred times.
      for (let i = 0; i < 20_000; i++) await out.write({ i, text: 'x'.repeat(80) });
      await out.close();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
    const lines = readFileSync(join(dir, 'out.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(20_000);
    expect(JSON.parse(lines[19_999])).toEqual({ i: 19_999, text: 'x'.repeat(80) });
  });
});
