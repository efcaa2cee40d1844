import { describe, expect, it } from 'vitest';
import { BEHAVIORS } from '../../src/behaviors/types';
import {
  classCharts,
  classCsv,
  runCondition,
  stat,
  summarizeClass,
  varyingFields,
  type ClassRun,
} from '../../src/lab/class-summary';
import { parseConfig } from '../../src/lab/config';
import { CLASS_CONDITIONS, CLASS_STEPS, classRecord, classRecords, classValue } from '../fixtures/class-runs';

const asRuns = (records: ReturnType<typeof classRecords>): ClassRun[] =>
  records.map((record) => ({ file: `${record.id}.json`, record }));

describe('stat', () => {
  it('gives mean, sample sd, min and max as computed by hand', () => {
    // 1, 2, 6: mean 3; squared deviations 4 + 1 + 9 = 14; sd sqrt(14 / 2).
    expect(stat([1, 2, 6])).toEqual({ mean: 3, sd: Math.sqrt(7), min: 1, max: 6, n: 3 });
    expect(stat([5])).toEqual({ mean: 5, sd: 0, min: 5, max: 5, n: 1 });
    expect(stat([NaN, 4]).n).toBe(1);
    expect(Number.isNaN(stat([]).mean)).toBe(true);
  });
});

describe('summarizeClass', () => {
  it('averages 3 runs of a condition to the values computed by hand', () => {
    const runs = asRuns([1, 2, 3].map((s) => classRecord('all_strategies', s)));
    const [g] = summarizeClass(runs).groups;
    // all_strategies (c = 0), step 0: accuracy 0.1 + 0.02 * seed -> 0.12, 0.14, 0.16.
    expect(g.start.accuracy.mean).toBeCloseTo(0.14, 12);
    expect(g.start.accuracy.sd).toBeCloseTo(0.02, 12);
    expect(g.start.accuracy.min).toBeCloseTo(0.12, 12);
    expect(g.start.accuracy.max).toBeCloseTo(0.16, 12);
    // step 30: + 0.3 -> 0.42, 0.44, 0.46; chars 100 - 30 + 3 seed -> 73, 76, 79.
    expect(g.end.accuracy.mean).toBeCloseTo(0.44, 12);
    expect(g.end.chars.mean).toBeCloseTo(76, 12);
    expect(g.end.chars.sd).toBeCloseTo(3, 12);
    // verification (i = 0) at step 30: 0.5 + 0.3 + 0.1 seed -> 0.9, 1.0, 1.1.
    expect(g.end.verification.mean).toBeCloseTo(1.0, 12);
    expect(g.curve.map((c) => c.step)).toEqual(CLASS_STEPS);
    expect(g.files).toHaveLength(3);
    expect(g.flags).toEqual([]);
  });

  it('groups 30 runs by condition with every mean equal to a plain loop over the formula', () => {
    const summary = summarizeClass(asRuns(classRecords()));
    expect(summary.groups.map((g) => [g.condition, g.files.length])).toEqual(
      CLASS_CONDITIONS.map((c) => [c, 10]),
    );
    expect(summary.flags).toEqual([]);
    for (const g of summary.groups) {
      const c = g.condition as (typeof CLASS_CONDITIONS)[number];
      for (const point of g.curve) {
        let acc = 0;
        let chars = 0;
        let back = 0;
        for (let seed = 1; seed <= 10; seed++) {
          const v = classValue(c, seed, point.step);
          acc += v.accuracy / 10;
          chars += v.chars / 10;
          back += v.behaviors.backtracking / 10;
        }
        expect(point.stats.accuracy.mean).toBeCloseTo(acc, 12);
        expect(point.stats.chars.mean).toBeCloseTo(chars, 10);
        expect(point.stats.backtracking.mean).toBeCloseTo(back, 12);
        expect(point.stats.accuracy.n).toBe(10);
      }
    }
    // The class has all_strategies and empty_cot: F1 is tested; F2 (needs incorrect) is not.
    const findings = summary.findings;
    expect(Array.isArray(findings)).toBe(true);
    if (Array.isArray(findings)) {
      expect(findings.find((f) => f.id === 'F1')!.holds).not.toBeNull();
      expect(findings.find((f) => f.id === 'F2')!.holds).toBeNull();
    }
  });

  it('keeps runs of another world or other RL settings apart, and flags them', () => {
    const records = [
      ...[1, 2].map((s) => classRecord('all_strategies', s)),
      classRecord('all_strategies', 3, { ranges: { numberMax: 6 } }),
      classRecord('all_strategies', 4, { rl: { steps: 30, lr: 1e-3 } }),
    ];
    const summary = summarizeClass(asRuns(records));
    expect(summary.groups.map((g) => g.files.length)).toEqual([2, 1, 1]);
    expect(summary.groups[0].start.accuracy.mean).toBeCloseTo((0.12 + 0.14) / 2, 12);
    expect(summary.flags.join('\n')).toMatch(/ranges/);
    expect(summary.flags.join('\n')).toMatch(/rl\.lr/);
    expect(summary.groups.slice(1).every((g) => g.flags.length > 0)).toBe(true);
    // The findings use the main world's groups only.
    expect(Array.isArray(summary.findings)).toBe(true);
  });

  it('groups by a picked config field, skips runs without evaluations and names them', () => {
    const records = classRecords().slice(0, 4);
    const empty = { ...classRecord('dots', 9), events: [] };
    const summary = summarizeClass(asRuns([...records, empty]), 'seed');
    expect(summary.skipped).toEqual(['dots-9.json']);
    expect(summary.groups.map((g) => g.label)).toEqual([1, 2, 3, 4].map((s) => `all_strategies (seed=${s})`));
    expect(varyingFields(records)).toEqual(['seed']);
  });

  it('marks the runs that stopped early and cuts the curve where they stop', () => {
    const records = [
      classRecord('empty_cot', 1),
      classRecord('empty_cot', 2, { rl: { steps: 30 } }, [0, 10]),
    ];
    const [g] = summarizeClass(asRuns(records)).groups;
    expect(g.curve.map((c) => c.step)).toEqual([0, 10]);
    expect(g.flags.join(' ')).toMatch(/empty_cot-2\.json stopped early/);
  });

  it('reads the condition from the start, a shipped checkpoint, a path or the name', () => {
    const base = {
      start: {
        kind: 'checkpoint' as const,
        checkpoint: 'runs/r/prime/backtracking_verification/checkpoints/final',
      },
    };
    expect(runCondition(parseConfig(base))).toBe('backtracking_verification');
    expect(runCondition(parseConfig({ start: { kind: 'prime', condition: 'dots' } }))).toBe('dots');
    expect(runCondition(parseConfig({ name: 'incorrect seed 2', start: { kind: 'scratch' } }))).toBe(
      'incorrect',
    );
    expect(runCondition(parseConfig({ start: { kind: 'scratch' } }))).toBe('scratch');
  });
});

