// The manifest's "before RL" profile of a shipped model is the replication's own starting point:
// its step-0 evaluation averaged over the plan's seeds, so the page's "(x% before RL)" and the
// table in docs/REPLICATION.md give the same number.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { profileBeforeRl } from '../../src/cli/commands/models';
import { parseReplication } from '../../src/lab';
import { useBackend } from '../model/helpers';
import { ROOT } from './helpers';

const results = JSON.parse(readFileSync(join(ROOT, 'docs', 'replication', 'results.json'), 'utf8')) as {
  summaries: { condition: string; start: { accuracy: { mean: number }; chars: { mean: number } } }[];
};

describe('habits-lab models: the before-RL profile', () => {
  beforeAll(() => useBackend('wasm'));

  it("the shipped manifest gives every condition the replication table's step-0 accuracy", () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'public', 'models', 'manifest.json'), 'utf8')) as {
      models: { condition: string | null; beforeRl?: { accuracy: number; seeds: number[] } }[];
    };
    const primed = manifest.models.filter((m) => m.condition !== null);
    expect(primed.map((m) => m.condition).sort()).toEqual(results.summaries.map((s) => s.condition).sort());
    for (const m of primed) {
      const shipped = results.summaries.find((s) => s.condition === m.condition)!;
      expect(m.beforeRl?.seeds, m.condition!).toEqual([1, 2, 3]);
      expect(m.beforeRl?.accuracy, m.condition!).toBeCloseTo(shipped.start.accuracy.mean, 10);
    }
  });

  // The two conditions with short answers (seconds); the searching ones take minutes.
  for (const condition of ['empty_cot', 'negative_control'] as const)
    it(`${condition}: equals the replication's step-0 accuracy and length, over seeds 1-3`, async () => {
      const plan = parseReplication({ base: join(ROOT, 'public', 'models', 'base') });
      const profile = await profileBeforeRl(plan, condition, join(ROOT, 'public', 'models', condition));
      const shipped = results.summaries.find((s) => s.condition === condition)!;
      expect(profile.seeds).toEqual([1, 2, 3]);
      expect(profile.problems).toBe(80);
      expect(profile.accuracy).toBeCloseTo(shipped.start.accuracy.mean, 10);
      expect(profile.responseChars).toBeCloseTo(shipped.start.chars.mean, 10);
    });
});
