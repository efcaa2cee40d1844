// `npx tsx bench/update-buckets.ts`: what one bucket of the PPO update costs on wasm, by its rows and
// width (forward and backward of the shipped nano model with its value head and the log-softmax and
// entropy the PPO loss reads), and the fit `a + b * padded tokens + c * padded tokens * width` that
// `UPDATE_BUCKETS` in src/rl/ppo.ts turns into token-times (overheadTokens = a / b, attentionWidth =
// b / c). Prints a table and the fit; writes nothing.
import * as tf from '@tensorflow/tfjs';
import { selectBackend, tokenLogprobsAndEntropy } from '../src/model';
import { readFolder } from '../src/model/node-files';
import { gradients } from '../src/rl/grads';
import { Rng } from '../src/util/rng';
import { stepSetup } from './ppo-step';

await selectBackend('wasm');
const { policy, tokenizer } = stepSetup(readFolder('public/models/backtracking_verification'));
const rng = new Rng(1);
const ROWS = [1, 2, 4, 8, 16, 32];
const samples: { rows: number; width: number; ms: number }[] = [];

async function bucketMs(rows: number, width: number): Promise<number> {
  const ids = tf.tensor2d(
    Array.from({ length: rows }, () => Array.from({ length: width }, () => rng.int(4, tokenizer.size - 1))),
    [rows, width],
    'int32',
  );
  const run = () =>
    tf.tidy(() => {
      const { grads } = gradients(policy, () => {
        const out = policy.forward(ids, { values: true });
        const { logprobs, entropy } = tokenLogprobsAndEntropy(out.logits, ids);
        return tf.sum(tf.add(tf.add(logprobs, entropy), out.values!)) as tf.Scalar;
      });
      return tf.stack([...grads.values()].map((g) => tf.sum(g)));
    });
  await run().data(); // warm-up
  const times: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    const x = run();
    await x.data();
    x.dispose();
    times.push(performance.now() - t0);
  }
  ids.dispose();
  return times.sort((a, b) => a - b)[2];
}

// Warm the kernels up (the first buckets of a process run slower).
for (const width of [52, 276]) await bucketMs(8, width);
console.log(`ms per bucket (median of 5), rows ${ROWS.join(' / ')}`);
for (const width of [52, 74, 110, 142, 190, 234, 276]) {
  const line: string[] = [];
  for (const rows of ROWS) {
    if (rows * width > 4400) continue;
    const ms = await bucketMs(rows, width);
    samples.push({ rows, width, ms });
    line.push(ms.toFixed(1));
  }
  console.log(`width ${width}: ${line.join(' / ')}`);
}

// Least squares on relative errors: ms ~ a + b * n + c * n * w, n = rows * width.
const X = samples.map(({ rows, width, ms }) => [1, rows * width, rows * width * width].map((v) => v / ms));
// Each row is divided by its own time, so the targets are all 1.
const XtX = [0, 1, 2].map((i) => [0, 1, 2].map((j) => X.reduce((s, r) => s + r[i] * r[j], 0)));
const Xty = [0, 1, 2].map((i) => X.reduce((s, r) => s + r[i], 0));
const [a, b, c] = solve3(XtX, Xty);
console.log(
  `fit: ${a.toFixed(2)} ms + ${b.toFixed(4)} ms per padded token + ${c.toExponential(2)} ms per token x width` +
    ` -> overheadTokens ${Math.round(a / b)}, attentionWidth ${Math.round(b / c)}`,
);

function solve3(m: number[][], v: number[]): number[] {
  const A = m.map((row, i) => [...row, v[i]]);
  for (let i = 0; i < 3; i++) {
    const p = A[i][i];
    for (let j = i; j < 4; j++) A[i][j] /= p;
    for (let k = 0; k < 3; k++)
      if (k !== i) {
        const f = A[k][i];
        for (let j = i; j < 4; j++) A[k][j] -= f * A[i][j];
      }
  }
  return A.map((row) => row[3]);
}
