// `npm run bench`: decode and training throughput of the lab's model per size and backend, written
// to docs/BENCHMARKS.md with the command, the machine and the backend, then the RL step's section
// (bench/rl-step.ts, a process of its own). Add --quick for a short run.
import * as tf from '@tensorflow/tfjs';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { primeData } from '../src/behaviors';
import { Rng } from '../src/util/rng';
import {
  maskedMean,
  modelConfig,
  sample,
  sampleWithoutCache,
  selectBackend,
  tokenLogprobs,
  Transformer,
  type SizePreset,
} from '../src/model';
import { labTokenizer } from '../src/behaviors/vocabulary';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--quick');
if (unknown.length) {
  console.error(
    `unknown option ${unknown.join(' ')}\nusage: npm run bench [-- --quick]  (rewrites docs/BENCHMARKS.md; --quick: 50 tokens, 1 step, no mini)`,
  );
  process.exit(2);
}
const quick = args.includes('--quick');
const tok = labTokenizer();
const SEQ = 128; // a primed trace with its prompt is 60-150 tokens
const TRAIN_BATCH = 32;
const DECODE_BATCH = 4;
const NEW_TOKENS = quick ? 50 : 200;

interface Row {
  backend: string;
  size: SizePreset;
  params: number;
  cached?: number;
  uncached?: number;
  train?: number;
  batch?: number;
  torch1?: number;
}

// The decode prompts: the compact prompts of DECODE_BATCH problems (the batch is padded to the longest).
const prompts = primeData({ condition: 'all_strategies', n: DECODE_BATCH, seed: 1, preset: 'paper' }).map(
  (e) => tok.encode(e.query),
);

async function decodeRate(model: Transformer, cached: boolean): Promise<number> {
  const options = { maxNewTokens: NEW_TOKENS, eosId: -1, padId: tok.padId };
  const t0 = performance.now();
  if (cached) await sample(model, prompts, options, new Rng(1));
  else await sampleWithoutCache(model, prompts, options, new Rng(1));
  return (DECODE_BATCH * NEW_TOKENS) / ((performance.now() - t0) / 1000);
}

async function trainRate(model: Transformer, TRAIN_BATCH: number): Promise<number> {
  const ids = tf.tensor2d(
    Array.from({ length: TRAIN_BATCH }, (_, b) =>
      Array.from({ length: SEQ }, (_, t) => (b * 7 + t * 13) % tok.size),
    ),
    [TRAIN_BATCH, SEQ],
    'int32',
  );
  const mask = tf.ones([TRAIN_BATCH, SEQ - 1]);
  const opt = tf.train.adam(1e-3);
  const loss = () => {
    const { logits } = model.forward(ids.slice([0, 0], [TRAIN_BATCH, SEQ - 1]) as tf.Tensor2D);
    return tf.neg(
      maskedMean(tokenLogprobs(logits, ids.slice([0, 1], [TRAIN_BATCH, SEQ - 1]) as tf.Tensor2D), mask),
    ) as tf.Scalar;
  };
  const step = async () => {
    const l = opt.minimize(loss, true, model.variables(false)) as tf.Scalar;
    await l.data();
    l.dispose();
  };
  await step();
  const steps = quick ? 1 : 3;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const rate = (TRAIN_BATCH * (SEQ - 1) * steps) / ((performance.now() - t0) / 1000);
  tf.dispose([ids, mask]);
  opt.dispose();
  return rate;
}

function torchRate(size: SizePreset, batch: number): number | undefined {
  const torch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (torch.status !== 0) return undefined;
  const c = modelConfig(tok.size, size);
  const out = execFileSync('/usr/bin/python3', [
    'bench/torch_train_step.py',
    ...[
      '--hidden',
      c.hiddenSize,
      '--layers',
      c.numLayers,
      '--heads',
      c.numHeads,
      '--ffn',
      c.intermediateSize,
      '--vocab',
      c.vocabSize,
    ].map(String),
    ...['--batch', batch, '--seq', SEQ, '--threads', 1, '--steps', quick ? 1 : 3].map(String),
  ]).toString();
  return (JSON.parse(out) as { tokens_per_s: number }).tokens_per_s;
}

const rows: Row[] = [];
const fmt = (x?: number) =>
  x === undefined ? '—' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1);
