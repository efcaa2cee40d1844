// Exact Countdown solver: combine the numbers two at a time until one is left.
//
// Modes
//   integer  - the paper's generator: a+b, a*b, |a-b| and exact integer division (a/b only when b
//              divides a). Every intermediate value is a non-negative integer.
//   rational - a+b, a-b, b-a, a*b, a/b, b/a over exact fractions (negative and fractional
//              intermediates allowed), i.e. anything the strict reward accepts.
//
// Solutions are returned as canonical expressions: sums and products are flattened and their
// operands sorted (by value, descending, then text), so "(2*3)*4", "4*(3*2)" and "2*(4*3)" are all
// the single solution "4 * 3 * 2". Each solution also carries the steps of one derivation.

import {
  type Fraction,
  frac,
  fracAdd,
  fracDiv,
  fracEq,
  fracMul,
  fracSub,
  fracToNumber,
  fracToString,
  gcd,
  isSafeFraction,
  MAX_PART,
} from './fraction';

export type SolverMode = 'integer' | 'rational';
export type Op = '+' | '-' | '*' | '/';

/** One arithmetic step: left op right = result. */
export interface Step {
  left: Fraction;
  op: Op;
  right: Fraction;
  result: Fraction;
}

/** An expression tree over the given numbers. */
export type Expr =
  { kind: 'num'; value: Fraction } | { kind: 'op'; op: Op; left: Expr; right: Expr; value: Fraction };

export interface Solution {
  expression: string; // canonical, e.g. "(25 - 3) * 7"
  steps: Step[]; // one derivation, in the order the steps are computed
}

export interface SolveOptions {
  mode?: SolverMode;
  /** Stop after this many distinct solutions (default: all). */
  limit?: number;
}

export const MAX_NUMBERS = 6;

function num(value: Fraction): Expr {
  return { kind: 'num', value };
}

/** A whole number as a leaf of an expression (a problem's number). */
export function leaf(x: number): Expr {
  return num(frac(x));
}

function node(op: Op, left: Expr, right: Expr, value: Fraction): Expr {
  return { kind: 'op', op, left, right, value };
}

/**
 * Every way to combine two values in one step, under a mode. Operands of + and * are written
 * larger first; in integer mode subtraction and division are only written larger-first and exact.
 */
export function combine(a: Expr, b: Expr, mode: SolverMode): Expr[] {
  const out: Expr[] = [];
  const va = a.value;
  const vb = b.value;
  const aFirst = fracToNumber(va) >= fracToNumber(vb);
  const [hi, lo] = aFirst ? [a, b] : [b, a];
  out.push(node('+', hi, lo, fracAdd(va, vb)));
  out.push(node('*', hi, lo, fracMul(va, vb)));
  if (mode === 'integer') {
    out.push(node('-', hi, lo, fracSub(hi.value, lo.value)));
    if (lo.value.n !== 0 && hi.value.n % lo.value.n === 0) {
      out.push(node('/', hi, lo, frac(hi.value.n / lo.value.n)));
    }
    if (hi !== lo && hi.value.n !== 0 && lo.value.n % hi.value.n === 0 && lo.value.n !== hi.value.n) {
      out.push(node('/', lo, hi, frac(lo.value.n / hi.value.n)));
    }
  } else {
    out.push(node('-', a, b, fracSub(va, vb)));
    out.push(node('-', b, a, fracSub(vb, va)));
    if (vb.n !== 0) out.push(node('/', a, b, fracDiv(va, vb)));
    if (va.n !== 0) out.push(node('/', b, a, fracDiv(vb, va)));
  }
  return out.filter((e) => isSafeFraction(e.value));
}

/** Combine two plain numbers (integer mode unless told otherwise): the moves a search can make. */
export function combineNumbers(a: number, b: number, mode: SolverMode = 'integer'): Step[] {
  return combine(leaf(a), leaf(b), mode).map((e) => {
    if (e.kind !== 'op') throw new Error('unreachable');
    return { left: e.left.value, op: e.op, right: e.right.value, result: e.value };
  });
}

