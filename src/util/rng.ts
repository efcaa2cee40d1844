// A small, documented, seeded PRNG so that every run is reproducible from its seed on every platform.
//
// Generator: sfc32 (Chris Doty-Humphrey's "Small Fast Counting" generator, 128-bit state, passes
// PractRand/BigCrush) seeded through splitmix32. Only 32-bit integer operations (Math.imul, >>>, |0)
// are used, so the same seed gives the same stream in every JavaScript engine.
//
//   seed ──splitmix32──▶ (a, b, c, d) ──sfc32 step──▶ uint32, uint32, ...
//
// `fork(label)` derives an independent stream (for example one per split or per stage) from the
// current seed and a label, without consuming numbers from the parent stream.

/** splitmix32: a good 32-bit mixer, used to expand one seed into sfc32's 4 words. */
export function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** FNV-1a over a string's UTF-16 code units: a stable 32-bit hash for labels and problem keys. */
export function hash32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return splitmix32(h);
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  readonly seed: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
    this.seed = seed >>> 0;
    let s = this.seed;
    s = splitmix32(s);
    this.a = s;
    s = splitmix32(s);
    this.b = s;
    s = splitmix32(s);
    this.c = s;
    s = splitmix32(s);
    this.d = s;
    // Warm up so that close seeds give unrelated streams.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Next 32-bit unsigned integer (sfc32 step). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  float(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [lo, hi] (inclusive), without modulo bias (rejection sampling). */
  int(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
      throw new Error(`bad integer range [${lo}, ${hi}]`);
    }
    const span = hi - lo + 1;
    if (span > 4294967296) throw new Error('integer range wider than 2^32');
    if (span === 4294967296) return lo + this.nextUint32();
    const limit = 4294967296 - (4294967296 % span);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return lo + (x % span);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)];
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffled<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** Standard normal sample (Box-Muller), for weight initialisation. */
  normal(): number {
    let u = this.float();
    while (u === 0) u = this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** An independent generator derived from this one's seed and a label; the parent is not advanced. */
  fork(label: string | number): Rng {
    return new Rng(hash32(String(label), splitmix32(this.seed ^ 0x5bd1e995)));
  }

  /** The internal state, so a run can be checkpointed and resumed mid-stream. */
  getState(): [number, number, number, number] {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new Error('rng state must be four uint32 words');
    }
    [this.a, this.b, this.c, this.d] = state.map((w) => w | 0);
  }
}
