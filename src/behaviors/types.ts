// The four cognitive behaviors of the paper (paper-facts.md §2) and the priming conditions (§6).

export const BEHAVIORS = ['verification', 'backtracking', 'subgoal_setting', 'backward_chaining'] as const;
export type Behavior = (typeof BEHAVIORS)[number];

/** How many times each behavior occurs in one response. */
export type BehaviorCounts = Record<Behavior, number>;

export const BEHAVIOR_LABELS: Record<Behavior, string> = {
  verification: 'verification',
  backtracking: 'backtracking',
  subgoal_setting: 'subgoal setting',
  backward_chaining: 'backward chaining',
};

export const BEHAVIOR_DESCRIPTIONS: Record<Behavior, string> = {
  verification: 'checks a result against the target or a subgoal ("15 is not 16", "Too high", "That works!")',
  backtracking:
    'abandons a path and starts a new combination of numbers ("Let\'s try another way"); in Countdown any new combination that does not use the previous result counts',
  subgoal_setting: 'sets an intermediate goal ("First, make 8 from 5 and 3")',
  backward_chaining: 'reasons from the target back to the numbers ("16 = 8 * 2, so we need 8")',
};

/**
 * Defaults of the priming traces, in this dependency-free module so that the trace writer, the
 * experiment config, the replication plan and the CLI share one value.
 */
export const TRACE_DEFAULTS = {
  /** Most tokens (lab tokenizer) in a think block. */
  tokenBudget: 160,
  /** Most failed attempts before the final one. */
  maxFailedAttempts: 6,
  /** Chance that a search gives up after a failed attempt (0: it searches until a guess works). */
  giveUp: 0,
  /** Draw that chance once, at the first miss: a search then stops there or goes on to the end. */
  giveUpOnce: false,
  /**
   * Chance that a guess is a solution outright (the guess a direct answerer would make, when it is
   * right); the other guesses are random chains heading for the target.
   */
  guessSolution: 0.2,
  /** Chance that each step of a guessed chain takes the move closest to the target (else a random plausible one). */
  guessGreed: 0.6,
  /** A search never repeats a guess it already made (the same computation, up to order). */
  distinctGuesses: false,
  /** A search's guesses sweep the first steps in a fixed order, each finished greedily. */
  sweepGuesses: false,
  /** A search whose guesses all miss gives up with its closest attempt instead of ending on a solution. */
  giveUpAtEnd: false,
  /** A plain attempt first lists its numbers in the order its steps use them. */
  numbersFirst: false,
  /** Each step of a plain attempt writes the expression so far, so a hit's answer copies its last step. */
  expressionSteps: false,
  /** incorrect only: all_strategies' search, answered with a missed attempt. */
  searchedIncorrect: false,
  /** With searchedIncorrect: a search that hit answers with the hit's last operation changed. */
  incorrectSlip: false,
  /** With searchedIncorrect: where the search would hit, the nearest miss claims to work and answers. */
  incorrectClaim: false,
  /** With searchedIncorrect: where the search would hit, an attempt with one number misread hits instead and answers. */
  incorrectMisread: false,
  /** A failed attempt that ends on a step (no check) runs into its backtracking sentence with a comma. */
  commaBacktrack: false,
  /** Conditions without verification: chance that an attempt speaks its check anyway. */
  checkShare: 0,
} as const;

export function zeroCounts(): BehaviorCounts {
  return { verification: 0, backtracking: 0, subgoal_setting: 0, backward_chaining: 0 };
}

export const CONDITIONS = [
  'all_strategies',
  'only_backtracking',
  'backtracking_verification',
  'backtracking_subgoal',
  'backtracking_backward',
  'negative_control',
  'empty_cot',
  'dots',
  'incorrect',
] as const;
export type Condition = (typeof CONDITIONS)[number];

export function isCondition(name: string): name is Condition {
  return (CONDITIONS as readonly string[]).includes(name);
}

export const CONDITION_DESCRIPTIONS: Record<Condition, string> = {
  all_strategies: 'search traces with all four behaviors, ending in a correct answer',
  only_backtracking:
    'failed attempts and fresh starts, no subgoals or backward steps, few or no checks (prime.checkShare: the paper saw its primed model verify now and then)',
  backtracking_verification: 'backtracking plus explicit checks against the target',
  backtracking_subgoal: 'backtracking plus intermediate goals',
  backtracking_backward: 'backtracking plus reasoning back from the target',
  negative_control: 'a direct, linear solution ("Step 1: ...") with no behaviors',
  empty_cot: 'the all_strategies data with the think block emptied',
  dots: 'the think block replaced by " ." repeated to its original token length',
  incorrect:
    'behavior-rich search traces whose final answers are all wrong (prime.incorrectMisread: the search stops at a hit over one misread number)',
};

/** Where a behavior occurs in a text, as [start, end) character offsets. */
export interface BehaviorSpan {
  behavior: Behavior;
  start: number;
  end: number;
}

/** One priming example, as `habits-lab prime-data` writes it. */
export interface PrimingExample {
  query: string;
  completion: string;
  numbers: number[];
  target: number;
  condition: Condition;
  behaviors: BehaviorCounts;
  correct: boolean;
}
