import { describe, expect, it } from 'vitest';
import { median } from '../../src/rl/evaluate';

describe('median (the typical response length of an evaluation)', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([39, 41, 37])).toBe(39);
    expect(median([40, 37, 39, 38])).toBe(38.5);
    expect(median([5])).toBe(5);
    expect(median([])).toBe(0);
  });

  it('is not moved by a few responses that run to the token budget, where the mean is', () => {
    // 397 answers of 38-39 characters and 3 cut off at about 700: the mean moves by 5, the median not
    const lengths = [...Array.from({ length: 397 }, (_, i) => 38 + (i % 2)), 700, 712, 698];
    const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
    expect(mean).toBeGreaterThan(43);
    expect(median(lengths)).toBe(39); // 199 of 38, 198 of 39, 3 long: the 200th and 201st are 39
    expect(lengths[0]).toBe(38); // the input is left as it was
  });
});
