// Imported files are refused at their first mistake: zod's safeParse would collect every issue first,
// which for a small file of many broken entries costs seconds and gigabytes (or overflows the stack).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  makeRecord,
  parseRecord,
  parseSurvey,
  parseUntilFirstIssue,
  presetConfig,
  RunRecordSchema,
  SurveySchema,
} from '../../src/lab';

const config = presetConfig('smoke');
const record = makeRecord(
  'run-1',
  config,
  [{ type: 'checkpoint', step: 1, name: 'step-1' }],
  '2026-11-26T00:00:00.000Z',
);

describe('parseUntilFirstIssue', () => {
  it('gives what safeParse gives for a valid value, defaults and all', () => {
    const schema = z.object({ a: z.number().default(3), b: z.array(z.string()) });
    for (const value of [{ b: [] }, { a: 1, b: ['x', 'y'] }]) {
      const ours = parseUntilFirstIssue(schema, value);
      expect(ours).toEqual({ success: true, data: schema.parse(value) });
    }
    const json = JSON.parse(JSON.stringify(record));
    expect(parseUntilFirstIssue(RunRecordSchema, json)).toEqual({
      success: true,
      data: RunRecordSchema.parse(json),
    });
  });

  it("names safeParse's first issue, and stops there however many follow", () => {
    const schema = z.object({ items: z.array(z.object({ n: z.number() })) });
    const value = { items: [{ n: 1 }, ...Array.from({ length: 20_000 }, () => ({ n: 'x' }))] };
    const ours = parseUntilFirstIssue(schema, value);
    expect(ours.success).toBe(false);
    if (ours.success) return;
    const all = schema.safeParse(value);
    expect(all.error!.issues).toHaveLength(20_000);
    expect(ours.issues).toHaveLength(1);
    expect(ours.issues[0]).toEqual(all.error!.issues[0]); // path ["items", 1, "n"] and zod's own message
  });

  /** The record's JSON with its events replaced. */
  const withEvents = (events: unknown[]) => ({ ...JSON.parse(JSON.stringify(record)), events });

  it('refuses a result file of 200,000 broken events at the first, with its place', () => {
    const json = withEvents(Array.from({ length: 200_000 }, () => ({ type: 'step', metrics: {} })));
    const r = parseUntilFirstIssue(RunRecordSchema, json);
    expect(!r.success && r.issues.map((i) => i.path.join('.'))).toEqual(['events.0.metrics.step']);
    expect(() => parseRecord(JSON.stringify(json), 'big.habits-lab.json')).toThrow(
      /^big\.habits-lab\.json is not a valid result file: events\.0\.metrics\.step: /,
    );
  });

  it('stops at the first failed check too, not only at a wrong type (a name too long, a negative offset)', () => {
    const longNames = withEvents(
      Array.from({ length: 200_000 }, () => ({ type: 'checkpoint', step: 1, name: 'x'.repeat(201) })),
    );
    const r = parseUntilFirstIssue(RunRecordSchema, longNames);
    expect(!r.success && r.issues.map((i) => i.path.join('.'))).toEqual(['events.0.name']);
    // 64 samples of 1,000 spans that start at -1: safeParse overflowed the stack on this.
    const sample = {
      numbers: [1, 2, 3],
      target: 6,
      prompt: 'p',
      response: 'r',
      score: 0,
      reason: 'x',
      correct: false,
      behaviors: { verification: 0, backtracking: 0, subgoal_setting: 0, backward_chaining: 0 },
      spans: Array.from({ length: 1000 }, () => ({ behavior: 'verification', start: -1, end: -1 })),
    };
    const spans = withEvents([
      { type: 'samples', step: 1, samples: Array.from({ length: 64 }, () => sample) },
    ]);
    const s = parseUntilFirstIssue(RunRecordSchema, spans);
    expect(!s.success && s.issues.map((i) => i.path.join('.'))).toEqual([
      'events.0.samples.0.spans.0.start',
      'events.0.samples.0.spans.0.end',
    ]);
    expect(() => parseRecord(JSON.stringify(spans))).toThrow(
      /is not a valid result file: events\.0\.samples\.0\.spans\.0\.start/,
    );
    // A list longer than allowed is refused before any item is read.
    const numbers = withEvents([
      { type: 'samples', step: 1, samples: [{ ...sample, numbers: Array(1_000_000).fill('x') }] },
    ]);
    const n = parseUntilFirstIssue(RunRecordSchema, numbers);
    expect(!n.success && n.issues.map((i) => `${i.path.join('.')} ${i.code}`)).toEqual([
      'events.0.samples.0.numbers too_big',
    ]);
  });

  it('refuses a survey of many broken completions at the first', () => {
    const survey = {
      format: 'habits-lab-survey',
      version: 1,
      model: 'm',
      createdAt: 'now',
      options: { problems: 1, samples: 1, preset: 'easy', seed: 0, rewardMode: 'strict' },
      accuracy: 0,
      formatRate: 0,
      meanChars: 0,
      behaviors: {
        n: 0,
        mean: { verification: 0, backtracking: 0, subgoal_setting: 0, backward_chaining: 0 },
        present: { verification: 0, backtracking: 0, subgoal_setting: 0, backward_chaining: 0 },
      },
      completions: Array.from({ length: 2000 }, () => ({ spans: Array.from({ length: 300 }, () => ({})) })),
    };
    const r = parseUntilFirstIssue(SurveySchema, survey);
    expect(!r.success && r.issues.length).toBeLessThanOrEqual(9); // the first completion's fields, no more
    expect(() => parseSurvey(JSON.stringify(survey), 's.survey.json')).toThrow(
      /^s\.survey\.json is not a valid survey result: completions\.0\.numbers: /,
    );
  });
});
