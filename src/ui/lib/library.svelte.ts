// What this browser holds beside the run on the page: the saved runs (and which to overlay, which
// can be resumed), the shipped models of the site and the models imported here; and moving runs
// in and out (results files, checkpoint zips).

import type { Condition } from '../../behaviors/types';
import type { RunRecord } from '../../lab/records';
import {
  deleteRun,
  getRun,
  listCheckpointRunIds,
  listImportedModels,
  listRuns,
  loadCheckpointFiles,
  saveRun,
  type ImportedModel,
} from '../../storage/db';
import { messageOf } from './explain';
import { exportCheckpointZip, importRecords } from './files';
import type { Messages } from './messages.svelte';

export interface ShippedModel {
  name: string;
  condition: Condition | null;
  description?: string;
  parameters?: number;
  /** Held-out accuracy and habits before any RL (public/models/manifest.json). */
  beforeRl?: { accuracy: number; behaviors: Record<string, number> };
  /** The folder also holds onnx/model.onnx, so the survey can load it with transformers.js. */
  onnx?: boolean;
}

export class Library {
  runs = $state.raw<RunRecord[]>([]);
  /** Runs whose curves are drawn beside the current one. */
  overlay = $state<string[]>([]);
  // Runs whose checkpoint is stored in this browser: only they can be resumed (an imported results
  // file carries none). Read again whenever the list changes (a run saved, imported or deleted).
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- replaced whole, never changed in place
  resumable = $state.raw<ReadonlySet<string>>(new Set());
  shipped = $state.raw<ShippedModel[]>([]);
  imported = $state.raw<ImportedModel[]>([]);

  /** The shipped base model, which the page's own priming starts from. */
  readonly hasBase = $derived(this.shipped.some((m) => m.name === 'base'));
  readonly baseParameters = $derived(this.shipped.find((m) => m.name === 'base')?.parameters);

  private readonly messages: Messages;

  constructor(messages: Messages) {
    this.messages = messages;
    // Made while the page starts (App), so the effect lives as long as the page.
    $effect(() => {
      void this.runs;
      listCheckpointRunIds()
        .then((ids) => (this.resumable = ids))
        .catch(() => {});
    });
  }

  /** Read the runs this browser holds (when the page opens). */
  async loadRuns(): Promise<void> {
    this.runs = await listRuns().catch(() => []);
  }

  /** Read the models imported here and those the site ships (when the page opens). */
  async loadModels(): Promise<void> {
    this.imported = await listImportedModels().catch(() => []);
    try {
      const res = await fetch(`${import.meta.env.BASE_URL}models/manifest.json`);
      if (res.ok) this.shipped = ((await res.json()) as { models: ShippedModel[] }).models ?? [];
    } catch {
      this.shipped = [];
    }
  }

  async reload(): Promise<void> {
    this.runs = await listRuns();
  }

  /** Put a saved record in the list, newest first (in place: reading every stored run back, all
   * their events, on each save blocked the page for tens of milliseconds). */
  put(record: RunRecord): void {
    const others = this.runs.filter((r) => r.id !== record.id);
    this.runs = [record, ...others].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Add an event to a run that is no longer on the page (it came after the run's reply). */
  async addLateEvent(runId: string, e: RunRecord['events'][number]): Promise<void> {
    try {
      // The stored record, not the list's copy: a save of this run may have finished since.
      const stored = await getRun(runId);
      if (!stored) return;
      const record = { ...stored, events: [...stored.events, e] };
      await saveRun(record);
      this.runs = this.runs.map((r) => (r.id === runId ? record : r));
    } catch {
      // Storage refused: the run's earlier save stands.
    }
  }

  toggleOverlay(id: string, on: boolean): void {
    if (on === this.overlay.includes(id)) return;
    this.overlay = on ? [...this.overlay, id] : this.overlay.filter((x) => x !== id);
  }

  async remove(id: string): Promise<void> {
    await deleteRun(id);
    this.overlay = this.overlay.filter((x) => x !== id);
    await this.reload();
  }

  async exportCheckpoint(id: string, name: string): Promise<void> {
    const c = await loadCheckpointFiles(id);
    if (!c) {
      this.messages.error(
        `The run "${name}" has no saved checkpoint (one is saved every 10 RL steps, every two minutes, and when a run finishes or is stopped; a run that failed before its first save, or was imported from a results file, has none).`,
      );
      return;
    }
    exportCheckpointZip(`${name}-${c.name}`, c.files);
  }

  /** Import results files; a run already here is imported beside it, under an id of its own. */
  async importResults(files: File[]): Promise<void> {
    const { records, errors: bad } = await importRecords(files);
    let saved = 0;
    const ids = this.runs.map((x) => x.id); // a plain list: nothing on the page reads it
    try {
      for (const r of records) {
        // A run already here (imported twice, or exported from this browser) is not overwritten:
        // the import gets an id of its own (and no checkpoint, so it offers no resume).
        const copy = ids.includes(r.id) ? { ...r, id: crypto.randomUUID(), name: `${r.name} (imported)` } : r;
        await saveRun(copy);
        ids.push(copy.id);
        saved++;
      }
    } catch (err) {
      bad.push(
        `this browser did not store the runs (${messageOf(err)}); ${saved} of ${records.length} were imported`,
      );
    }
    this.runs = await listRuns().catch(() => this.runs);
    if (bad.length)
      this.messages.errors = [...this.messages.errors, ...bad.map((b) => `Import failed: ${b}`)];
    if (saved) this.messages.notices = [`Imported ${saved} run${saved > 1 ? 's' : ''}.`];
  }
}
