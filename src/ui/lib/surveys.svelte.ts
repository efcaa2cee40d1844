// The behavior survey's state: the form, the stored surveys (which are shown, which is inspected),
// and one survey at a time in its own worker (lib/survey.ts), with its progress and its stop.

import * as Comlink from 'comlink';
import type { PRESET_NAMES } from '../../countdown/problems';
import type { SampleView } from '../../lab/events';
import { checkResultFileSize, type RunRecord } from '../../lab/records';
import { parseSurvey, surveyBars, surveyColor, type SurveyResult } from '../../lab/survey';
import type { DownloadProgress, SurveySource } from '../../../workers/survey.worker';
import {
  deleteSurvey,
  listSurveys,
  loadCheckpointFiles,
  saveSurvey,
  type StoredSurvey,
} from '../../storage/db';
import { messageOf } from './explain';
import { createSurveyWorker, type SurveyWorker } from './survey';

const CANCELLED = 'the survey was stopped while its model loaded';

export class Surveys {
  form = $state({
    choice: '',
    hubId: '',
    dtype: 'q8' as 'fp32' | 'fp16' | 'q8' | 'q4',
    problems: 10,
    samples: 2,
    preset: 'easy' as (typeof PRESET_NAMES)[number],
    maxNewTokens: 200,
    seed: 0,
  });
  surveys = $state.raw<StoredSurvey[]>([]);
  shown = $state<string[]>([]);
  inspected = $state<string | null>(null);
  busy = $state(false);
  confirmHub = $state(false);
  status = $state('');
  device = $state('');
  live = $state('');
  done = $state(0);
  downloadProgress = $state<DownloadProgress | null>(null);

  readonly shownSurveys = $derived(this.surveys.filter((s) => this.shown.includes(s.id)));
  readonly shownResults: SurveyResult[] = $derived(this.shownSurveys.map((s) => s.result));
  readonly bars = $derived(surveyBars(this.shownResults));
  readonly inspectedSurvey = $derived(this.surveys.find((s) => s.id === this.inspected) ?? null);
  readonly inspectedSamples: SampleView[] = $derived(
    (this.inspectedSurvey?.result.completions ?? []).slice(0, 24).map((c) => ({
      numbers: c.numbers,
      target: c.target,
      prompt: c.prompt,
      response: c.completion,
      score: c.score,
      reason: c.reason,
      correct: c.correct,
      behaviors: c.behaviors,
      spans: c.spans,
    })),
  );

  private worker: SurveyWorker | null = null;
  // Stop while a model loads ends the worker (a download cannot be cancelled otherwise); set only then.
  private cancelLoad: (() => void) | null = null;
  private stopPressed = false;
  private readonly runs: () => RunRecord[];
  private readonly onerror: (message: string) => void;

  /** `runs`: the lab's runs, whose checkpoints can be surveyed. */
  constructor(runs: () => RunRecord[], onerror: (message: string) => void) {
    this.runs = runs;
    this.onerror = onerror;
  }

  /** A survey's color on the charts (grey when it is not shown). */
  colorOf(id: string): string {
    const i = this.shownSurveys.findIndex((s) => s.id === id);
    return i < 0 ? '#c8ccd4' : surveyColor(i);
  }

  private getWorker(): SurveyWorker {
    this.worker ??= createSurveyWorker((msg) => {
      this.onerror(`The survey stopped unexpectedly: ${msg}.`);
      this.busy = false;
      this.worker?.terminate();
      this.worker = null;
    });
    return this.worker;
  }

  private async source(): Promise<{ source: SurveySource; label: string }> {
    const { form } = this;
    const [kind, ...rest] = form.choice.split(':');
    const id = rest.join(':');
    if (kind === 'shipped') return { source: { kind: 'shipped', name: id }, label: id };
    if (kind === 'hub') {
      const hubId = form.hubId.trim();
      if (!/^[\w.-]+\/[\w.-]+$/.test(hubId)) throw new Error('Type a Hugging Face model id like owner/name.');
      return { source: { kind: 'hub', id: hubId, dtype: form.dtype }, label: hubId };
    }
    const key = kind === 'run' ? id : form.choice; // imported models are stored as "model:<name>"
    const stored = await loadCheckpointFiles(key);
    if (!stored)
      throw new Error('This run has no saved model (it was deleted, or never reached its first checkpoint).');
    const label = kind === 'run' ? (this.runs().find((r) => r.id === id)?.name ?? id) : stored.name;
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- sent to the worker, never page state
    return { source: { kind: 'lab', name: label, files: new Map(Object.entries(stored.files)) }, label };
  }