function checkInput(numbers: readonly number[], target: number): void {
  if (numbers.length < 1 || numbers.length > MAX_NUMBERS) {
    throw new Error(`the solver takes 1 to ${MAX_NUMBERS} numbers, got ${numbers.length}`);
  }
  for (const x of [...numbers, target]) {
    if (!Number.isSafeInteger(x) || Math.abs(x) > 1e9) {
      throw new Error(`numbers and target must be integers of at most 1e9 in size, got ${x}`);
    }
  }
}

/** Depth-first search over multisets of partial expressions. `visitFull` sees each complete expression and returns true to stop. */
function search(numbers: readonly number[], mode: SolverMode, visitFull: (e: Expr) => boolean): boolean {
  const rec = (items: Expr[]): boolean => {
    if (items.length === 1) return visitFull(items[0]);
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const rest = items.filter((_, k) => k !== i && k !== j);
        for (const e of combine(items[i], items[j], mode)) {
          rest.push(e);
          if (rec(rest)) return true;
          rest.pop();
        }
      }
    }
    return false;
  };
  return rec(numbers.map(leaf));
}

/** Is there any expression using every number once that equals the target? */
export function isSolvable(
  numbers: readonly number[],
  target: number,
  mode: SolverMode = 'integer',
  work?: { nodes: number },
): boolean {
  checkInput(numbers, target);
  // A fast search over plain numbers (no expression trees): the generator calls this for every
  // candidate problem. Values are kept as fractions num/den; in integer mode den is always 1.
  const size = numbers.length;
  const nums: number[][] = Array.from({ length: size + 1 }, () => new Array<number>(size).fill(0));
  const dens: number[][] = Array.from({ length: size + 1 }, () => new Array<number>(size).fill(1));
  numbers.forEach((x, i) => (nums[size][i] = x));
  const integer = mode === 'integer';
  const rec = (n: number): boolean => {
    if (work) work.nodes++;
    const N = nums[n];
    const D = dens[n];
    if (n === 1) return D[0] === 1 && N[0] === target;
    if (n === 2) return lastStepHits(N[0], D[0], N[1], D[1], target, integer);
    const NN = nums[n - 1];
    const ND = dens[n - 1];
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let k = 0;
        for (let m = 0; m < n; m++) {
          if (m !== i && m !== j) {
            NN[k] = N[m];
            ND[k] = D[m];
            k++;
          }
        }
        const an = N[i];
        const ad = D[i];
        const bn = N[j];
        const bd = D[j];
        // Candidate results as (numerator, denominator) pairs.
        const tryValue = (num: number, den: number): boolean => {
          if (den < 0) {
            num = -num;
            den = -den;
          }
          if (!integer) {
            const g = gcd(num, den) || 1;
            num /= g;
            den /= g;
          }
          if (Math.abs(num) > MAX_PART || den > MAX_PART) return false;
          NN[k] = num;
          ND[k] = den;
          return rec(n - 1);
        };
        if (integer) {
          const hi = Math.max(an, bn);
          const lo = Math.min(an, bn);
          if (tryValue(an + bn, 1) || tryValue(an * bn, 1) || tryValue(hi - lo, 1)) return true;
          if (lo !== 0 && hi % lo === 0 && tryValue(hi / lo, 1)) return true;
          if (hi !== 0 && hi !== lo && lo % hi === 0 && tryValue(lo / hi, 1)) return true;
        } else {
          if (tryValue(an * bd + bn * ad, ad * bd) || tryValue(an * bn, ad * bd)) return true;
          if (tryValue(an * bd - bn * ad, ad * bd) || tryValue(bn * ad - an * bd, ad * bd)) return true;
          if (bn !== 0 && tryValue(an * bd, ad * bn)) return true;
          if (an !== 0 && tryValue(bn * ad, bd * an)) return true;
        }
      }
    }
    return false;
  };
  return rec(size);
}

/** Can one step on a/ad and b/bd give the target? (The search's innermost loop, unrolled.) */
function lastStepHits(an: number, ad: number, bn: number, bd: number, t: number, integer: boolean): boolean {
  if (integer) {
    const hi = Math.max(an, bn);
    const lo = Math.min(an, bn);
    return an + bn === t || an * bn === t || hi - lo === t || (lo !== 0 && hi === t * lo);
  }
  // Compare num/den with t as num === t * den (den > 0 for all but the divisions, checked below).
  const den = ad * bd;
  if (an * bd + bn * ad === t * den || an * bn === t * den) return true;
  if (an * bd - bn * ad === t * den || bn * ad - an * bd === t * den) return true;
  if (bn !== 0 && an * bd === t * ad * bn) return true;
  return an !== 0 && bn * ad === t * bd * an;
}

