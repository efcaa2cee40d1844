// One rule per behavior, each reading a sentence against what the response has done so far. The
// rules share the reading state below; classify (./index.ts) calls them in a fixed order, since
// what one sentence's equations do (a step, a goal) is what the cues of the next one are about.

import type { Behavior, BehaviorSpan } from '../types';
import { containsAll, near, sameNumbers, type Equation } from './arithmetic';
import {
  BACKTRACK_RE,
  BACKWARD_RE,
  CONTINUES_PLAN,
  DIFFERENCE,
  EQUALS_NUMBER,
  EXCLAIMED_RESULT,
  GOAL_NUMBER_AIMED,
  NEED_CUE,
  NOT_EQUAL,
  NOT_NUMBER,
  REPORTED_RESULT,
  SUBGOAL_NUMBER_CUES,
  SUBGOAL_RE,
  THAN_NUMBER,
  THE_GOAL_NUMBER,
  VERIFY_RE,
  WEAK_BACKTRACK_RE,
} from './cues';
import type { Sentence } from './sentences';

/** What the response has done so far, as the rules read it sentence by sentence. */
export interface Reading {
  target: number;
  numbers: readonly number[];
  add(behavior: Behavior, start: number, end: number): void;
  available: Set<number>; // given numbers and results computed so far
  needed: Set<number>; // numbers that backward steps said we need
  subgoals: Set<number>;
  seen: Set<string>; // combinations already tried
  leavesOf: Map<number, number[]>;
  prev: { result: number; leaves: number[] } | null; // the previous forward step
  pendingBacktrack: { start: number; weak: boolean } | null; // a cue waiting for the next step
  goalDeclared: boolean; // a subgoal or needed number was named since the previous step
  sawEquation: boolean; // any equation so far (an attempt to move on from)
  // A step that did not use the previous result, decided at the next step: if that step combines
  // both results, the two were a planned pair ("14 * 5 = 70, 9 * 2 = 18, 70 + 18 = 88").
  candidate: { other: number; result: number; start: number; end: number } | null;
  previousGaps: number[]; // differences to the target named in the previous sentence
}

export function startReading(
  problem: { numbers: readonly number[]; target: number },
  spans: BehaviorSpan[],
  counts: Record<Behavior, number>,
): Reading {
  return {
    target: problem.target,
    numbers: problem.numbers,
    add(behavior, start, end) {
      counts[behavior]++;
      spans.push({ behavior, start, end });
    },
    available: new Set<number>(problem.numbers),
    needed: new Set<number>(),
    subgoals: new Set<number>(),
    seen: new Set<string>(),
    leavesOf: new Map<number, number[]>(),
    prev: null,
    pendingBacktrack: null,
    goalDeclared: false,
    sawEquation: false,
    candidate: null,
    previousGaps: [],
  };
}

/** One sentence as the rules see it: lower-cased text for cues, and what its cues say. */
export interface SentenceView {
  sentence: Sentence;
  /** Lower-cased, LaTeX delimiters and emphasis blanked (same length as `converted` text). */
  s: string;
  /** A sentence offset as a response offset (the sentence start when words were rewritten). */
  at(i: number): number;
  hasWords: boolean;
  needMatch: RegExpExecArray | null;
  backwardCue: RegExpExecArray | null;
  checkCue: boolean;
  continuesPlan: boolean;
  /** A goal named in an earlier sentence since the last step. */
  goalBefore: boolean;
  subNumber: number | null;
}

export function viewSentence(r: Reading, sentence: Sentence, converted: string): SentenceView {
  // Cues are read without LaTeX delimiters ("so can I get \\(9\\) from ...").
  const s = converted
    .toLowerCase()
    .replace(/\\[()[\]]/g, '  ')
    .replace(/[$*_]{1,2}(?=\S)|(?<=\S)[$*_]{1,2}/g, (m) => ' '.repeat(m.length));
  const exact = converted.length === sentence.text.length; // offsets inside the sentence are reliable
  const hasWords = /[a-z]/.test(s);
  return {
    sentence,
    s,
    at: (i) => (exact ? sentence.start + i : sentence.start),
    hasWords,
    needMatch: /need|require/.test(s) ? NEED_CUE.exec(s) : null,
    backwardCue: hasWords ? BACKWARD_RE.exec(s) : null,
    checkCue: /\b(?:check|verify|confirm|verification)\b/.test(s),
    continuesPlan: CONTINUES_PLAN.test(s),
    goalBefore: r.goalDeclared,
    subNumber: null,
  };
}

const isGoal = (r: Reading, x: number): boolean => near(x, r.target) || r.needed.has(x) || r.subgoals.has(x);
const solves = (r: Reading, step: { result: number; leaves: number[] }): boolean =>
  near(step.result, r.target) && sameNumbers(step.leaves, r.numbers);

