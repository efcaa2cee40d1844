// Run result files (what the page's Runs list exports and imports, and what `replicate` writes):
// a record survives the round trip exactly, and every kind of bad file is refused with a message
// that names the file and the problem, never half-loaded.
import { describe, expect, it } from 'vitest';
import { makeRecord, MAX_RECORD_BYTES, parseRecord, presetConfig, type LabEvent } from '../../src/lab';
import { importRecords } from '../../src/ui/lib/files';

const config = presetConfig('smoke');
const metrics = {
  step: 1,
  accuracy: 0.25,
  meanReward: 0.325,
  formatRate: 1,
  truncatedRate: 0,
  responseTokens: 40,
  responseChars: 100,
  behaviors: { verification: 1, backtracking: 0.5, subgoal_setting: 0, backward_chaining: 0 },
  behaviorsPresent: { verification: 0.5, backtracking: 0.5, subgoal_setting: 0, backward_chaining: 0 },
  policyLoss: 0.1,
  valueLoss: 0.2,
  entropy: 1.5,
  klToReference: 0.001,
  approxKl: 0.0001,
  clipFraction: 0.05,
  gradNorm: 0.9,
  lr: 3e-4,
  sampleTokensPerSecond: 100,
  trainTokensPerSecond: 200,
  stepSeconds: 1.5,
};
const events: LabEvent[] = [
  { type: 'status', stage: 'rl', message: 'status lines are not kept', step: 0, time: 0 },
  { type: 'step', metrics },
  { type: 'checkpoint', step: 1, name: 'step-1' },
];
const record = makeRecord('run-1', config, events, '2026-11-26T00:00:00.000Z');
const text = JSON.stringify(record);
/** The record's JSON with one change made to the parsed object. */
const edited = (edit: (r: Record<string, unknown>) => void) => {
  const r = JSON.parse(text) as Record<string, unknown>;
  edit(r);
  return JSON.stringify(r);
};

describe('run result files', () => {
  it('round-trip exactly, without the status lines', () => {
    expect(record.events.map((e) => e.type)).toEqual(['step', 'checkpoint']);
    expect(parseRecord(text, 'run.json')).toEqual(record);
  });

  it('a diverged run (NaN metrics, written by JSON as null) loads back with its NaN', () => {
    const diverged = makeRecord(
      'run-2',
      config,
      [{ type: 'step', metrics: { ...metrics, policyLoss: NaN, gradNorm: NaN } }],
      '2026-11-26T00:00:00.000Z',
    );
    const back = parseRecord(JSON.stringify(diverged), 'run.json');
    expect(back).toEqual(diverged);
    const step = back.events[0];
    expect(step.type === 'step' && [step.metrics.policyLoss, step.metrics.accuracy]).toEqual([NaN, 0.25]);
  });

  const bad: [string, string, RegExp][] = [
    ['truncated', text.slice(0, 200), /run\.json is not JSON/],
    ['another format', '{"format": "habits-lab-survey"}', /not a Habits Lab result file/],
    ['another version', edited((r) => (r.version = 2)), /not a valid result file: version/],
    [
      'a metric that is not a number',
      edited((r) => ((r.events as { metrics: Record<string, unknown> }[])[0].metrics.accuracy = 'x')),
      /not a valid result file: events\.0\.metrics\.accuracy/,
    ],
    [
      'an infinite metric',
      text.replace('"accuracy":0.25', '"accuracy":1e999'),
      /events\.0\.metrics\.accuracy/,
    ],
    [
      'a config the lab would refuse',
      edited((r) => ((r.config as { rl: { clip: number } }).rl.clip = -1)),
      /not a valid result file: config\.rl\.clip/,
    ],
    ['an unknown event', edited((r) => (r.events as unknown[]).push({ type: 'magic' })), /events\.2/],
    ['an extra top-level field', edited((r) => (r.extra = 1)), /not a valid result file: .*extra/],
  ];
  for (const [what, file, message] of bad)
    it(`refuses ${what}, naming the file and the field`, () => {
      expect(() => parseRecord(file, 'run.json')).toThrow(message);
    });

  it('refuses a file over the size limit before parsing it', () => {
    expect(() => parseRecord(' '.repeat(MAX_RECORD_BYTES + 1), 'huge.json')).toThrow(
      /huge\.json is larger than 64 MB/,
    );
  });

  it('an import of several files keeps the good ones and names each bad one', async () => {
    const { records, errors } = await importRecords([
      new File([text], 'good.json'),
      new File(['{"format":"habits-lab-run","version":1}'], 'bad.json'),
      new File([text.slice(0, 50)], 'cut.json'),
    ]);
    expect(records).toEqual([record]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^bad\.json is not a valid result file: /);
    expect(errors[1]).toMatch(/^cut\.json is not JSON/);
  });
});