describe('classCharts and classCsv', () => {
  const summary = summarizeClass(asRuns(classRecords()));

  it('draws a mean line per group with a band from min to max or mean ± sd', () => {
    const charts = classCharts(summary, 'minmax');
    expect(charts.map((c) => c.title)).toHaveLength(2 + BEHAVIORS.length);
    const acc = charts[0];
    expect(acc.series[0].label).toBe('all_strategies (n=10)');
    const g = summary.groups[0];
    expect(acc.bands[0][0].points[0].y).toBeCloseTo(g.curve[0].stats.accuracy.min, 12);
    expect(acc.bands[0][1].points[0].y).toBeCloseTo(g.curve[0].stats.accuracy.max, 12);
    const sd = classCharts(summary, 'sd')[0];
    expect(sd.bands[0][1].points[0].y).toBeCloseTo(
      g.curve[0].stats.accuracy.mean + g.curve[0].stats.accuracy.sd,
      12,
    );
  });

  it('writes one CSV row per group with the paper numbers beside', () => {
    const lines = classCsv(summary).trim().split('\n');
    expect(lines).toHaveLength(4);
    const head = lines[0].split(',');
    const row = lines[1].split(',');
    expect(row[head.indexOf('group')]).toBe('all_strategies');
    expect(Number(row[head.indexOf('accuracy_end_mean')])).toBeCloseTo(
      summary.groups[0].end.accuracy.mean,
      4,
    );
    expect(row[head.indexOf('paper_accuracy_250')]).toBe('0.736');
  });
});