  start(): void {
    if (this.form.choice === 'hub') {
      this.confirmHub = true; // ask before any download: only the dialog's own button starts one
      return;
    }
    void this.run();
  }

  confirmDownload(): void {
    this.confirmHub = false;
    void this.run();
  }

  private async run(): Promise<void> {
    if (this.busy) return; // a second click (or the dialog's button) while a survey runs starts nothing
    const { form } = this;
    this.busy = true;
    this.stopPressed = false;
    this.live = '';
    this.done = 0;
    this.device = '';
    this.downloadProgress = null;
    try {
      const { source: src, label } = await this.source();
      if (this.stopPressed) {
        this.status = 'stopped before the model loaded: nothing saved';
        return;
      }
      this.status = src.kind === 'hub' ? `downloading ${label} from huggingface.co…` : `loading ${label}…`;
      const api = this.getWorker().api;
      const cancelled = new Promise<never>((_, reject) => {
        this.cancelLoad = () => {
          this.worker?.terminate();
          this.worker = null;
          reject(new Error(CANCELLED));
        };
      });
      const info = await Promise.race([
        api.load(
          src,
          // Callbacks return nothing: Comlink sends a return value back, and Svelte state is not cloneable.
          Comlink.proxy((p: DownloadProgress) => {
            this.downloadProgress = p;
          }),
        ),
        cancelled,
      ]).finally(() => (this.cancelLoad = null));
      this.downloadProgress = null;
      this.device = `${info.device}${info.fallback ? ` (${info.fallback})` : ''}`;
      this.status = `surveying ${label}`;
      let current = 0;
      const result = await api.survey(
        {
          problems: form.problems,
          samples: form.samples,
          preset: form.preset,
          seed: form.seed,
          rewardMode: 'tinyzero',
        },
        form.maxNewTokens,
        Comlink.proxy((t: string) => {
          this.live = (this.live + t).slice(-2000);
        }),
        Comlink.proxy((d: number) => {
          this.done = d;
          if (d !== current) {
            current = d;
            this.live = '';
          }
        }),
      );
      if (result.completions.length === 0) {
        this.status = `stopped before ${label} wrote a response: nothing saved`;
        return;
      }
      const stored: StoredSurvey = {
        id: `${Date.now().toString(36)}-${label}`,
        result: { ...result, model: label },
      };
      await saveSurvey(stored);
      this.surveys = await listSurveys();
      this.shown = [...this.shown, stored.id];
      this.inspected = stored.id;
      this.status = `done: ${label}, accuracy ${(100 * result.accuracy).toFixed(1)}% on ${result.completions.length} responses`;
    } catch (err) {
      const msg = messageOf(err);
      if (msg === CANCELLED) {
        this.status = `stopped while loading: nothing saved`;
        return;
      }
      this.onerror(msg);
      this.status = 'stopped';
    } finally {
      this.busy = false;
      this.downloadProgress = null;
    }
  }

  stop(): void {
    this.stopPressed = true;
    if (this.cancelLoad) this.cancelLoad();
    else void this.worker?.api.stop();
  }

  async importFiles(files: File[]): Promise<void> {
    for (const f of files) {
      try {
        checkResultFileSize(f.name, f.size); // before reading: a huge file is never loaded
        const result = parseSurvey(await f.text(), f.name);
        const stored = { id: `${Date.now().toString(36)}-import-${result.model}`, result };
        await saveSurvey(stored);
        this.shown = [...this.shown, stored.id];
      } catch (err) {
        this.onerror(messageOf(err));
      }
    }
    this.surveys = await listSurveys();
  }

  async remove(id: string): Promise<void> {
    await deleteSurvey(id);
    this.shown = this.shown.filter((s) => s !== id);
    if (this.inspected === id) this.inspected = null;
    this.surveys = await listSurveys();
  }

  toggleShown(id: string, on: boolean): void {
    this.shown = on ? [...this.shown, id] : this.shown.filter((x) => x !== id);
  }

  /** Read the stored surveys (when the page opens); returns the cleanup. */
  open(): () => void {
    void listSurveys()
      .then((s) => {
        this.surveys = s;
        this.shown = s.map((x) => x.id);
      })
      .catch(() => []);
    return () => this.worker?.terminate();
  }
}
