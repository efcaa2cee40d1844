// The Countdown reward.
//
// Mode `tinyzero` reproduces TinyZero's `compute_score(solution_str, ground_truth, format_score=0.1,
// score=1.0)` step for step (paper-facts.md §4):
//   1. keep the text after the first "Assistant:" (else after the first "<|im_start|>assistant",
//      else there is no answer)
//   2. keep only the last line (split on "\n")
//   3. the last non-greedy match of <answer>(.*?)</answer> on that line, stripped of whitespace
//   4. no answer: 0
//   5. the multiset of integers read from the digit runs must equal the given numbers: else 0.1
//   6. only digits, + - * / ( ) . and whitespace; evaluated as a Python 3 expression: else 0.1
//   7. |value - target| < 1e-5: 1.0, else 0.1
// Python's regex classes are Unicode-aware (\d is any decimal digit, \s any Unicode space, `.`
// anything but "\n"), and so is this port. The expression goes to our own bounded evaluator
// (./pyexpr), never to eval.
//
// Mode `strict` (the lab's training default) extracts the answer the same way, then accepts only
// ASCII integers without leading zeros, binary + - * /, parentheses and spaces (no **, //,
// decimals, unary signs) and compares in exact rational arithmetic: value must equal the target.

import { closeTo, MAX_PAREN_DEPTH, PyError, pyEval, pyRepr } from './pyexpr';

export type RewardMode = 'tinyzero' | 'strict';
export const REWARD_MODES: RewardMode[] = ['tinyzero', 'strict'];

/** Why a response got its score; `truncated` is set by callers for responses cut by a token budget. */
export type RewardReason =
  'no_answer' | 'wrong_numbers' | 'invalid' | 'wrong_value' | 'correct' | 'truncated';
export const REWARD_REASONS: RewardReason[] = [
  'no_answer',
  'wrong_numbers',
  'invalid',
  'wrong_value',
  'correct',
  'truncated',
];

/**
 * The problem a response is scored against. A bigint, or a number that is a safe integer, is a
 * Python int; any other number is a Python float (as JSON's `1e71` or `2.5` are for TinyZero).
 */
export interface GroundTruth {
  target: number | bigint;
  numbers: readonly (number | bigint)[];
}

export interface RewardOptions {
  mode?: RewardMode;
  /** Score for a parseable answer that is not correct (TinyZero's format_score). */
  formatScore?: number;
  /** Score for a correct answer. */
  score?: number;
}

export interface RewardResult {
  score: number;
  reason: RewardReason;
  /** The extracted answer text, or null when there is none. */
  answer: string | null;
  /** The evaluated value, as Python (tinyzero) or as a fraction (strict) would print it. */
  value?: string;
  /** A short explanation for people (the error for `invalid`). */
  detail?: string;
}

export const DEFAULT_FORMAT_SCORE = 0.1;
export const DEFAULT_SCORE = 1.0;
export const TOLERANCE = 1e-5;

// Python's str.isspace() / re's \s for str patterns.
const PY_SPACE =
  '\t\n\u000b\u000c\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
const isPySpace = (c: string): boolean => PY_SPACE.includes(c);
const isDecimalDigit = (c: string): boolean => /^\p{Nd}$/u.test(c);

/** Python's str.strip() with no arguments. */
export function pyStrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isPySpace(s[a])) a++;
  while (b > a && isPySpace(s[b - 1])) b--;
  return s.slice(a, b);
}

/** The text after the prefix that TinyZero requires, or null (step 1). */
export function afterAssistant(solutionStr: string): string | null {
  for (const marker of ['Assistant:', '<|im_start|>assistant']) {
    const at = solutionStr.indexOf(marker);
    if (at >= 0) return solutionStr.slice(at + marker.length);
  }
  return null;
}

/**
 * The last <answer>...</answer> on the last line, stripped (steps 2-3), or null.
 * Equivalent to Python's re.finditer(r'<answer>(.*?)</answer>') without DOTALL, in linear time.
 */
export function extractAnswer(response: string): string | null {
  const line = response.slice(response.lastIndexOf('\n') + 1);
  const OPEN = '<answer>';
  const CLOSE = '</answer>';
  let last: string | null = null;
  let from = 0;
  for (;;) {
    const open = line.indexOf(OPEN, from);
    if (open < 0) break;
    const close = line.indexOf(CLOSE, open + OPEN.length);
    if (close < 0) break; // no later <answer> can close either
    last = line.slice(open + OPEN.length, close);
    from = close + CLOSE.length;
  }
  return last === null ? null : pyStrip(last);
}

