// `npm run bench`: decode and training throughput of the lab's model per size and backend, written
// to docs/BENCHMARKS.md with the command, the machine and the backend, then the RL step's section
// (bench/rl-step.ts, a process of its own). Add --quick for a short run.
import * as tf from '@tensorflow/tfjs';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { modelConfig, selectBackend, Transformer, type SizePreset } from '../src/model';
import { DECODE_BATCH, decodeRate, prompts, SEQ, tok, TRAIN_BATCH, trainRate } from './rates';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--quick');
if (unknown.length) {
  console.error(
    `unknown option ${unknown.join(' ')}\nusage: npm run bench [-- --quick]  (rewrites docs/BENCHMARKS.md; --quick: 50 tokens, 1 step, no mini)`,
  );
  process.exit(2);
}
const quick = args.includes('--quick');
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
    row.cached = await decodeRate(model, true, NEW_TOKENS);
    row.uncached = await decodeRate(model, false, NEW_TOKENS);
    // A mini step of 32 x 128 tokens runs out of wasm memory ("memory access out of bounds" at about
    // 4 GB in tfjs 4.22): use 8 rows there.
    row.batch = size === 'mini' ? 8 : TRAIN_BATCH;
    row.train = await trainRate(model, row.batch, quick ? 1 : 3);
    if (backend === 'wasm') row.torch1 = torchRate(size, row.batch);
    model.dispose();
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
function browserVersion(): string {
  const v = spawnSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', ['--version'], { encoding: 'utf8' });
  return /[\d.]+/.exec(v.stdout ?? '')?.[0] ?? '';
}
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
  "- `npx tsx bench/update-buckets.ts`: one bucket of the PPO update (forward and backward) by its rows and width on wasm, and the cost model fitted to it that cuts the update's minibatches into buckets (`UPDATE_BUCKETS` in src/rl/ppo.ts, docs/TRAINING.md).",
  '',
];
// The browser section: the same nano figures in Chromium's Web Worker (bench/browser.ts), beside
// the Node wasm row of this run as the anchor.
const browser = spawnSync('npx', ['tsx', 'bench/browser.ts', ...(quick ? ['--quick'] : [])], {
  encoding: 'utf8',
});
const browserRows = browser.stdout
  .split('\n')
  .filter((l) => l.startsWith('{'))
  .map(
    (l) =>
      JSON.parse(l) as {
        label: string;
        ok: boolean;
        error?: string;
        threads?: number;
        cores?: number;
        isolated?: boolean;
        decode?: number;
        train?: number;
      },
  );
const nodeNano = rows.find((r) => r.backend === 'wasm' && r.size === 'nano');
lines.splice(
  lines.indexOf('## Other benchmarks'),
  0,
  '## In the browser',
  '',
  `Command: the same run (bench/browser.ts). Chromium ${browserVersion()} (Debian), the lab's flags (vite.config.ts), a production build of a cross-origin isolated page; each case in a Web Worker of its own, as the trainer runs. The nano model, the same decode (cached, ${DECODE_BATCH} prompts) and train step (${TRAIN_BATCH} × ${SEQ} tokens) as above. WebGPU here is SwiftShader, a software renderer on the CPU: a correctness check, not a GPU's speed.`,
  '',
  '| where | wasm threads | decode, cached (tokens/s) | train (tokens/s) |',
  '| --- | --- | --- | --- |',
  `| Node, wasm (the anchor, above) | 1 | ${fmt(nodeNano?.cached)} | ${fmt(nodeNano?.train)} |`,
  ...browserRows.map((r) =>
    r.ok
      ? `| Chromium, ${r.label} | ${r.threads ?? '—'}${r.threads !== undefined ? ` of ${r.cores} cores` : ''} | ${fmt(r.decode)} | ${fmt(r.train)} |`
      : `| Chromium, ${r.label} | — | failed: ${r.error} | — |`,
  ),
  ...(browserRows.length
    ? []
    : [`| Chromium | — | did not run: ${(browser.stderr || '').trim().split('\n').at(-1) ?? ''} | — |`]),
  '',
  "tfjs-wasm's threaded build is loaded when the page is cross-origin isolated, but here it reported one thread even when asked for every core (`setThreadsCount`), so the two wasm rows measure the same thing on this 2-core machine; tfjs's own default is half the cores, at most 4.",
  '',
);
writeFileSync('docs/BENCHMARKS.md', lines.join('\n'));
// The table is written unaligned; format it so that `npm run check` (prettier --check) passes.
spawnSync('npx', ['prettier', '--write', 'docs/BENCHMARKS.md'], { stdio: 'inherit' });
console.log('wrote docs/BENCHMARKS.md');
// The RL step and its anchor, in a fresh process (its own tfjs state), added as its section.
const rl = spawnSync('npx', ['tsx', 'bench/rl-step.ts', ...(quick ? ['--quick'] : [])], { stdio: 'inherit' });
if (rl.status !== 0) process.exitCode = rl.status ?? 1;
