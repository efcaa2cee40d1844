// The lab's browser storage (IndexedDB through `idb`): run records, their latest checkpoint, and
// imported models. The page and the trainer worker both use it.

import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { RunRecord } from '../lab/records';
import type { SurveyResult } from '../lab/survey';
import { IMPORTED_KEY_RANGE, isImportedRef, parseCheckpointRef } from '../model/checkpoint-ref';

export interface StoredCheckpoint {
  id: string; // run id, or "model:<name>" for an imported model
  name: string; // "final", "stopped-12", or the imported model's name
  savedAt: string;
  files: Record<string, Uint8Array>;
}

/** A finished survey of one model, kept in this browser. */
export interface StoredSurvey {
  id: string;
  result: SurveyResult;
}

interface LabDB extends DBSchema {
  runs: { key: string; value: RunRecord };
  checkpoints: { key: string; value: StoredCheckpoint };
  surveys: { key: string; value: StoredSurvey };
}

let dbPromise: Promise<IDBPDatabase<LabDB>> | null = null;
let superseded = false;

export function db(): Promise<IDBPDatabase<LabDB>> {
  if (superseded)
    return Promise.reject(
      new Error('a newer Habits Lab was opened in another tab: reload this page to keep saving'),
    );
  // Version 2 added the surveys store; a version-1 database keeps its runs and checkpoints.
  dbPromise ??= openDB<LabDB>('habits-lab', 2, {
    upgrade(d, oldVersion) {
      if (oldVersion < 1) {
        d.createObjectStore('runs', { keyPath: 'id' });
        d.createObjectStore('checkpoints', { keyPath: 'id' });
      }
      if (oldVersion < 2) d.createObjectStore('surveys', { keyPath: 'id' });
    },
    // A tab of a newer lab wants to upgrade the database: this (older) tab lets go, or the other
    // tab's storage would wait for ever. This tab cannot open the newer database, so its reads and
    // writes from now on fail with a message that says to reload.
    blocking(_current, _next, event) {
      (event.target as IDBDatabase).close();
      superseded = true;
    },
  });
  return dbPromise;
}

export async function saveRun(record: RunRecord): Promise<void> {
  await (await db()).put('runs', record);
}

export async function listRuns(): Promise<RunRecord[]> {
  const all = await (await db()).getAll('runs');
  return all.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export async function getRun(id: string): Promise<RunRecord | undefined> {
  return (await db()).get('runs', id);
}

/** Ids of the runs whose checkpoint is stored (keys only: the checkpoints are megabytes each). */
export async function listCheckpointRunIds(): Promise<Set<string>> {
  const keys = await (await db()).getAllKeys('checkpoints');
  return new Set(keys.filter((k) => !isImportedRef(k)));
}

export async function deleteRun(id: string): Promise<void> {
  const d = await db();
  await d.delete('runs', id);
  await d.delete('checkpoints', id);
}

export async function saveCheckpointFiles(
  id: string,
  name: string,
  files: Map<string, Uint8Array>,
): Promise<void> {
  await (
    await db()
  ).put('checkpoints', { id, name, savedAt: new Date().toISOString(), files: Object.fromEntries(files) });
}

export async function loadCheckpointFiles(id: string): Promise<StoredCheckpoint | undefined> {
  return (await db()).get('checkpoints', id);
}

/** An imported model as the menus list it (its files stay in the store until used). */
export interface ImportedModel {
  id: string; // "model:<name>"
  name: string;
}

export async function listImportedModels(): Promise<ImportedModel[]> {
  // Keys only: reading the records would load every run's checkpoint (megabytes each) to list names.
  const keys = await (await db()).getAllKeys('checkpoints', IDBKeyRange.bound(...IMPORTED_KEY_RANGE));
  return keys.map((id) => {
    const ref = parseCheckpointRef(id);
    return { id, name: ref.kind === 'imported' ? ref.name : id };
  });
}

export async function saveSurvey(survey: StoredSurvey): Promise<void> {
  await (await db()).put('surveys', survey);
}

export async function listSurveys(): Promise<StoredSurvey[]> {
  const all = await (await db()).getAll('surveys');
  return all.sort((a, b) => a.result.createdAt.localeCompare(b.result.createdAt));
}

export async function deleteSurvey(id: string): Promise<void> {
  await (await db()).delete('surveys', id);
}