/** TinyZero's extract_solution: prefix rule, then the last answer on the last line. */
export function extractSolution(solutionStr: string): string | null {
  const response = afterAssistant(solutionStr);
  return response === null ? null : extractAnswer(response);
}

/** The value of a run of decimal digits (any Unicode Nd digits, as Python's int() reads them). */
function digitRunValue(run: string): string {
  let out = '';
  for (const ch of run) {
    const cp = ch.codePointAt(0) ?? 48;
    if (cp < 128) {
      out += ch;
      continue;
    }
    // Unicode decimal digits come in contiguous runs of ten starting at zero, so a digit's value is
    // its distance from the start of its run of Nd code points, modulo 10.
    let k = 0;
    while (isDecimalDigit(String.fromCodePoint(cp - k - 1))) k++;
    out += String(k % 10);
  }
  const trimmed = out.replace(/^0+/, '');
  return trimmed === '' ? '0' : trimmed;
}

/**
 * Python's re.findall(r'\d+', text), scanned one character at a time: V8's /\p{Nd}+/gu overflows
 * the stack on a run of millions of non-ASCII digits, and model output may be anything.
 */
function digitRuns(text: string): string[] {
  const runs: string[] = [];
  let run = '';
  for (const ch of text) {
    const digit = ch >= '0' && ch <= '9' ? true : ch.charCodeAt(0) < 128 ? false : isDecimalDigit(ch);
    if (digit) run += ch;
    else if (run !== '') {
      runs.push(run);
      run = '';
    }
  }
  if (run !== '') runs.push(run);
  return runs;
}

/** Step 5: the multiset of integers in the digit runs equals the given numbers. */
export function usesExactlyNumbers(answer: string, numbers: readonly (number | bigint)[]): boolean {
  const runs = digitRuns(answer);
  if (runs.length !== numbers.length) return false;
  // Python compares sorted lists of ints; integer equality is equality of the canonical digit
  // strings, which avoids converting huge runs.
  const found = runs.map(digitRunValue).sort();
  const given = numbers
    .map((x) => (typeof x === 'bigint' || Number.isInteger(x) ? BigInt(x) : null))
    .map((x) => (x !== null && x >= 0n ? x.toString() : 'not a digit run'))
    .sort();
  return found.every((v, i) => v === given[i]);
}

/** Step 6's character filter: ^[\d+\-*\/().\s]+$ with Python's Unicode classes. */
export function passesCharacterFilter(answer: string): boolean {
  if (answer.length === 0) return false;
  for (const ch of answer) {
    if ('+-*/().'.includes(ch) || isPySpace(ch) || isDecimalDigit(ch)) continue;
    return false;
  }
  return true;
}

function resultOf(
  kind: 'no_answer' | 'wrong_numbers' | 'invalid' | 'wrong_value' | 'correct',
  answer: string | null,
  o: Required<RewardOptions>,
  extra: { value?: string; detail?: string } = {},
): RewardResult {
  const score = kind === 'no_answer' ? 0 : kind === 'correct' ? o.score : o.formatScore;
  return { score, reason: kind, answer, ...extra };
}

function withDefaults(options: RewardOptions): Required<RewardOptions> {
  const o = {
    mode: options.mode ?? 'strict',
    formatScore: options.formatScore ?? DEFAULT_FORMAT_SCORE,
    score: options.score ?? DEFAULT_SCORE,
  };
  if (!REWARD_MODES.includes(o.mode))
    throw new Error(`unknown reward mode "${o.mode}"; choose tinyzero or strict`);
  if (!Number.isFinite(o.formatScore) || !Number.isFinite(o.score))
    throw new Error('scores must be finite numbers');
  return o;
}

/** Score an extracted answer (null = none) against the ground truth. */
export function scoreAnswer(
  answer: string | null,
  truth: GroundTruth,
  options: RewardOptions = {},
): RewardResult {
  const o = withDefaults(options);
  if (answer === null)
    return resultOf('no_answer', null, o, { detail: 'no <answer>...</answer> on the last line' });
  if (!usesExactlyNumbers(answer, truth.numbers)) {
    return resultOf('wrong_numbers', answer, o, {
      detail: `must use each of ${truth.numbers.join(', ')} exactly once`,
    });
  }
  if (o.mode === 'tinyzero') {
    if (!passesCharacterFilter(answer))
      return resultOf('invalid', answer, o, {
        detail: 'characters other than digits, + - * / ( ) . and spaces',
      });
    try {
      const value = pyEval(answer);
      const correct = closeTo(value, truth.target, TOLERANCE);
      return resultOf(correct ? 'correct' : 'wrong_value', answer, o, { value: pyRepr(value) });
    } catch (err) {
      if (err instanceof PyError) return resultOf('invalid', answer, o, { detail: err.message });
      throw err;
    }
  }
  const evaluated = evalStrict(answer);
  if ('error' in evaluated) return resultOf('invalid', answer, o, { detail: evaluated.error });
  const { n, d } = evaluated;
  const value = d === 1n ? n.toString() : `${n}/${d}`;
  const target = truth.target;
  const correct =
    (typeof target === 'bigint' || Number.isInteger(target)) && d === 1n && n === BigInt(target);
  return resultOf(correct ? 'correct' : 'wrong_value', answer, o, { value });
}

