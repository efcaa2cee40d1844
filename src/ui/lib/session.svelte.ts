// The run on the page: its lifecycle (train, pause, resume, stop, reset, resume a stopped run), the
// trainer worker it runs in (and what happens when that worker dies), the events it reports and
// their saving. Training runs in a worker (workers/trainer.worker.ts); this only sends commands and
// keeps what the runner reports.

import type { ExperimentConfig } from '../../lab/config';
import type { LabEvent, SampleView } from '../../lab/events';
import { makeRecord } from '../../lab/records';
import { importedRef } from '../../model/checkpoint-ref';
import { deleteRun, listImportedModels, saveCheckpointFiles, saveRun } from '../../storage/db';
import type { BackendReport } from '../../model/backend';
import { describeReport, webgpuNotice } from './backend';
import { explain, messageOf } from './explain';
import type { Experiment } from './experiment.svelte';
import { readCheckpointUpload } from './files';
import type { Library } from './library.svelte';
import type { Messages } from './messages.svelte';
import { createTrainer, proxy, type Trainer } from './trainer';

export type Outcome = 'done' | 'stopped' | 'error';

export class Session {
  events = $state.raw<LabEvent[]>([]);
  stage = $state('idle');
  message = $state('Ready.');
  backendLine = $state('checking the backend…');
  /** The worker's choice for the setup's model size, with its measured probe (priming estimates). */
  backendReport = $state.raw<BackendReport | null>(null);
  running = $state(false);
  paused = $state(false);
  startedAt = $state(0);
  finishedAt = $state(0);
  now = $state(Date.now());
  currentId = $state<string | null>(null);
  currentConfig = $state.raw<ExperimentConfig | null>(null);
  /** Stop presses so far: a sequence of runs (the Paper replication) ends at the next one. */
  stops = $state(0);

