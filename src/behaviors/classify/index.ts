// A local, deterministic classifier for the four behaviors, following the paper's definitions
// (paper-facts.md §2). It reads a response sentence by sentence, parses the arithmetic in it, and
// combines three kinds of evidence:
//
//   equations  "5 + 3 = 8" is a forward step; "16 = 8 * 2" or "16 / 2 = 8" (the target, or a number
//              we still need, on the left) is a backward step
//   structure  a forward step that does not use the previous step's result is a new combination of
//              numbers, which the paper counts as backtracking in Countdown
//   cues       phrases such as "not 16", "too high", "that works" (verification), "let's try
//              another way" (backtracking), "first, make 8" (subgoal), "working backwards" and
//              "so we need 8" (backward chaining)
//
// Counting units: one verification and one subgoal at most per sentence; one backward-chaining
// count per backward equation (or per "working backwards" sentence without one); one backtrack per
// new attempt, where a cue and the forward step that follows it are the same backtrack.
// Every count comes with the span of text it was read from, for highlighting.
//
// Files: ./sentences (splitting), ./arithmetic (equations), ./cues (phrases), ./rules (one rule per
// behavior over the reading state); this file reads a response through them in order.

import { BEHAVIORS, zeroCounts, type BehaviorCounts, type BehaviorSpan } from '../types';
import { findEquations, near, numberWordsToDigits } from './arithmetic';
import { MAYBE_EQUATION } from './cues';
import {
  backwardChainingInWords,
  backwardStep,
  finishBacktracking,
  forwardStep,
  noteBacktrackCue,
  noteSubgoal,
  restatesSolution,
  startReading,
  subgoalSetting,
  verification,
  viewSentence,
} from './rules';
import { splitAtBacktrackCue, splitSentences } from './sentences';

export { arithmeticRuns, findEquations, normalizeArithmetic, numberWordsToDigits } from './arithmetic';
export { splitSentences } from './sentences';

export interface ProblemContext {
  numbers: readonly number[];
  target: number;
}

export interface Classification {
  counts: BehaviorCounts;
  spans: BehaviorSpan[];
}

/** Longer inputs are classified on their first MAX_CHARS characters (bounded time on any input). */
export const MAX_CHARS = 20_000;

/** Count the four behaviors in a response to a Countdown problem, with the spans they come from. */
export function classify(text: string, problem: ProblemContext): Classification {
  const input = text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text;
  const counts = zeroCounts();
  const spans: BehaviorSpan[] = [];
  const r = startReading(problem, spans, counts);

  for (const sentence of splitSentences(input).flatMap(splitAtBacktrackCue)) {
    if (!/[A-Za-z0-9✓✔✅❌✗✘]/.test(sentence.text)) continue; // punctuation only (e.g. the dots condition)
    const converted = numberWordsToDigits(sentence.text);
    const v = viewSentence(r, sentence, converted);
    noteBacktrackCue(r, v);
    noteSubgoal(r, v); // subgoals named in this sentence are known before its equations are read

    let backwardSteps = 0;
    for (const eq of MAYBE_EQUATION.test(v.s) ? findEquations(converted) : []) {
      if (restatesSolution(r, eq)) continue;
      if (backwardStep(r, v, eq)) {
        backwardSteps++;
        continue;
      }
      // A false "N = a op b" that is not about a goal is a misreading of prose ("adding 21 gives 40 + 21").
      if (eq.kind === 'decomposition' && !near(eq.value, eq.result)) continue;
      forwardStep(r, v, eq);
    }

    backwardChainingInWords(r, v, backwardSteps);
    subgoalSetting(r, v);
    verification(r, v);
  }
  finishBacktracking(r, input.length);
  spans.sort((a, b) => a.start - b.start || BEHAVIORS.indexOf(a.behavior) - BEHAVIORS.indexOf(b.behavior));
  return { counts, spans };
}
