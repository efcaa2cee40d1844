// A finished (or stopped) run as one JSON document: what the browser saves, exports and imports,
// and what the CLI writes as run.json. Imported files are untrusted: they are validated with zod
// (the event schemas of ./events, sizes bounded) and rejected whole, with a message, if anything is off.

import { z } from 'zod';
import { ExperimentSchema, type ExperimentConfig } from './config';
import { RecordEventSchema, RunSummarySchema, type LabEvent, type RunSummary } from './events';
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

export const RunRecordSchema = z
  .object({
    format: z.literal('habits-lab-run'),
    version: z.literal(1),
    id: z.string().min(1).max(100),
    name: z.string().max(200),
    createdAt: z.string().max(40),
    config: ExperimentSchema,
    events: importedArray(RecordEventSchema, 200_000),
    summary: RunSummarySchema.optional(),
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