// ---------------------------------------------------------------------------------------------
// Backtracking: a new attempt, announced by a cue or shown by a step that drops the last result

/** A cue ("let's try another way") waits for the step that carries out the new attempt. */
export function noteBacktrackCue(r: Reading, v: SentenceView): void {
  const strongCue = v.hasWords ? BACKTRACK_RE.exec(v.s) : null;
  const backtrackCue = strongCue ?? (v.hasWords ? WEAK_BACKTRACK_RE.exec(v.s) : null);
  if (
    backtrackCue &&
    (r.prev !== null || r.sawEquation) &&
    (!r.pendingBacktrack || (r.pendingBacktrack.weak && strongCue))
  ) {
    r.pendingBacktrack = { start: v.at(backtrackCue.index), weak: strongCue === null };
  }
}

/** A forward step: a new combination after a cue, or one that drops the previous result, is a backtrack. */
export function forwardStep(r: Reading, v: SentenceView, eq: Equation): void {
  // Its leaves: the numbers it combines, with earlier results expanded.
  const leaves = eq.operands.flatMap((o) =>
    r.available.has(o) && r.leavesOf.has(o) && !r.numbers.includes(o) ? (r.leavesOf.get(o) as number[]) : [o],
  );
  const candidate = r.candidate;
  if (candidate) {
    const pairs =
      eq.operands.some((o) => near(o, candidate.other)) && eq.operands.some((o) => near(o, candidate.result));
    if (!pairs) r.add('backtracking', candidate.start, candidate.end);
    r.candidate = null;
  }
  if (r.prev !== null) {
    const p = r.prev;
    const usesPrevious =
      eq.operands.some((o) => near(o, p.result)) ||
      (p.leaves.length >= 2 && leaves.length > p.leaves.length && containsAll(leaves, p.leaves));
    const restatement = near(eq.result, p.result) || v.checkCue;
    const reachesGoal = (r.needed.has(eq.result) || r.subgoals.has(eq.result)) && !near(eq.result, r.target);
    const newCombination = !usesPrevious && !r.seen.has(eq.key) && !restatement;
    const pending = r.pendingBacktrack;
    if (pending && (!pending.weak || (newCombination && !reachesGoal))) {
      r.add('backtracking', pending.start, v.at(eq.end));
    } else if (pending) {
      // A weak cue before a repeat or a planned step: no new attempt.
    } else if (newCombination && !r.goalDeclared && !reachesGoal && !v.continuesPlan) {
      r.candidate = { other: p.result, result: eq.result, start: v.at(eq.start), end: v.at(eq.end) };
    }
  }
  r.pendingBacktrack = null;
  r.goalDeclared = false;
  r.prev = { result: eq.result, leaves };
  r.available.add(eq.result);
  r.leavesOf.set(eq.result, leaves);
  r.seen.add(eq.key);
  r.sawEquation = true;
}

/** At the end: a step still undecided, or a cue never carried out, was a new attempt. */
export function finishBacktracking(r: Reading, length: number): void {
  if (r.candidate) r.add('backtracking', r.candidate.start, r.candidate.end);
  if (r.pendingBacktrack)
    r.add('backtracking', r.pendingBacktrack.start, Math.min(length, r.pendingBacktrack.start + 40));
}

// ---------------------------------------------------------------------------------------------
// Backward chaining: an equation that starts from the target or a number still needed

/**
 * "16 = 8 * 2" with 16 the target, or "8 * 2 = 16" said while reasoning back: counted, and true.
 * Turning to the target after a forward path that did not reach it also starts a new attempt.
 */
export function backwardStep(r: Reading, v: SentenceView, eq: Equation): boolean {
  const T = r.target;
  const goalOperand = eq.operands.some((o) => (near(o, T) || r.needed.has(o)) && !r.available.has(o));
  const hasBackwardContext = v.backwardCue !== null || v.needMatch !== null;
  const backward =
    eq.kind === 'decomposition'
      ? near(eq.result, T) || r.needed.has(eq.result) || r.subgoals.has(eq.result)
      : goalOperand || (hasBackwardContext && eq.operands.some((o) => near(o, T) || r.needed.has(o)));
  if (!backward) return false;
  r.add('backward_chaining', v.at(eq.start), v.at(eq.end));
  // (Not a new attempt when the step builds on that path's result: "98 - 79 = 19" after "44 + 35 = 79".)
  const prev = r.prev;
  const buildsOnPrevious = prev !== null && eq.operands.some((o) => near(o, prev.result));
  const afterCue =
    r.pendingBacktrack !== null &&
    (!r.pendingBacktrack.weak || !buildsOnPrevious || (prev !== null && near(prev.result, T)));
  const turnsBack = prev !== null && !v.goalBefore && !buildsOnPrevious;
  if (afterCue || turnsBack) {
    if (r.candidate) r.add('backtracking', r.candidate.start, r.candidate.end);
    r.candidate = null;
    r.add('backtracking', r.pendingBacktrack?.start ?? v.at(eq.start), v.at(eq.end));
    r.pendingBacktrack = null;
  }
  if (eq.kind === 'decomposition') {
    for (const o of eq.operands) if (!r.available.has(o)) r.needed.add(o);
  } else if (!r.available.has(eq.result)) r.needed.add(eq.result);
  r.goalDeclared = true;
  r.sawEquation = true;
  return true;
}

