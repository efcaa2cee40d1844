// The paper's numbers (Llama-3.2-3B after priming, paper-facts.md §7), beside which a replication
// reports its own, and the groups of conditions its findings compare.

import type { Condition } from '../../behaviors/types';

export interface PaperRow {
  acc0: number;
  acc250: number;
  /** verification, backtracking, subgoal setting, backward chaining (average count per response) */
  behaviors0: [number, number, number, number];
  behaviors250: [number, number, number, number];
}

export const PAPER_RESULTS: Partial<Record<Condition, PaperRow>> = {
  all_strategies: {
    acc0: 0.352,
    acc250: 0.736,
    behaviors0: [1.67, 2.6, 3.42, 1.61],
    behaviors250: [3.81, 4.57, 0.1, 0.04],
  },
  only_backtracking: {
    acc0: 0.409,
    acc250: 0.769,
    behaviors0: [0.59, 2.96, 0.1, 0.07],
    behaviors250: [0.64, 4.58, 0.04, 0.1],
  },
  backtracking_verification: {
    acc0: 0.419,
    acc250: 0.774,
    behaviors0: [2.56, 2.94, 0.61, 0.07],
    behaviors250: [3.4, 3.81, 0, 0.01],
  },
  backtracking_subgoal: {
    acc0: 0.176,
    acc250: 0.706,
    behaviors0: [0.12, 2.93, 3.63, 0.03],
    behaviors250: [0.33, 4.87, 2.0, 0.12],
  },
  backtracking_backward: {
    acc0: 0.31,
    acc250: 0.773,
    behaviors0: [0.13, 2.5, 0.95, 2.12],
    behaviors250: [0.12, 4.77, 0.08, 2.4],
  },
  incorrect: {
    acc0: 0.283,
    acc250: 0.735,
    behaviors0: [1.89, 3.17, 3.73, 1.59],
    behaviors250: [3.63, 4.05, 0.15, 0.12],
  },
  empty_cot: { acc0: 0.061, acc250: 0.41, behaviors0: [0, 0, 0, 0], behaviors250: [0, 0, 0, 0] },
  dots: { acc0: 0.111, acc250: 0.381, behaviors0: [0, 0, 0, 0], behaviors250: [0, 0, 0, 0] },
};

/** Conditions whose traces carry behaviors and correct answers (F1 compares them with the empty ones). */
export const BEHAVIOR_CONDITIONS: Condition[] = [
  'all_strategies',
  'backtracking_verification',
  'only_backtracking',
];
export const EMPTY_CONDITIONS: Condition[] = ['empty_cot', 'dots'];
/**
 * F4's models without behaviors, by what their priming leaves to collapse: empty_cot (the answer
 * alone) and negative_control (a direct linear solution) are primed on short direct answers already,
 * the end point of the paper's collapse; dots' filler is what a collapse removes.
 */
export const DIRECT_CONDITIONS: Condition[] = ['empty_cot', 'negative_control'];
export const FILLER_CONDITIONS: Condition[] = ['dots'];
