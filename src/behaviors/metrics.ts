// Batch metrics over many responses: the paper's metric (average count per response) and the share
// of responses that show a behavior at least once.

import { BEHAVIORS, zeroCounts, type BehaviorCounts } from './types';

export interface BehaviorSummary {
  n: number;
  /** Average count per response (the paper's metric). */
  mean: BehaviorCounts;
  /** Share of responses with a count of at least 1. */
  present: BehaviorCounts;
}

export function summarizeBehaviors(all: readonly BehaviorCounts[]): BehaviorSummary {
  const mean = zeroCounts();
  const present = zeroCounts();
  for (const counts of all) {
    for (const b of BEHAVIORS) {
      mean[b] += counts[b];
      if (counts[b] >= 1) present[b] += 1;
    }
  }
  const n = all.length;
  for (const b of BEHAVIORS) {
    mean[b] = n === 0 ? 0 : mean[b] / n;
    present[b] = n === 0 ? 0 : present[b] / n;
  }
  return { n, mean, present };
}