/**
 * "So 24 = 6 * 4 * (3 - 2)" right after a full solution reached 24 restates that answer with every
 * given number: not a new attempt. ("11 = 16 - 1" after a full solution the model rejected, or
 * "23 = 41 - 18" after a path that hit 23 without every number, is one.)
 */
export function restatesSolution(r: Reading, eq: Equation): boolean {
  return (
    eq.kind === 'decomposition' &&
    r.prev !== null &&
    solves(r, r.prev) &&
    near(eq.value, r.target) &&
    sameNumbers(eq.operands, r.numbers)
  );
}

/**
 * Backward chaining in words, for a sentence without a backward equation: a number named to close
 * the gap to the target ("109, which is 9 over. Can I get 9 from 4 and 3?"), or "working backwards".
 */
export function backwardChainingInWords(r: Reading, v: SentenceView, backwardSteps: number): void {
  if (v.needMatch) {
    r.needed.add(Number(v.needMatch[1]));
    r.goalDeclared = true;
  }
  const gaps = [...v.s.matchAll(DIFFERENCE)].map((m) => Number(m[1]));
  const wanted = [v.subNumber, v.needMatch ? Number(v.needMatch[1]) : null].filter(
    (x): x is number => x !== null,
  );
  const closesGap = wanted.some((w) => gaps.includes(w) || r.previousGaps.includes(w));
  let counted = backwardSteps;
  if (counted === 0 && closesGap) {
    counted++;
    r.add('backward_chaining', v.sentence.start, v.sentence.end);
  }
  r.previousGaps = gaps;
  if (counted === 0 && v.backwardCue)
    r.add(
      'backward_chaining',
      v.at(v.backwardCue.index),
      v.at(v.backwardCue.index + v.backwardCue[0].length),
    );
}

// ---------------------------------------------------------------------------------------------
// Subgoal setting: a number to reach on the way ("first, make 8"), or a plan in words

/**
 * The first cue that names a real goal: not the target itself (unless "close to" it), and not a
 * computation being reported ("add 38 and 27 to get 65"). Read before the sentence's equations.
 */
export function noteSubgoal(r: Reading, v: SentenceView): void {
  if (!v.hasWords) return;
  for (const pattern of SUBGOAL_NUMBER_CUES) {
    const m = pattern.exec(v.s);
    if (!m || REPORTED_RESULT.test(m[0])) continue;
    if (near(Number(m[1]), r.target) && !/close\s+to|near|around/.test(m[0])) continue;
    v.subNumber = Number(m[1]);
    r.subgoals.add(v.subNumber);
    r.goalDeclared = true;
    return;
  }
}

export function subgoalSetting(r: Reading, v: SentenceView): void {
  if (v.subNumber !== null || (v.hasWords && SUBGOAL_RE.test(v.s)))
    r.add('subgoal_setting', v.sentence.start, v.sentence.end);
}

// ---------------------------------------------------------------------------------------------
// Verification: a comparison with a goal, or an explicit check

export function verification(r: Reading, v: SentenceView): void {
  const s = v.s;
  const notGoal = [...s.matchAll(NOT_NUMBER)].some((m) => isGoal(r, Number(m[1])));
  const equalsGoal = EQUALS_NUMBER.exec(s);
  const positiveGoal =
    equalsGoal !== null && isGoal(r, Number(equalsGoal[1])) && /!|target|goal|exactly/.test(s);
  const theGoal = THE_GOAL_NUMBER.exec(s) ?? GOAL_NUMBER_AIMED.exec(s);
  const reachedGoal = theGoal !== null && isGoal(r, Number(theGoal[1]));
  const thanGoal = [...s.matchAll(THAN_NUMBER)].some((m) => isGoal(r, Number(m[1])));
  const exclaimGoal = [...s.matchAll(EXCLAIMED_RESULT)].some((m) => isGoal(r, Number(m[1])));
  if (
    notGoal ||
    thanGoal ||
    exclaimGoal ||
    NOT_EQUAL.test(s) ||
    positiveGoal ||
    reachedGoal ||
    VERIFY_RE.test(s)
  )
    r.add('verification', v.sentence.start, v.sentence.end);
}
