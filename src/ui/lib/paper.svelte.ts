// The Paper replication on the page: the shipped primed models, one after another, with the same
// PPO (that of `habits-lab replicate`), drawn together.

import type { Condition } from '../../behaviors/types';
import { parseConfig } from '../../lab/config';
import { parseReplication, replicationRunConfig } from '../../lab/replication';
import { shippedRef } from '../../model/checkpoint-ref';
import type { Experiment } from './experiment.svelte';
import type { Library } from './library.svelte';
import type { Session } from './session.svelte';

// F1's contrast first: a searcher, then a direct answerer, so the gap shows after the first two
// runs (1.6 minutes at 50 steps on wasm, docs/REPLICATION.md); the four runs of F1 before incorrect.
export const PAPER_CONDITIONS: Condition[] = [
  'backtracking_verification',
  'empty_cot',
  'all_strategies',
  'dots',
  'incorrect',
];

export class PaperReplication {
  /** The conditions still to run, the current one first; empty when none is under way. */
  queue = $state<Condition[]>([]);
  /** Every condition has its shipped model here. */
  readonly ready = $derived(PAPER_CONDITIONS.every((c) => this.library.shipped.some((m) => m.name === c)));

  private readonly session: Session;
  private readonly experiment: Experiment;
  private readonly library: Library;

  constructor(session: Session, experiment: Experiment, library: Library) {
    this.session = session;
    this.experiment = experiment;
    this.library = library;
  }

  async run(): Promise<void> {
    const { form } = this.experiment;
    // The replication's PPO settings (as `habits-lab replicate`), for as many steps as the Steps knob.
    const plan = parseReplication({ rl: { steps: form.steps } });
    const stops = this.session.stops; // a Stop from here on ends the replication
    this.queue = [...PAPER_CONDITIONS];
    for (const condition of PAPER_CONDITIONS) {
      if (this.session.stops !== stops) break;
      const config = parseConfig({
        ...replicationRunConfig(plan, condition, form.seed, shippedRef(condition)),
        name: `paper: ${condition}`,
        backend: form.backend,
      });
      this.experiment.apply(config, `Paper replication: ${condition}`);
      const outcome = await this.session.train(config);
      if (this.session.currentId) this.library.toggleOverlay(this.session.currentId, true);
      this.queue = this.queue.filter((c) => c !== condition);
      if (outcome !== 'done') break;
    }
    this.queue = [];
  }
}
