// The experiment the setup column describes: the knobs (lib/knobs.ts), the folded PPO settings the
// user set, and the config loaded from a preset, a share link or a Paper replication run, which
// Train runs with the knobs changed since written over it (lib/setup.ts).

import {
  CONFIG_PRESETS,
  configFromFragment,
  configToFragment,
  parseConfig,
  type ExperimentConfig,
} from '../../lab/config';
import { shippedName } from '../../model/checkpoint-ref';
import { messageOf } from './explain';
import { KNOBS, getPath, initialOf, type AdvancedKey } from './knobs';
import type { Library } from './library.svelte';
import type { Messages } from './messages.svelte';
import {
  DEFAULT_FORM,
  configFromForm,
  heldOutCount,
  hiddenSettings,
  load,
  type AdvancedSettings,
  type Loaded,
  type SetupForm,
} from './setup';

export class Experiment {
  form = $state<SetupForm>({ ...DEFAULT_FORM });
  /** The folded PPO settings the user changed; the rest are the experiment's own. */
  advanced = $state<AdvancedSettings>({});
  // A config loaded from a share link, a preset or a Paper replication: Train runs it with the
  // knobs changed since written over it, so nothing the form has no knob for is lost.
  loaded = $state.raw<Loaded | null>(null);
  // The preset menu: '' (your own settings), a preset's name, or 'loaded' (a link or a Paper
  // replication run, named by loadedLabel).
  preset = $state('');
  loadedLabel = $state('');
  shareLink = $state('');

  private readonly library: Library;
  private readonly messages: Messages;

  constructor(library: Library, messages: Messages) {
    this.library = library;
    this.messages = messages;
  }

  /** What Train runs now; throws while a knob is out of range. */
  build(): ExperimentConfig {
    return configFromForm(this.form, this.loaded, this.library.hasBase, this.advanced);
  }

  // What Train would run now (null while a knob is out of range: Train reports it).
  readonly planned = $derived.by(() => {
    try {
      return this.build();
    } catch {
      return null;
    }
  });
  // The same knobs with nothing loaded: what a loaded experiment sets beyond them is listed.
  readonly plain = $derived.by(() => {
    if (!this.loaded) return this.planned ?? undefined; // the same thing
    try {
      return configFromForm(this.form, null, this.library.hasBase, this.advanced);
    } catch {
      return undefined;
    }
  });
  /** What the experiment sets that no knob shows, in words. */
  readonly hidden = $derived(
    this.planned ? hiddenSettings(this.planned, this.plain, heldOutCount(this.planned)) : [],
  );

  /** A folded setting as the experiment has it: the user's value, else what Train would run. */
  advancedValue(key: AdvancedKey): unknown {
    if (key in this.advanced) return this.advanced[key];
    const path = KNOBS[key].path;
    return getPath(this.planned ?? this.loaded?.config, path) ?? initialOf(key);
  }

  setAdvanced(key: AdvancedKey, value: unknown): void {
    (this.advanced as Record<string, unknown>)[key] = value;
  }

  /** Show config `c` in the form, and run it (with any later edits) on Train; `label` names it in the preset menu. */
  apply(c: ExperimentConfig, label: string): void {
    this.loaded = load(c, this.form);
    Object.assign(this.form, this.loaded.form);
    this.advanced = {};
    this.loadedLabel = label;
    this.preset = label in CONFIG_PRESETS ? label : 'loaded';
  }

  /** A starting model the config names that this page does not have, in words; null if none. */
  missingStart(c: ExperimentConfig): string | null {
    if (c.start.kind !== 'checkpoint') return null;
    const id = c.start.checkpoint;
    const name = shippedName(id);
    if (name !== null) {
      return this.library.shipped.some((m) => m.name === name)
        ? null
        : `It starts from the shipped model "${name}", which this page does not have (npm run models builds the shipped models): choose another starting model.`;
    }
    return this.library.imported.some((m) => m.id === id)
      ? null
      : `It starts from a model imported in another browser: import that model here, or choose another starting model.`;
  }

  /** An experiment preset (as \`habits-lab train --preset NAME\`): every setting, the backend kept. */
  applyPreset(name: string): void {
    if (!name) {
      // "Your own settings": the knobs as they are, the page's defaults for the rest (and the
      // page's run name, unless it was changed).
      if (this.loaded && this.form.name === this.loaded.form.name) this.form.name = DEFAULT_FORM.name;
      this.loaded = null;
      return;
    }
    const c = parseConfig({ ...CONFIG_PRESETS[name].config, backend: this.form.backend });
    this.apply(c, name);
    const missing = this.missingStart(c);
    if (missing) this.messages.error(`The ${name} preset: ${missing}`);
  }

  /** A link that reproduces what the form would run now (after a run, its config unless a knob changed since). */
  share(): void {
    try {
      this.shareLink = `${location.origin}${location.pathname}${configToFragment(this.build())}`;
      void navigator.clipboard?.writeText(this.shareLink).catch(() => {});
    } catch (err) {
      this.messages.error(messageOf(err));
    }
  }

  /** A shared link carries its experiment in the URL fragment: load it into the setup. */
  loadFromLink(): void {
    if (!location.hash.includes('config=')) return;
    try {
      const c = configFromFragment(location.hash);
      this.apply(c, 'the shared link');
      this.messages.notices = ['Loaded the shared experiment from the link: press Train to reproduce it.'];
      const missing = this.missingStart(c);
      if (missing) this.messages.error(`The shared experiment: ${missing}`);
    } catch (err) {
      this.messages.errors = [`The link's experiment could not be read: ${messageOf(err)}`];
    }
  }
}
