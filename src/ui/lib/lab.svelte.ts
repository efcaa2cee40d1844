// The page's stores, made together: what it tells the reader (Messages), what this browser holds
// (Library), the experiment in the setup column (Experiment), the run on the page (Session) and
// the Paper replication. Components take the ones they show.

import { Experiment } from './experiment.svelte';
import { Library } from './library.svelte';
import { Messages } from './messages.svelte';
import { PaperReplication } from './paper.svelte';
import { Session } from './session.svelte';
import { withShippedDefault } from './setup';

export class Lab {
  readonly messages = new Messages();
  readonly library = new Library(this.messages);
  readonly experiment = new Experiment(this.library, this.messages);
  readonly session = new Session(this.experiment, this.library, this.messages);
  readonly paper = new PaperReplication(this.session, this.experiment, this.library);
  /** "What to try" starts unfolded for a first visit, folded once there are runs. */
  tryOpen = $state(true);

  /** Open the page: read what is stored, load a shared link, probe the backend. Returns the cleanup. */
  open(): () => void {
    const tick = setInterval(() => (this.session.now = Date.now()), 1000);
    const onHash = () => {
      if (!this.session.running) this.experiment.loadFromLink();
    };
    window.addEventListener('hashchange', onHash);
    void (async () => {
      await this.library.loadRuns();
      this.tryOpen = this.library.runs.length === 0; // at once: nothing sees it unfolded over runs
      await this.library.loadModels();
      const { form } = this.experiment;
      // Without the default's shipped model (all_strategies), the first shipped one, or priming.
      Object.assign(form, withShippedDefault(form, this.library.shipped));
      const names = this.library.shipped.map((m) => m.name);
      if (names.length && !names.includes(form.shipped)) form.shipped = names[0];
      onHash();
      await this.session.probeBackend();
    })();
    return () => {
      clearInterval(tick);
      window.removeEventListener('hashchange', onHash);
    };
  }
}
