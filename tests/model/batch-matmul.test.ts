import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_MATMUL_WASM } from '../../src/model/kernels/batch-matmul-wasm';
import { batchMatMul, labKernelActive } from '../../src/model/kernels/batch-matmul';
import { compileKernels } from '../../src/model/kernels/build';
import { Rng } from '../../src/util/rng';
import { useBackend } from './helpers';

const decode = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

function random(shape: number[], rng: Rng): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: n }, () => rng.float() * 2 - 1),
    shape,
  );
}

describe('the lab wasm batched product', () => {
  beforeAll(async () => useBackend('wasm'));
  afterAll(async () => useBackend('cpu'));

  it('its committed bytes are batch-matmul.wat compiled (npm run kernels)', async () => {
    expect(await compileKernels()).toEqual(BATCH_MATMUL_WASM);
  });

  it('computes a hand-checked product in both variants (unshared and shared memory)', () => {
    // A [2x3] @ B [3x5], worked by hand (C[0][4] = 1*-1 + 2*2 + 3*1 = 6); batch 2, the second A = -A.
    const A = [1, 2, 3, 4, 5, 6];
    const B = [1, 0, 2, 1, -1, 0, 1, 1, 0, 2, 3, 1, 0, 2, 1];
    const want = [10, 5, 4, 7, 6, 22, 11, 13, 16, 12];
    for (const shared of [false, true]) {
      const memory = new WebAssembly.Memory(
        shared ? { initial: 1, maximum: 4, shared: true } : { initial: 1 },
      );
      const bytes = decode(shared ? BATCH_MATMUL_WASM.shared : BATCH_MATMUL_WASM.plain);
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
      const f32 = new Float32Array(memory.buffer);
      f32.set([...A, ...A.map((x) => -x)], 0);
      f32.set([...B, ...B], 64);
      (instance.exports.bmm as (...args: number[]) => void)(0, 64 * 4, 128 * 4, 2, 2, 3, 5);
      expect(Array.from(f32.subarray(128, 138))).toEqual(want);
      expect(Array.from(f32.subarray(138, 148))).toEqual(want.map((x) => -x));
    }
  });

  it('equals tf.matMul over shapes with every column tail, ranks 3 and 4', async () => {
    expect(labKernelActive()).toBe(true);
    const rng = new Rng(3);
    const cases: [number[], number, number, number][] = [
      [[2], 1, 1, 1],
      [[3], 7, 16, 16],
      [[2, 4], 9, 16, 33],
      [[5], 4, 50, 3],
      [[2, 3], 1, 17, 5],
      [[4], 13, 7, 20],
      [[2], 6, 0, 4],
    ];
    for (const [lead, m, k, n] of cases) {
      const a = random([...lead, m, k], rng);
      const b = random([...lead, k, n], rng);
      const got = batchMatMul(a, b);
      expect(got.shape).toEqual([...lead, m, n]);
      const err = (await tf.max(tf.abs(tf.sub(got, tf.matMul(a, b)))).data())[0];
      expect(err).toBeLessThan(1e-5);
    }
  });

  it('leaves no tensor behind and falls back to tf.matMul for what it does not take', async () => {
    const rng = new Rng(4);
    const a = random([3, 5, 8], rng);
    const b = random([3, 8, 6], rng);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) batchMatMul(a, b).dispose();
    expect(tf.memory().numTensors).toBe(before);
    // Broadcast batch axes are tf.matMul's: the same numbers as it gives.
    const shared = random([1, 8, 6], rng);
    const err = (await tf.max(tf.abs(tf.sub(batchMatMul(a, shared), tf.matMul(a, shared)))).data())[0];
    expect(err).toBe(0);
    expect(() => batchMatMul(a, random([3, 7, 6], rng))).toThrow();
  });
});