/** TinyZero's call shape: the decoded prompt + response, and {target, numbers}. */
export function computeScore(
  solutionStr: string,
  truth: GroundTruth,
  options: RewardOptions = {},
): RewardResult {
  return scoreAnswer(extractSolution(solutionStr), truth, options);
}

/** Score a model's response alone (what follows the prompt), as the lab's trainer does. */
export function scoreResponse(
  response: string,
  truth: GroundTruth,
  options: RewardOptions = {},
): RewardResult {
  return scoreAnswer(extractAnswer(response), truth, options);
}

// ---------------------------------------------------------------------------------------------
// Strict mode: integers, binary + - * /, parentheses; exact rationals.

interface Rat {
  n: bigint;
  d: bigint; // > 0
}

const MAX_STRICT_CHARS = 10_000;
const MAX_STRICT_BITS = 8_192;

function bigGcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function rat(n: bigint, d: bigint): Rat {
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = bigGcd(n, d) || 1n;
  const r = { n: n / g, d: d / g };
  if (r.n.toString(16).length * 4 > MAX_STRICT_BITS || r.d.toString(16).length * 4 > MAX_STRICT_BITS) {
    throw new Error('number too large');
  }
  return r;
}

/** Evaluate a strict-mode expression exactly, or say why it is not one. */
export function evalStrict(src: string): Rat | { error: string } {
  if (src.length > MAX_STRICT_CHARS) return { error: 'expression too long' };
  let i = 0;
  let depth = 0;
  const skip = (): void => {
    while (src[i] === ' ' || src[i] === '\t') i++;
  };
  class StrictError extends Error {}
  const fail = (msg: string): never => {
    throw new StrictError(msg);
  };
  const expr = (): Rat => {
    let left = term();
    for (skip(); src[i] === '+' || src[i] === '-'; skip()) {
      const op = src[i++];
      const right = term();
      left =
        op === '+'
          ? rat(left.n * right.d + right.n * left.d, left.d * right.d)
          : rat(left.n * right.d - right.n * left.d, left.d * right.d);
    }
    return left;
  };
  const term = (): Rat => {
    let left = atom();
    for (skip(); src[i] === '*' || src[i] === '/'; skip()) {
      const op = src[i++];
      if (src[i] === op)
        fail(op === '*' ? '** (power) is not allowed' : '// (floor division) is not allowed');
      const right = atom();
      if (op === '*') left = rat(left.n * right.n, left.d * right.d);
      else {
        if (right.n === 0n) fail('division by zero');
        left = rat(left.n * right.d, left.d * right.n);
      }
    }
    return left;
  };
  const atom = (): Rat => {
    skip();
    const c = src[i];
    if (c === '(') {
      if (++depth > MAX_PAREN_DEPTH) fail('too many nested parentheses');
      i++;
      const v = expr();
      skip();
      if (src[i] !== ')') fail("missing ')'");
      i++;
      depth--;
      return v;
    }
    if (c >= '0' && c <= '9') {
      const start = i;
      while (src[i] >= '0' && src[i] <= '9') i++;
      const text = src.slice(start, i);
      if (src[i] === '.') fail('decimals are not allowed');
      if (text.length > 1 && text[0] === '0') fail('numbers may not have leading zeros');
      return { n: BigInt(text), d: 1n };
    }
    if (c === '+' || c === '-') fail('unary signs are not allowed');
    if (c === '.') fail('decimals are not allowed');
    if (c === undefined || c === ')') fail('missing number');
    return fail(`unexpected character "${c}"`);
  };
  try {
    const v = expr();
    skip();
    if (i < src.length) fail(src[i] === ')' ? "unmatched ')'" : `unexpected "${src[i]}"`);
    return v;
  } catch (err) {
    if (err instanceof StrictError) return { error: err.message };
    if (err instanceof Error && err.message === 'number too large') return { error: 'number too large' };
    throw err;
  }
}