  readonly steps = $derived(this.events.filter((e) => e.type === 'step').length);
  readonly lastStep = $derived.by(() => {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i];
      if (e.type === 'step') return e.metrics;
    }
    return null;
  });
  readonly primeProgress = $derived.by(() => {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i];
      if (e.type === 'prime') return e.progress;
      if (e.type === 'step' || e.type === 'eval') return null;
    }
    return null;
  });
  readonly latestSamples: SampleView[] = $derived.by(() => {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i];
      if (e.type === 'samples') return e.samples;
    }
    return [];
  });
  readonly elapsed = $derived(
    this.startedAt > 0
      ? Math.max(
          0,
          Math.round(((this.running ? this.now : this.finishedAt || this.now) - this.startedAt) / 1000),
        )
      : 0,
  );

  /** The run's length: the setup's until a run starts. */
  get totalSteps(): number {
    return this.currentConfig?.rl.steps ?? this.experiment.form.steps;
  }

  private readonly experiment: Experiment;
  private readonly library: Library;
  private readonly messages: Messages;
  private trainer: Trainer | null = null;
  // Rejected when the trainer worker dies: Comlink never settles the calls a dead worker had, so a
  // run (and a Paper replication waiting on it) races its call against this.
  private trainerCrash: Promise<never> | null = null;
  private lastSave = 0;
  private stopBeforeStart = false;
  // Events arrive in bursts (one per SFT batch, several per PPO step). They are applied to the
  // page at most every 250 ms, so the charts redraw once per burst and the page stays responsive.
  private pendingEvents: LabEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private lateEvents = Promise.resolve();

  constructor(experiment: Experiment, library: Library, messages: Messages) {
    this.experiment = experiment;
    this.library = library;
    this.messages = messages;
  }

  private getTrainer(): Trainer {
    if (!this.trainer) {
      let crashed: (err: Error) => void = () => {};
      this.trainerCrash = new Promise<never>((_, reject) => (crashed = reject));
      this.trainerCrash.catch(() => {}); // nobody may be waiting
      this.trainer = createTrainer((msg) => {
        this.messages.error(
          `The trainer stopped unexpectedly: ${msg}. Your recorded metrics are saved; press Train to start again.`,
        );
        this.running = false;
        this.stage = 'error';
        void this.persist(true);
        this.trainer?.terminate();
        this.trainer = null;
        crashed(new Error(`the trainer stopped unexpectedly: ${msg}`));
      });
    }
    return this.trainer;
  }

  /** A call to the trainer that also ends if the worker dies. */
  private untilCrash<T>(call: Promise<T>): Promise<T> {
    return this.trainerCrash ? Promise.race([call, this.trainerCrash]) : call;
  }

  /** Save the current run's record (every few steps, and always on eval, stop, error, finish). */
  private async persist(force = false): Promise<void> {
    if (!this.currentId || !this.currentConfig) return;
    if (!force && Date.now() - this.lastSave < 3000) return;
    this.lastSave = Date.now();
    const id = this.currentId;
    const record = makeRecord(
      id,
      this.currentConfig,
      this.events,
      this.library.runs.find((r) => r.id === id)?.createdAt,
    );
    try {
      await saveRun(record);
    } catch (err) {
      // Private windows and full disks refuse IndexedDB: say so once, keep the run on the page.
      this.messages.errorOnce(
        `This browser did not save the run (${messageOf(err)}): export it as JSON to keep it.`,
      );
      return;
    }
    this.library.put(record);
  }

  private flushEvents(): void {
    this.flushTimer = null;
    if (this.pendingEvents.length === 0) return;
    const batch = this.pendingEvents;
    this.pendingEvents = [];
    this.events = [...this.events, ...batch];
    const failures = batch.flatMap((e) => (e.type === 'error' ? [explain(e.message)] : []));
    if (failures.length) this.messages.errors = [...this.messages.errors, ...failures];
    // A checkpoint event is saved at once: it is what makes a run resumable, and it can arrive after
    // the run's own reply (each Comlink callback has its own channel), once the last forced save is done.
    void this.persist(batch.some((e) => ['eval', 'checkpoint', 'done', 'error'].includes(e.type)));
  }

  private onEvent(e: LabEvent): void {
    if (e.type === 'status') {
      this.stage = e.stage;
      this.message = e.message;
      if (e.backend) this.backendLine = describeReport(e.backend);
      this.paused = e.stage === 'paused';
      // A note (a refused autosave, a size the loaded model does not have) stays on the page: the
      // status line moves on at the next step.
      if (e.message.startsWith('note: ')) {
        const note = e.message.slice('note: '.length);
        this.messages.noticeOnce(`${note.charAt(0).toUpperCase()}${note.slice(1)}.`);
      }
      return;
    }
    this.pendingEvents.push(e);
    if (e.type === 'done' || e.type === 'error') this.flushEvents();
    else this.flushTimer ??= setTimeout(() => this.flushEvents(), 250);
  }

  /**
   * The event handler of one run. Each Comlink callback has its own channel, so an event (the
   * final checkpoint, say) can arrive after the run's reply, when the next run of a Paper
   * replication has begun: it is added to its own run's record, not to the run on the page.
   */
  private eventsOf(runId: string): (e: LabEvent) => void {
    return (e) => {
      if (runId === this.currentId) this.onEvent(e);
      else if (e.type !== 'status')
        this.lateEvents = this.lateEvents.then(() => this.library.addLateEvent(runId, e));
    };
  }

  /** Before the page turns to another run: what the current one still has waiting is saved to it. */
  private async settleCurrent(): Promise<void> {
    this.flushEvents();
    await this.persist(true);
  }

  /** Train one run (the setup's, or `given`); says how it ended, from its own reply (status events can come later). */
  async train(given?: ExperimentConfig): Promise<Outcome> {
    this.stopBeforeStart = false; // before any await: a Stop pressed from here on counts for this run
    this.messages.errors = [];
    let config: ExperimentConfig;
    try {
      config = given ?? this.experiment.build();
    } catch (err) {
      this.messages.errors = [messageOf(err)];
      return 'error';
    }
    this.running = true; // at once: the Train button is disabled before anything is awaited
    await this.settleCurrent();
    const id = crypto.randomUUID();
    this.currentId = id;
    this.currentConfig = config;
    this.events = [];
    this.paused = false;
    this.startedAt = Date.now();
    this.finishedAt = 0;
    this.lastSave = 0;
    try {
      // Inside the try: if the browser's storage fails, the error is shown and the page stays usable.
      await saveRun(makeRecord(id, config, []));
      await this.library.reload();
      // Stop pressed while the record was being saved reached no run: honor it here, and keep no
      // empty record of a run that never began.
      if (this.stopBeforeStart) {
        this.stage = 'stopped';
        this.message = 'stopped before it started';
        await deleteRun(id);
        this.currentId = null;
        this.currentConfig = null;
        await this.library.reload();
        return 'stopped';
      }
      const summary = await this.untilCrash(
        this.getTrainer().api.start(config, id, proxy(this.eventsOf(id))),
      );
      return summary.steps === config.rl.steps ? 'done' : 'stopped';
    } catch (err) {
      if (!this.messages.errors.length) this.messages.error(explain(messageOf(err)));
      return 'error';
    } finally {
      this.running = false;
      this.paused = false;
      this.finishedAt = Date.now();
      await this.settleCurrent();
    }
  }

  /** Go on with a stopped run from its last checkpoint. */
  async resumeStopped(id: string): Promise<void> {
    this.messages.errors = [];
    this.running = true;
    await this.settleCurrent();
    // Read after the save above: the run to resume may be the one just on the page.
    const record = this.library.runs.find((r) => r.id === id);
    if (!record) {
      this.running = false;
      return;
    }
    this.currentId = id;
    this.currentConfig = record.config;
    // The run goes on from its last checkpoint (one per run, overwritten by each save). The stored
    // record may run further (saved after that checkpoint, before a reload); those steps are redone,
    // so they are dropped here rather than kept twice.
    const checkpointAt = record.events.map((e) => e.type).lastIndexOf('checkpoint');
    this.events = record.events.slice(0, checkpointAt + 1);
    this.paused = false;
    this.startedAt = Date.now();
    this.finishedAt = 0;
    try {
      await this.untilCrash(this.getTrainer().api.resumeRun(id, proxy(this.eventsOf(id))));
    } catch (err) {
      if (!this.messages.errors.length) this.messages.error(explain(messageOf(err)));
      if (this.events.length === checkpointAt + 1) this.events = record.events; // nothing resumed: keep the record
    } finally {
      this.running = false;
      this.paused = false;
      this.finishedAt = Date.now();
      await this.settleCurrent();
    }
  }

  pause(): void {
    this.trainer?.api.pause();
    this.paused = true;
  }

  resume(): void {
    this.trainer?.api.resume();
    this.paused = false;
  }

  stop(): void {
    this.stops++;
    this.stopBeforeStart = true;
    this.trainer?.api.stop();
    this.message = 'stopping after this step…';
  }

  reset(): void {
    if (this.running) this.stop();
    void this.settleCurrent(); // reads the run's id and events at once, before they are cleared below
    this.events = [];
    this.currentId = null;
    this.currentConfig = null;
    this.stage = 'idle';
    this.message = 'Ready.';
    this.messages.errors = [];
  }

  /** Which backend the setup's choice gets here, shown before any run. */
  async probeBackend(): Promise<void> {
    const backend = this.experiment.form.backend;
    try {
      const report = await this.getTrainer().api.probeBackend(backend, this.experiment.form.size);
      this.backendReport = report;
      this.backendLine = describeReport(report);
      const notice = backend === 'auto' ? webgpuNotice(report) : null;
      if (notice) this.messages.notices = [...this.messages.notices, notice];
    } catch (err) {
      this.backendLine = `no backend could start: ${messageOf(err)}`;
    }
  }

  /** Import a checkpoint (a zip or its files), checked by the trainer, as the next starting model. */
  async importCheckpoint(files: File[]): Promise<void> {
    const { form } = this.experiment;
    try {
      const checkpoint = await readCheckpointUpload(files);
      const result = await this.getTrainer().api.inspectCheckpoint(checkpoint);
      if (!result.ok) throw new Error(result.error);
      // Named after the zip or the folder the files came from (not "config.json"), and never
      // over an earlier import of the same name.
      const zip = files.find((f) => f.name.endsWith('.zip'));
      const folder = files[0]?.webkitRelativePath?.split('/')[0];
      const given = zip?.name.replace(/\.zip$/, '') || folder || String(result.meta.condition ?? 'model');
      let name = given;
      for (let k = 2; this.library.imported.some((m) => m.id === importedRef(name)); k++)
        name = `${given} (${k})`;
      const id = importedRef(name);
      await saveCheckpointFiles(id, name, checkpoint);
      this.library.imported = await listImportedModels();
      form.startKind = 'imported';
      form.imported = id;
      this.messages.notices = [
        `Imported the model "${name}" (${result.parameters.toLocaleString()} parameters): it is now the starting point.`,
      ];
    } catch (err) {
      this.messages.error(`Import failed: ${messageOf(err)}. Nothing was loaded.`);
    }
  }
}
