// Exact rational numbers over JavaScript numbers, for the solver's rational mode.
// Numerators and denominators stay far below 2^53 for Countdown-sized problems; the solver skips
// any result whose parts exceed MAX_PART, so arithmetic here is always exact.

export interface Fraction {
  readonly n: number; // numerator, any sign
  readonly d: number; // denominator, > 0, gcd(|n|, d) = 1
}

export const MAX_PART = 2 ** 40;

export function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

export function frac(n: number, d = 1): Fraction {
  if (d === 0) throw new Error('zero denominator');
  if (d < 0) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d) || 1;
  return { n: n / g, d: d / g };
}

export function fracAdd(a: Fraction, b: Fraction): Fraction {
  return a.d === 1 && b.d === 1 ? { n: a.n + b.n, d: 1 } : frac(a.n * b.d + b.n * a.d, a.d * b.d);
}

export function fracSub(a: Fraction, b: Fraction): Fraction {
  return a.d === 1 && b.d === 1 ? { n: a.n - b.n, d: 1 } : frac(a.n * b.d - b.n * a.d, a.d * b.d);
}

export function fracMul(a: Fraction, b: Fraction): Fraction {
  return a.d === 1 && b.d === 1 ? { n: a.n * b.n, d: 1 } : frac(a.n * b.n, a.d * b.d);
}

/** a / b; the caller guarantees b != 0. */
export function fracDiv(a: Fraction, b: Fraction): Fraction {
  return frac(a.n * b.d, a.d * b.n);
}

export function fracEq(a: Fraction, b: Fraction): boolean {
  return a.n === b.n && a.d === b.d;
}

export function fracToNumber(a: Fraction): number {
  return a.n / a.d;
}

export function fracToString(a: Fraction): string {
  return a.d === 1 ? String(a.n) : `${a.n}/${a.d}`;
}

export function isSafeFraction(a: Fraction): boolean {
  return Math.abs(a.n) <= MAX_PART && a.d <= MAX_PART;
}
