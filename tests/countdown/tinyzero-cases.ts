// Random reward cases that exercise every rule of TinyZero's compute_score, for differential tests
// against the real Python function (tests/fixtures/tinyzero_reward.py). Deterministic from a seed.

import { Rng } from '../../src/util/rng';
import { PyError, pyEval } from '../../src/countdown/pyexpr';
import { extractSolution } from '../../src/countdown/reward';

export interface RewardCase {
  solution_str: string;
  ground_truth: { target: number; numbers: number[] };
}

const OPS = ['+', '-', '*', '/', '//', '**'];
const SPACES = [' ', ' ', ' ', '  ', '\t', '\u000b', '\u000c', '\u00a0', '\u3000', '\r'];
const ARABIC_INDIC_ZERO = 0x0660;
const FULLWIDTH_ZERO = 0xff10;

function literal(rng: Rng, n: number): string {
  const text = String(n);
  const r = rng.float();
  if (r < 0.04) return `0${text}`; // leading zero: SyntaxError in Python, same digits
  if (r < 0.07) return `${text}.`; // float literal "7."
  if (r < 0.09) return `${text}.0`; // adds a 0 digit run: wrong numbers unless 0 is given
  if (r < 0.12 && text.length > 1) return `${text.slice(0, 1)}.${text.slice(1)}`; // "2.5" reads as 2 and 5
  if (r < 0.14 && text.length > 1) return `.${text}`; // ".25"
  if (r < 0.16) {
    const zero = rng.chance(0.5) ? ARABIC_INDIC_ZERO : FULLWIDTH_ZERO;
    return [...text].map((d) => String.fromCodePoint(zero + Number(d))).join('');
  }
  return text;
}

function space(rng: Rng): string {
  const r = rng.float();
  if (r < 0.55) return '';
  if (r < 0.93) return ' ';
  return rng.pick(SPACES);
}

function expression(rng: Rng, literals: string[]): string {
  // Combine the literals in random order, two at a time, with random operators and parentheses.
  const items = rng.shuffled(literals);
  while (items.length > 1) {
    const i = rng.int(0, items.length - 2);
    const op = rng.chance(0.8) ? rng.pick(['+', '-', '*', '/']) : rng.pick(OPS);
    let left = items[i];
    let right = items[i + 1];
    if (rng.chance(0.1)) right = `-${right}`;
    if (rng.chance(0.05)) left = `+${left}`;
    let text = `${left}${space(rng)}${op}${space(rng)}${right}`;
    if (rng.chance(0.5)) text = `(${space(rng)}${text}${space(rng)})`;
    items.splice(i, 2, text);
  }
  let e = items[0];
  const r = rng.float();
  if (r < 0.03)
    e = `${e})`; // unbalanced
  else if (r < 0.06) e = `(${e}`;
  else if (r < 0.08)
    e = `${e}(1)`; // call syntax
  else if (r < 0.1) e = `${e} = 24`;
  else if (r < 0.12) e = e.replace('*', ' x ');
  else if (r < 0.14) e = `--${e}`;
  else if (r < 0.15) e = e.replace('+', '++');
  else if (r < 0.16) e = `${e}...`;
  return e;
}

function answerLine(rng: Rng, expr: string): string {
  const tag = `<answer>${space(rng)}${expr}${space(rng)}</answer>`;
  const r = rng.float();
  if (r < 0.06) return `${tag} <answer>${expr}</answer>`;
  if (r < 0.1) return `<answer>1+1</answer> ${tag}`;
  if (r < 0.14) return `${tag}<|endoftext|>`;
  if (r < 0.17) return `${tag} Done.`;
  if (r < 0.2) return `<answer> ${expr}`; // never closed
  if (r < 0.22) return `${tag.replace('</answer>', '</ answer>')}`;
  return tag;
}

/** One random case: a plausible model response around a random expression. */
export function randomCase(rng: Rng): RewardCase {
  const count = rng.int(2, 4);
  const numbers = Array.from({ length: count }, () => rng.int(1, rng.chance(0.8) ? 25 : 99));
  const literals = numbers.map((n) => literal(rng, n));
  if (rng.chance(0.05)) literals.pop(); // a number missing
  if (rng.chance(0.05)) literals.push(String(numbers[0])); // a number used twice
  const expr = expression(rng, literals);
  // Pick a target the expression may really hit, so that correct cases are common.
  let target = rng.int(1, 100);
  try {
    const v = pyEval(expr);
    const value = v.type === 'int' ? Number(v.value) : v.type === 'float' ? v.value : NaN;
    // Only realistic targets: for huge values a float result's last bit decides the score, and
    // V8's Math.pow and glibc's pow may differ there (see docs/REWARD.md).
    if (Number.isFinite(value) && Math.abs(value) < 1e6 && rng.chance(0.6)) target = Math.round(value);
  } catch (err) {
    if (!(err instanceof PyError)) throw err;
  }
  const prefix = rng.pick([
    'Assistant: Let me solve this step by step.\n<think>',
    'Assistant: Let me solve this step by step.\n<think>',
    '<|im_start|>assistant\nLet me solve this step by step.\n<think>',
    '<think>',
    'User: 1 + 2\nAssistant:',
  ]);
  const think = rng.pick([' I tried a few. ', ' 2*3=6. ', ' ']);
  const sep = rng.pick(['\n', '\n', '\n', ' ', '\r\n', '\n\n']);
  let tail = '';
  const r = rng.float();
  if (r < 0.05) tail = '\n';
  else if (r < 0.08) tail = '\nDone.';
  return {
    solution_str: `${prefix}${think}</think>${sep}${answerLine(rng, expr)}${tail}`,
    ground_truth: { target, numbers },
  };
}

/**
 * Does our evaluator refuse the case's answer for size (Python would grind on a gigantic power)? The
 * answer is the one TinyZero scores, the last on the last line: checking the first let
 * "<answer>1+1</answer> <answer>10 **(1 +19) **21 </answer>" through, and Python computed 10**(20**21)
 * until the test was killed.
 */
export function isGiant(c: RewardCase): boolean {
  const answer = extractSolution(c.solution_str);
  if (answer === null) return false;
  try {
    pyEval(answer);
    return false;
  } catch (err) {
    return err instanceof PyError && err.kind === 'LimitError';
  }
}

export function randomCases(seed: number, n: number): RewardCase[] {
  const rng = new Rng(seed);
  const out: RewardCase[] = [];
  while (out.length < n) {
    const c = randomCase(rng);
    if (!isGiant(c)) out.push(c);
  }
  return out;
}