for (const backend of ['wasm', 'cpu'] as const) {
  await selectBackend(backend);
  const sizes: SizePreset[] =
    backend === 'cpu' ? ['nano'] : quick ? ['nano', 'micro'] : ['nano', 'micro', 'mini'];
  for (const size of sizes) {
    const model = Transformer.init(modelConfig(tok.size, size), 1);
    const row: Row = { backend, size, params: [...model.params.values()].reduce((n, v) => n + v.size, 0) };
    row.cached = await decodeRate(model, true);
    row.uncached = await decodeRate(model, false);
    // A mini step of 32 x 128 tokens runs out of wasm memory ("memory access out of bounds" at about
    // 4 GB in tfjs 4.22): use 8 rows there.
    row.batch = size === 'mini' ? 8 : TRAIN_BATCH;
    row.train = await trainRate(model, row.batch);
    if (backend === 'wasm') row.torch1 = torchRate(size, row.batch);
    model.dispose();
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const lines = [
  '# Benchmarks',
  '',
  `Command: \`npm run bench${quick ? ' -- --quick' : ''}\` (bench/run.ts). Machine: ${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, TensorFlow.js ${tf.version.tfjs}, no GPU. Date: ${new Date().toISOString().slice(0, 10)}.`,
  '',
  `Decode: ${DECODE_BATCH} prompts (compact prompts of ${Math.min(...prompts.map((p) => p.length))}-${Math.max(...prompts.map((p) => p.length))} tokens), ${NEW_TOKENS} new tokens each, sampled on the host; "cached" uses the per-layer KV cache, "recompute" runs a full forward pass over everything so far at every step. Train: one step = forward + cross-entropy + backward + Adam on ${TRAIN_BATCH} sequences of ${SEQ} tokens (8 for mini, whose step at 32 rows runs out of wasm memory); the ${SEQ - 1} predicted tokens of each sequence are counted. Figures are tokens per second.`,
  '',
  '| backend | size | parameters (with the value head) | decode, cached | decode, recompute | cached / recompute | train | PyTorch 1.13 CPU train (1 thread) | lab / PyTorch |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) =>
    [
      r.backend,
      r.size,
      r.params.toLocaleString('en-US'),
      fmt(r.cached),
      fmt(r.uncached),
      `${((r.cached ?? 0) / (r.uncached ?? 1)).toFixed(1)}x`,
      fmt(r.train),
      fmt(r.torch1),
      r.torch1 ? `${((r.train ?? 0) / r.torch1).toFixed(2)}x` : '—',
    ]
      .join(' | ')
      .replace(/^/, '| ')
      .concat(' |'),
  ),
  '',
  'PyTorch figures come from bench/torch_train_step.py (the same architecture and step in PyTorch, Debian python3-torch 1.13, `torch.set_num_threads(1)`; it ran no faster with 2 threads here). The tfjs wasm backend runs on one thread.',
  '',
  'Notes:',
  '- tfjs-wasm runs matrix products with a transposed operand about 8x slower than plain ones (2.5 vs 17-30 GFLOP/s measured at 1504x64x176); the model therefore computes every gradient of a product through explicit transposes (src/model/transformer.ts, `matMul`), which made a nano train step 2.2x and a micro step 3.4x faster.',
  '- The `cpu` backend is plain JavaScript and only a reference: use wasm in Node.',
  "- WebGPU speed was not measured: this machine has no GPU (SwiftShader WebGPU is correct but slow, measured in the project's browser notes, kept outside this repository).",
  '',
  '## Other benchmarks',
  '',
  'Run on their own (they print their figures and write nothing):',
  '',
  "- `npx tsx bench/classifier-throughput.ts`: the behavior classifier on 18,000 of the lab's traces, all nine conditions mixed (docs/BEHAVIORS.md).",
  '- `npx tsx bench/reward-adversarial.ts`: the reward on 100,000 random and adversarial inputs per mode, mean and worst time per input (docs/REWARD.md).',
  '',
];
writeFileSync('docs/BENCHMARKS.md', lines.join('\n'));
// The table is written unaligned; format it so that `npm run check` (prettier --check) passes.
spawnSync('npx', ['prettier', '--write', 'docs/BENCHMARKS.md'], { stdio: 'inherit' });
console.log('wrote docs/BENCHMARKS.md');
// The RL step and its anchor, in a fresh process (its own tfjs state), added as its section.
const rl = spawnSync('npx', ['tsx', 'bench/rl-step.ts', ...(quick ? ['--quick'] : [])], { stdio: 'inherit' });
if (rl.status !== 0) process.exitCode = rl.status ?? 1;
