// The sentences priming traces are written with. Several phrasings per behavior, so neither a model
// nor the classifier can lean on one fixed string. Placeholders: {r} a result, {g} a goal (the target
// or a subgoal), {t} the target, {d} a difference, {y} a needed number, {nums} a list of numbers,
// {eq} an equation.
//
// Each list is used for exactly one behavior, and the classifier recognises each phrasing through
// its general cue patterns (see classify.ts), never through these exact strings.

/** Verification of a failed result against a goal. "{r}, not {g}." is appended to an equation. */
export const VERIFY_FAIL = [
  ', not {g}.',
  '. {r} is not {g}.',
  '. That gives {r}, not {g}.',
  '. Close, but {r} is not {g}.',
  '. Off by {d}.',
  '. Too {high}.',
] as const;

/** Verification that a result reached the target. */
export const VERIFY_SUCCESS = [
  'That works!',
  'This works!',
  'Yes, that is the target.',
  'Got it!',
  '{t}, the target!',
  'That hits the target.',
] as const;

/** Abandoning the current path. */
export const BACKTRACK = [
  "Let's try another way.",
  'Let me try something else.',
  'Try a different combination.',
  'Back up and try again.',
  "Let's try a different sequence.",
  'Scrap that.',
  'Start over.',
  'Another idea.',
] as const;

/** Setting an intermediate goal that the following steps then try to reach. */
export const SUBGOAL = [
  'First, make {g} from {nums}.',
  "Let's aim for {g} first, using {nums}.",
  'Subgoal: get {g} from {nums}.',
  'Plan: reach {g} with {nums} first.',
] as const;

/** Reasoning back from the target (or a needed number) to a new needed number. */
export const BACKWARD_SPLIT = [
  '{t} = {eq}, so we need {y}.',
  'Since {t} = {eq}, we need {y}.',
  'Working backwards, {t} = {eq}, so I need {y}.',
] as const;
export const BACKWARD_INVERSE = [
  'Working backwards: {eq}, so we need {y}.',
  'From the target, {eq}, so we need {y}.',
] as const;

/** The linear solution of the negative control. */
export const LINEAR_STEP = ['Step {i}: {eq}.', '{eq}.'] as const;

/** An attempt's numbers in the order its steps use them (numbersFirst): no behavior, bookkeeping. */
export const NUMBERS_FIRST = ['Using {nums}:'] as const;

/** Connectors between the equations of one attempt. */
export const STEP_JOIN = [', ', '. ', '. Then ', ', then '] as const;

/** Fill {placeholders}. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    if (!(key in values)) throw new Error(`phrase "${template}" needs {${key}}`);
    return String(values[key]);
  });
}

/** "5", "5 and 3", "5, 3 and 2". */
export function listNumbers(numbers: readonly number[]): string {
  if (numbers.length <= 1) return numbers.join('');
  return `${numbers.slice(0, -1).join(', ')} and ${numbers[numbers.length - 1]}`;
}
