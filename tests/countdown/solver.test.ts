import { describe, expect, it } from 'vitest';
import { combineNumbers, fracToString, isSolvable, solve, stepText } from '../../src/countdown';
import { evalStrict } from '../../src/countdown/reward';
import { Rng } from '../../src/util/rng';

/** The numbers an expression uses, as a sorted list. */
const literals = (expr: string): number[] => (expr.match(/\d+/g) ?? []).map(Number).sort((a, b) => a - b);
const valueOf = (expr: string): string => {
  const v = evalStrict(expr);
  if ('error' in v) throw new Error(`${expr}: ${v.error}`);
  return v.d === 1n ? v.n.toString() : `${v.n}/${v.d}`;
};

describe('solver', () => {
  it('finds the hand-checked solutions of small problems', () => {
    expect(solve([2, 3, 4], 24).map((s) => s.expression)).toEqual(['4 * 3 * 2']);
    expect(solve([25, 3, 7], 46).map((s) => s.expression)).toEqual(['25 + 7 * 3']);
    // (3+2+1)*4, 4*3*2*1, 4*3*2/1, (4+2)*(3+1): the four distinct ways to make 24 from 1-4 in integer mode.
    expect(
      solve([1, 2, 3, 4], 24)
        .map((s) => s.expression)
        .sort(),
    ).toEqual(['(3 + 2 + 1) * 4', '(4 + 2) * (3 + 1)', '4 * 3 * 2 * 1', '4 * 3 * 2 / 1'].sort());
  });

  it('says unsolvable when no expression exists', () => {
    expect(solve([1, 1, 1], 24)).toEqual([]);
    expect(isSolvable([1, 1, 1], 24)).toBe(false);
    expect(isSolvable([2, 2], 5)).toBe(false);
    expect(isSolvable([1, 2, 3], 100)).toBe(false);
    expect(isSolvable([3, 3, 8, 8], 24)).toBe(false); // needs 8 / (3 - 8 / 3): a fraction
  });

  it('rational mode finds fraction solutions that integer mode cannot', () => {
    expect(isSolvable([3, 3, 8, 8], 24, 'rational')).toBe(true);
    expect(solve([3, 3, 8, 8], 24, { mode: 'rational' }).map((s) => s.expression)).toEqual([
      '8 / (3 - 8 / 3)',
    ]);
    expect(isSolvable([1, 5, 5, 5], 24, 'integer')).toBe(false);
    expect(solve([1, 5, 5, 5], 24, { mode: 'rational' }).map((s) => s.expression)).toEqual([
      '5 * (5 - 1 / 5)',
    ]);
  });

  it('every solution over 300 random problems uses each number once and hits the target exactly', () => {
    const rng = new Rng(1);
    let solved = 0;
    for (let i = 0; i < 300; i++) {
      const numbers = Array.from({ length: rng.int(2, 4) }, () => rng.int(1, 25));
      const target = rng.int(1, 60);
      for (const mode of ['integer', 'rational'] as const) {
        const solutions = solve(numbers, target, { mode });
        expect(solutions.length > 0).toBe(isSolvable(numbers, target, mode));
        if (solutions.length > 0) solved++;
        const seen = new Set<string>();
        for (const s of solutions) {
          expect(literals(s.expression)).toEqual([...numbers].sort((a, b) => a - b));
          expect(valueOf(s.expression)).toBe(String(target));
          expect(seen.has(s.expression)).toBe(false);
          seen.add(s.expression);
          // The derivation's steps chain to the target.
          expect(fracToString(s.steps[s.steps.length - 1]?.result ?? { n: numbers[0], d: 1 })).toBe(
            String(target),
          );
          expect(s.steps.length).toBe(numbers.length - 1);
        }
      }
    }
    expect(solved).toBeGreaterThan(100); // the check above is not vacuous
  });

  it('integer mode only ever produces non-negative integer steps and exact divisions', () => {
    const rng = new Rng(4);
    for (let i = 0; i < 200; i++) {
      const numbers = Array.from({ length: 4 }, () => rng.int(1, 24));
      for (const s of solve(numbers, rng.int(10, 25), { limit: 3 })) {
        for (const step of s.steps) {
          expect(step.result.d).toBe(1);
          expect(step.result.n).toBeGreaterThanOrEqual(0);
          if (step.op === '/') expect(step.left.n % step.right.n).toBe(0);
        }
      }
    }
  });

  it('combineNumbers lists the moves of one step, larger operand first', () => {
    expect(combineNumbers(3, 12).map(stepText)).toEqual([
      '12 + 3 = 15',
      '12 * 3 = 36',
      '12 - 3 = 9',
      '12 / 3 = 4',
    ]);
    expect(combineNumbers(5, 7).map(stepText)).toEqual(['7 + 5 = 12', '7 * 5 = 35', '7 - 5 = 2']);
    expect(combineNumbers(4, 6, 'rational').map(stepText)).toEqual([
      '6 + 4 = 10',
      '6 * 4 = 24',
      '4 - 6 = -2',
      '6 - 4 = 2',
      '4 / 6 = 2/3',
      '6 / 4 = 3/2',
    ]);
  });

  it('limit stops early and rejects bad input', () => {
    expect(solve([1, 2, 3, 4], 24, { limit: 1 })).toHaveLength(1);
    expect(() => solve([], 3)).toThrow(/1 to 6 numbers/);
    expect(() => solve([1, 2, 3, 4, 5, 6, 7], 3)).toThrow(/1 to 6 numbers/);
    expect(() => solve([1.5, 2], 3)).toThrow(/integers/);
  });
});
