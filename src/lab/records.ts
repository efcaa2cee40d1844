// A finished (or stopped) run as one JSON document: what the browser saves, exports and imports,
// and what the CLI writes as run.json. Imported files are untrusted: they are validated with zod
// (sizes bounded, every number finite or null, JSON's NaN) and rejected whole, with a message, if anything is off.

import { z } from 'zod';
import { BEHAVIORS } from '../behaviors/types';
import { ExperimentSchema, type ExperimentConfig } from './config';
import type { LabEvent, RunSummary } from './events';
import { describeIssues, importedArray, parseUntilFirstIssue } from './validate';

export interface RunRecord {
  format: 'habits-lab-run';
  version: 1;
  id: string;
  name: string;
  createdAt: string;
  config: ExperimentConfig;
  /** The run's events (no status events). */
  events: LabEvent[];
  summary?: RunSummary;
}

// Pieces every imported file format checks the same way (run records here, surveys in survey.ts).
// A finite number, or null: JSON writes NaN (a diverged loss, say) as null, and such a run must
// still load back. Infinity is refused; JSON cannot write it, so only a hand-made file has it.
export const num = z.union([
  z.number().refine(Number.isFinite, 'must be a finite number'),
  z.null().transform(() => NaN),
]);
export const counts = z.object(
  Object.fromEntries(BEHAVIORS.map((b) => [b, num])) as Record<(typeof BEHAVIORS)[number], typeof num>,
);
export const spansSchema = (max: number) =>
  importedArray(
    z.object({ behavior: z.enum(BEHAVIORS), start: z.number().int().min(0), end: z.number().int().min(0) }),
    max,
  );

const StepSchema = z.object({
  step: z.number().int().min(0),
  accuracy: num,
  meanReward: num,
  formatRate: num,
  truncatedRate: num,
  responseTokens: num,
  responseChars: num,
  behaviors: counts,
  behaviorsPresent: counts,
  policyLoss: num,
  valueLoss: num,
  entropy: num,
  klToReference: num,
  approxKl: num,
  clipFraction: num,
  gradNorm: num,
  lr: num,
  sampleTokensPerSecond: num,
  trainTokensPerSecond: num,
  stepSeconds: num,
});

const EvalSummarySchema = z.object({
  accuracy: num,
  formatRate: num,
  truncatedRate: num,
  responseTokens: num,
  responseChars: num,
  behaviors: counts,
  behaviorsPresent: counts,
});

const EvalSchema = z.object({
  step: z.number().int().min(0),
  problems: z.number().int().min(0),
  sampled: EvalSummarySchema.optional(),
  greedy: EvalSummarySchema.optional(),
});

const SampleSchema = z.object({
  numbers: importedArray(z.number().int(), 16),
  target: z.number().int(),
  prompt: z.string().max(10_000),
  response: z.string().max(20_000),
  score: num,
  reason: z.string().max(40),
  correct: z.boolean(),
  behaviors: counts,
  spans: spansSchema(1000),
});

const PrimeSchema = z.object({
  step: z.number().int(),
  totalSteps: z.number().int(),
  epoch: z.number().int(),
  loss: num,
  lr: num,
  gradNorm: num,
  tokensPerSecond: num,
  heldOutLoss: num.optional(),
});

const SummarySchema = z.object({
  name: z.string().max(200),
  steps: z.number().int().min(0),
  startEval: EvalSchema.optional(),
  finalEval: EvalSchema.optional(),
  seconds: num,
  backend: z.string().max(40),
});

/** Every event a run record keeps (all but the status lines). */
export const RecordEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('step'), metrics: StepSchema }),
  z.object({ type: z.literal('eval'), metrics: EvalSchema }),
  z.object({ type: z.literal('samples'), step: z.number().int(), samples: importedArray(SampleSchema, 64) }),
  z.object({ type: z.literal('prime'), progress: PrimeSchema }),
  z.object({ type: z.literal('checkpoint'), step: z.number().int(), name: z.string().max(200) }),
  z.object({ type: z.literal('done'), summary: SummarySchema }),
  z.object({ type: z.literal('error'), message: z.string().max(10_000) }),
]);

export const RunRecordSchema = z
  .object({
    format: z.literal('habits-lab-run'),
    version: z.literal(1),
    id: z.string().min(1).max(100),
    name: z.string().max(200),
    createdAt: z.string().max(40),
    config: ExperimentSchema,
    events: importedArray(RecordEventSchema, 200_000),
    summary: SummarySchema.optional(),
  })
  .strict();

/** Largest result file the lab reads (a long run is a few MB). */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** Refuse a result file (run or survey) over the limit; call it with File.size before reading. */
export function checkResultFileSize(fileName: string, bytes: number): void {
  if (bytes > MAX_RECORD_BYTES)
    throw new Error(`${fileName} is larger than ${MAX_RECORD_BYTES / 2 ** 20} MB`);
}

export function makeRecord(
  id: string,
  config: ExperimentConfig,
  events: readonly LabEvent[],
  createdAt = new Date().toISOString(),
): RunRecord {
  const kept = events.filter((e) => e.type !== 'status');
  const done = kept.find((e): e is Extract<LabEvent, { type: 'done' }> => e.type === 'done');
  return {
    format: 'habits-lab-run',
    version: 1,
    id,
    name: config.name,
    createdAt,
    config,
    events: kept,
    ...(done ? { summary: done.summary } : {}),
  };
}

/** Parse and validate a result file's text; throws an Error that names the problem. */
export function parseRecord(text: string, fileName = 'file'): RunRecord {
  checkResultFileSize(fileName, text.length);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${fileName} is not JSON (${(err as Error).message})`, { cause: err });
  }
  if (
    typeof json === 'object' &&
    json !== null &&
    (json as { format?: unknown }).format !== 'habits-lab-run'
  ) {
    throw new Error(`${fileName} is not a Habits Lab result file (no "format": "habits-lab-run")`);
  }
  const r = parseUntilFirstIssue(RunRecordSchema, json);
  if (!r.success) throw new Error(`${fileName} is not a valid result file: ${describeIssues(r.issues)}`);
  return r.data as RunRecord;
}