/** All distinct canonical solutions (or the first `limit` found), each with one derivation. */
export function solve(numbers: readonly number[], target: number, options: SolveOptions = {}): Solution[] {
  checkInput(numbers, target);
  const mode = options.mode ?? 'integer';
  const limit = options.limit ?? Infinity;
  const t = frac(target);
  const found = new Map<string, Solution>();
  search(numbers, mode, (e) => {
    if (!fracEq(e.value, t)) return false;
    const expression = canonicalExpression(e);
    if (!found.has(expression)) found.set(expression, { expression, steps: stepsOf(e) });
    return found.size >= limit;
  });
  return [...found.values()];
}

/** The steps of an expression tree, children before parents, left before right. */
export function stepsOf(e: Expr): Step[] {
  const steps: Step[] = [];
  const walk = (x: Expr): void => {
    if (x.kind === 'num') return;
    walk(x.left);
    walk(x.right);
    steps.push({ left: x.left.value, op: x.op, right: x.right.value, result: x.value });
  };
  walk(e);
  return steps;
}

// ---------------------------------------------------------------------------------------------
// Canonical form: a sum is (positive terms) - (negative terms); a product is (factors) / (divisors).

type Canon =
  | { kind: 'num'; value: Fraction; text: string }
  | { kind: 'sum'; value: Fraction; pos: Canon[]; neg: Canon[]; text: string }
  | { kind: 'prod'; value: Fraction; num: Canon[]; den: Canon[]; text: string };

function byValueThenText(a: Canon, b: Canon): number {
  const d = fracToNumber(b.value) - fracToNumber(a.value);
  return d !== 0 ? d : a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

function canon(e: Expr): Canon {
  if (e.kind === 'num') return { kind: 'num', value: e.value, text: fracToString(e.value) };
  const l = canon(e.left);
  const r = canon(e.right);
  if (e.op === '+' || e.op === '-') {
    const lp = l.kind === 'sum' ? l.pos : [l];
    const ln = l.kind === 'sum' ? l.neg : [];
    const rp = r.kind === 'sum' ? r.pos : [r];
    const rn = r.kind === 'sum' ? r.neg : [];
    const pos = e.op === '+' ? [...lp, ...rp] : [...lp, ...rn];
    const neg = e.op === '+' ? [...ln, ...rn] : [...ln, ...rp];
    return sumNode(e.value, pos, neg);
  }
  const ln = l.kind === 'prod' ? l.num : [l];
  const ld = l.kind === 'prod' ? l.den : [];
  const rn = r.kind === 'prod' ? r.num : [r];
  const rd = r.kind === 'prod' ? r.den : [];
  const numer = e.op === '*' ? [...ln, ...rn] : [...ln, ...rd];
  const denom = e.op === '*' ? [...ld, ...rd] : [...ld, ...rn];
  return prodNode(e.value, numer, denom);
}

function sumNode(value: Fraction, pos: Canon[], neg: Canon[]): Canon {
  pos.sort(byValueThenText);
  neg.sort(byValueThenText);
  let text = pos.map((c) => c.text).join(' + ');
  for (const c of neg) text += ` - ${c.text}`;
  return { kind: 'sum', value, pos, neg, text };
}

function prodNode(value: Fraction, numer: Canon[], denom: Canon[]): Canon {
  numer.sort(byValueThenText);
  denom.sort(byValueThenText);
  const wrap = (c: Canon): string => (c.kind === 'sum' ? `(${c.text})` : c.text);
  let text = numer.map(wrap).join(' * ');
  for (const c of denom) text += ` / ${wrap(c)}`;
  return { kind: 'prod', value, num: numer, den: denom, text };
}

/** The canonical text of an expression tree (minimal parentheses, sorted operands). */
export function canonicalExpression(e: Expr): string {
  return canon(e).text;
}

/** Text of a step such as "25 - 3 = 22". */
export function stepText(s: Step): string {
  return `${fracToString(s.left)} ${s.op} ${fracToString(s.right)} = ${fracToString(s.result)}`;
}
