// `npx tsx bench/rl-step.ts [--quick]` (also run by `npm run bench`): the cost of one PPO step of the
// shipped nano searcher with the replication's RL settings, beside its anchor measured in the same
// run: onnxruntime-node (one thread) decoding 64 rows x 160 tokens of the same model with the
// exported transformers.js graph (KV cache, greedy, no early stop). Writes its section of
// docs/BENCHMARKS.md (between the rl-step markers) and prints the figures as JSON.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { exportOnnx, parameterShapes, selectBackend, Transformer, type Tokenizer } from '../src/model';
import { batchMatMul } from '../src/model/kernels/batch-matmul';
import { readFolder } from '../src/model/node-files';
import { nodeOnnxRuntime } from '../src/model/node-ort';
import { TRAIN_BATCH, trainRate } from './rates';
import { meanSteps as meanStepsOf, stepSetup, type StepFigures, type StepSetup } from './ppo-step';
import { createRolloutEngine, type RolloutEngine } from '../src/rl/rollout-engine';

const quick = process.argv.includes('--quick');

/** Wall-clock and CPU seconds of this process: on a shared machine its CPU time barely moves with the load. */
function stamp(): { wall: number; cpu: number } {
  const u = process.cpuUsage();
  return { wall: performance.now() / 1000, cpu: (u.user + u.system) / 1e6 };
}
const since = (a: { wall: number; cpu: number }) => {
  const b = stamp();
  return { wall: b.wall - a.wall, cpu: b.cpu - a.cpu };
};
const MODEL = 'backtracking_verification';
const ROWS = 64;
const TOKENS = 160;

await selectBackend('wasm');
const shipped = stepSetup(readFolder(`public/models/${MODEL}`));
const { policy, reference, tokenizer, ppo } = shipped;

/** The anchor: onnxruntime-node, one thread, 64 rows x 160 tokens, the exported graph with its cache. */
async function ortDecodeSeconds(model: Transformer, tok: Tokenizer): Promise<{ wall: number; cpu: number }> {
  const weights = new Map<string, Float32Array>();
  for (const [name] of parameterShapes(model.config, false))
    weights.set(name, Float32Array.from((await model.params.get(name)!.data()) as Float32Array));
  const session = await ort.InferenceSession.create(exportOnnx({ config: model.config, weights }), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const c = model.config;
  const hd = c.hiddenSize / c.numHeads;
  const V = c.vocabSize;
  // Each row starts from one token (the first of a prompt) and decodes 160 more, one run per token.
  const P = 1;
  const t0 = stamp();
  let ids = new BigInt64Array(ROWS * P).fill(BigInt(tok.encode('1')[0]));
  let pos = new BigInt64Array(ROWS * P);
  let past: Record<string, ort.Tensor> = {};
  for (let i = 0; i < c.numLayers; i++)
    for (const kv of ['key', 'value'])
      past[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [
        ROWS,
        c.numHeads,
        0,
        hd,
      ]);
  let T = P;
  for (let t = 0; t < TOKENS; t++) {
    const total = P + t;
    const out = await session.run({
      ...past,
      input_ids: new ort.Tensor('int64', ids, [ROWS, T]),
      position_ids: new ort.Tensor('int64', pos, [ROWS, T]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(ROWS * total).fill(1n), [ROWS, total]),
    });
    const logits = out.logits.data as Float32Array;
    ids = new BigInt64Array(ROWS);
    pos = new BigInt64Array(ROWS).fill(BigInt(total));
    for (let b = 0; b < ROWS; b++) {
      let best = 0;
      const o = (b * T + T - 1) * V;
      for (let v = 1; v < V; v++) if (logits[o + v] > logits[o + best]) best = v;
      ids[b] = BigInt(best);
    }
    past = {};
    for (let i = 0; i < c.numLayers; i++)
      for (const kv of ['key', 'value'])
        past[`past_key_values.${i}.${kv}`] = out[`present.${i}.${kv}`] as ort.Tensor;
    T = 1;
  }
  const seconds = since(t0);
  await session.release();
  return seconds;
}

const setup: StepSetup = {
  ...shipped,
  cpuClock: () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  },
};
const meanSteps = (engine: RolloutEngine, prompts: number, n: number) =>
  meanStepsOf(setup, engine, prompts, n);

/** bench/torch_ppo_step.py on the same shapes, when Debian's python3 has torch (python3-torch). */
function torchPpo(responseTokens: number): number | undefined {
  if (spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0)
    return undefined;
  const c = policy.config;
  const out = execFileSync(
    '/usr/bin/python3',
    [
      'bench/torch_ppo_step.py',
      ...[
        '--hidden',
        c.hiddenSize,
        '--layers',
        c.numLayers,
        '--heads',
        c.numHeads,
        '--ffn',
        c.intermediateSize,
      ],
      ...[
        '--vocab',
        c.vocabSize,
        '--episodes',
        ROWS,
        '--prompt',
        20,
        '--response',
        Math.round(responseTokens),
      ],
      ...['--minibatches', ppo.minibatches, '--threads', 1, '--steps', quick ? 1 : 3],
    ].map(String),
  ).toString();
  return (JSON.parse(out) as { tokens_per_s: number }).tokens_per_s;
}

/**
 * Attention's two batched products at the shapes of a 64-row update bucket (4 heads of 16, 110
 * positions): tfjs-wasm's own kernel against the lab's (src/model/kernels), GFLOP/s.
 */
async function attentionProducts(): Promise<{ shape: string; tfjs: number; lab: number }[]> {
  const [BH, T, d] = [256, 110, 16];
  const cases: [string, number[], number[]][] = [
    ['scores: [256, 110, 16] @ [256, 16, 110]', [BH, T, d], [BH, d, T]],
    ['mixing: [256, 110, 110] @ [256, 110, 16]', [BH, T, T], [BH, T, d]],
  ];
  const gflops = async (product: () => tf.Tensor, flop: number) => {
    for (let i = 0; i < 2; i++) await product().data();
    const n = quick ? 3 : 10;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const r = product();
      await r.data();
      r.dispose();
    }
    return flop / ((performance.now() - t0) / n / 1000) / 1e9;
  };
  const out = [];
  for (const [shape, sa, sb] of cases) {
    const a = tf.randomNormal(sa);
    const b = tf.randomNormal(sb);
    const flop = 2 * BH * sa[1] * sa[2] * sb[2];
    out.push({
      shape,
      tfjs: await gflops(() => tf.matMul(a, b), flop),
      lab: await gflops(() => batchMatMul(a, b), flop),
    });
    tf.dispose([a, b]);
  }
  return out;
}

const runtime = nodeOnnxRuntime(1);
const onnx = (await createRolloutEngine('onnx', runtime, policy)).engine;
const tfjs = (await createRolloutEngine('tfjs', undefined, policy)).engine;
const n = quick ? 1 : 3;
const load = loadavg()[0];
await ortDecodeSeconds(policy, tokenizer); // warm-up
const anchorA = await ortDecodeSeconds(policy, tokenizer);
const onnx64 = await meanSteps(onnx, 16, n);
const tfjs64 = await meanSteps(tfjs, 16, n);
const onnx256 = await meanSteps(onnx, 64, n);
const sft = await trainRate(policy, TRAIN_BATCH, quick ? 1 : 3); // the plain SFT step of bench/run.ts
const anchorB = await ortDecodeSeconds(policy, tokenizer);
const torch = torchPpo(onnx64.responseTokens);
const anchor = (anchorA.wall + anchorB.wall) / 2;
const anchorCpu = (anchorA.cpu + anchorB.cpu) / 2;
await onnx.dispose();
// The same step in Chromium's worker (bench/browser.ts --rl), in this run, beside this anchor.
const browserRun = spawnSync('npx', ['tsx', 'bench/browser.ts', '--rl', ...(quick ? ['--quick'] : [])], {
  encoding: 'utf8',
});
interface BrowserRl {
  label: string;
  ok: boolean;
  error?: string;
  steps?: { engine: string; episodes: number; figures: StepFigures }[];
  /** onnxruntime-web decoding the anchor's 64 x 160 tokens in the same worker (seconds). */
  anchor?: number | null;
}
const browser = browserRun.stdout
  .split('\n')
  .filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l) as BrowserRl);
const attention = await attentionProducts();
const result = {
  anchor,
  anchorCpu,
  anchorA,
  anchorB,
  onnx64,
  tfjs64,
  onnx256,
  sft,
  torch,
  attention,
  load,
  browser,
};
console.log(JSON.stringify(result));

const f = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));
const row = (what: string, s: StepFigures, episodes: number) =>
  `| ${what} | ${episodes} | ${f(s.responseTokens)} | ${f(s.seconds)} | ${(s.seconds / anchor).toFixed(2)}x | ${s.cpuSeconds === undefined ? '—' : `${(s.cpuSeconds / anchorCpu).toFixed(2)}x`} | ${f(s.rolloutSeconds)} | ${f(s.rolloutTokensPerSecond)} | ${f(s.updateSeconds)} | ${f(s.updateTokensPerSecond)} |`;
// The arithmetic of a step against the anchor's (multiply-adds x 2 of the matrix products): what the
// step would cost at the anchor's own FLOP rate. Prompts are ~20 tokens (the compact format).
const flops = (() => {
  const c = policy.config;
  const h = c.hiddenSize;
  const linear = 2 * (c.numLayers * (4 * h * h + 3 * h * c.intermediateSize) + h * c.vocabSize);
  const attention = (context: number) => 2 * c.numLayers * 2 * context * h;
  const PROMPT = 20;
  const R = onnx64.responseTokens;
  const anchorFlops = ROWS * TOKENS * (linear + attention(TOKENS / 2));
  const sampling =
    ROWS * (PROMPT * (linear + attention(PROMPT / 2)) + R * (linear + attention(PROMPT + R / 2)));
  const forward = ROWS * (PROMPT + R) * (linear + attention((PROMPT + R) / 2)); // one teacher-forced pass
  // Sampling, the reference model's forward pass, and the update's forward + backward (about 3 forwards).
  return { anchorFlops, sampling, forward, floor: (sampling + forward + 3 * forward) / anchorFlops };
})();
const section = [
  '<!-- rl-step:start -->',
  '## RL step',
  '',
  `Command: \`npx tsx bench/rl-step.ts${quick ? ' --quick' : ''}\` (also part of \`npm run bench\`). Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, tfjs wasm backend (one thread), onnxruntime-node ${ort.env.versions.node} (one thread). Date: ${new Date().toISOString().slice(0, 10)}. Load average at the start: ${load.toFixed(1)} (the machine is shared: absolute times vary with the load, so every figure is set beside the anchor measured in the same run).`,
  '',
  `One PPO step of the shipped \`${MODEL}\` model (nano) with the replication's RL settings (${ppo.promptsPerStep} prompts x ${ppo.samplesPerPrompt} samples, ${ppo.maxNewTokens}-token budget, T = 1, GAE with the value head, 1 epoch x 2 minibatches; the miniature's problems), lr 0 so that every step starts from the same policy; mean of ${n} steps after a warm-up. Anchor: onnxruntime-node on one thread decoding ${ROWS} rows x ${TOKENS} tokens of the same model (the exported transformers.js graph with its KV cache, greedy, no early stop): **${anchor.toFixed(3)} s** (${anchorA.wall.toFixed(3)} s before the steps, ${anchorB.wall.toFixed(3)} s after; ${anchorCpu.toFixed(3)} CPU seconds). "CPU time" compares the process's CPU seconds (user + system), which the other processes on a shared machine change less (they still slow a process through shared caches and memory). Rollout = sampling + scoring + the reference log-probs; update = advantages + the PPO update. Tokens are response tokens.`,
  '',
  '| rollout engine | episodes | response tokens per episode | step (s) | step / anchor | step / anchor, CPU time | rollout (s) | rollout tokens/s | update (s) | update tokens/s |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  row('onnx (onnxruntime-node)', onnx64, 64),
  row('tfjs (the lab sampler)', tfjs64, 64),
  row('onnx (onnxruntime-node)', onnx256, 256),
  ...browser.flatMap((b) =>
    b.ok && b.steps
      ? b.steps.map((x) =>
          row(
            `Chromium worker, tfjs ${b.label}: ${x.engine === 'tfjs' ? 'tfjs (the lab sampler)' : `onnx (${x.engine})`}`,
            x.figures,
            x.episodes,
          ),
        )
      : [`| Chromium worker, ${b.label} | failed: ${b.error ?? 'no result'} | | | | | | | | |`],
  ),
  ...(browser.length
    ? []
    : [
        `| Chromium worker | did not run: ${(browserRun.stderr || '').trim().split('\n').at(-1) ?? ''} | | | | | | | | |`,
      ]),
  '',
  `- 256 episodes per step cost ${(onnx256.seconds / onnx64.seconds).toFixed(2)}x what 64 cost (${((onnx256.cpuSeconds ?? NaN) / (onnx64.cpuSeconds ?? NaN)).toFixed(2)}x in CPU time; target: at most 2.5x). Their responses came out ${onnx256.responseTokens.toFixed(2)} tokens long against ${onnx64.responseTokens.toFixed(2)} (other problems, other draws), so they held ${((4 * onnx256.responseTokens) / onnx64.responseTokens).toFixed(2)}x the response tokens: with the 64-episode batch's lengths the 256-episode step would cost about ${((onnx256.seconds / onnx64.seconds) * (onnx64.responseTokens / onnx256.responseTokens)).toFixed(2)}x.`,
  `- The update's ${f(onnx64.updateTokensPerSecond)} response tokens/s against the plain SFT step (32 x 128 tokens, same model, same run): ${f(sft)} tokens/s (${(onnx64.updateTokensPerSecond / sft).toFixed(2)}x). Counting every token it runs forward and backward (the prompts' too, as the SFT step counts all of its rows), ${f(onnx64.updateAllTokensPerSecond)} tokens/s (${(onnx64.updateAllTokensPerSecond / sft).toFixed(2)}x); at 256 episodes ${f(onnx256.updateTokensPerSecond)} and ${f(onnx256.updateAllTokensPerSecond)} (${(onnx256.updateTokensPerSecond / sft).toFixed(2)}x and ${(onnx256.updateAllTokensPerSecond / sft).toFixed(2)}x). What is left of the gap, by \`npx tsx bench/update-buckets.ts\` (a bucket's forward and backward by its rows and width): each bucket's fixed cost (about 5 ms), and rows of up to 276 tokens, whose attention makes them dearer per token than the SFT step's 128-token rows.`,
  torch === undefined
    ? '- PyTorch PPO update (bench/torch_ppo_step.py): not measured, python3 has no torch on this machine.'
    : `- PyTorch PPO update (bench/torch_ppo_step.py, the same update, one thread): ${f(torch)} response tokens/s; the lab's update is ${(onnx64.updateTokensPerSecond / torch).toFixed(2)}x that.`,
  `- Attention's batched products run on the lab's own wasm SIMD kernel (src/model/kernels/batch-matmul.wat): tfjs-wasm sends any product with a batch axis to a scalar loop and only 2-D ones to XNNPACK. In this run, ${attention.map((x) => `${x.shape}: ${x.tfjs.toFixed(1)} GFLOP/s on tfjs-wasm's kernel, ${x.lab.toFixed(1)} on the lab's`).join('; ')}. Before the kernel (2026-12-03), those products took about half of the update's kernel time.`,
  `- The rollout column holds sampling with the ONNX engine (its cache in buffers filled in place, finished rows leaving the batch once they are a quarter of it), the reference log-probs (one teacher-forced run of the same graph) and scoring: ${(onnx64.rolloutSeconds / anchor).toFixed(2)}x the anchor in this run; the update ${(onnx64.updateSeconds / anchor).toFixed(2)}x. 256 episodes cost ${(onnx256.rolloutSeconds / onnx64.rolloutSeconds).toFixed(2)}x in rollouts and ${(onnx256.updateSeconds / onnx64.updateSeconds).toFixed(2)}x in the update: the update's work is linear in its tokens, so there batching pays only through better-filled kernels, not a fixed cost spread.`,
  ...(() => {
    const wasmRun = browser.find((b) => b.ok && b.label.startsWith('wasm'));
    const wasm = wasmRun?.steps ?? [];
    const webAnchor = wasmRun?.anchor ?? null;
    const web = wasm.find((x) => x.engine !== 'tfjs' && x.episodes === 64);
    const tf64 = wasm.find((x) => x.engine === 'tfjs');
    const web256 = wasm.find((x) => x.engine !== 'tfjs' && x.episodes === 256);
    return web && tf64
      ? [
          `- In Chromium's worker (the page's setting: a cross-origin isolated page, tfjs-wasm, one thread), onnxruntime-web's wasm kernels sample at ${f(web.figures.rolloutTokensPerSecond)} tokens/s against the tfjs sampler's ${f(tf64.figures.rolloutTokensPerSecond)} (tfjs-wasm's XNNPACK kernels and the lab's attention kernel; natively, onnxruntime-node is the faster by far), and the page's \`auto\` takes onnxruntime-web there (src/model/web-ort.ts${web.figures.seconds < tf64.figures.seconds ? '' : '; in this run the tfjs sampler was the faster'}): a 64-episode step costs ${f(web.figures.seconds)} s on it (${(web.figures.seconds / anchor).toFixed(2)}x the Node anchor), ${f(tf64.figures.seconds)} s with the tfjs sampler (${(tf64.figures.seconds / anchor).toFixed(2)}x)${web256 ? `; 256 episodes on onnxruntime-web cost ${(web256.figures.seconds / web.figures.seconds).toFixed(2)}x its 64` : ''}.${webAnchor ? ` The anchor's own work in that worker (onnxruntime-web decoding 64 rows x 160 tokens from a one-token prompt, greedy, no early stop, with the engine's graph; mean of before and after the steps) takes ${f(webAnchor)} s, ${(webAnchor / anchor).toFixed(2)}x the Node anchor: against it the page's 64-episode step costs ${(web.figures.seconds / webAnchor).toFixed(2)}x (target: at most 2.5x), its 256 episodes ${web256 ? (web256.figures.seconds / webAnchor).toFixed(2) : '—'}x.` : ''} The webgpu row runs on SwiftShader, a software renderer: it shows whether the step works there, not a GPU's speed.`,
        ]
      : [];
  })(),
  `- The arithmetic of the 64-episode step is ${flops.floor.toFixed(1)}x the anchor's (the anchor decodes ${(flops.anchorFlops / 1e9).toFixed(2)} GFLOP, ${(flops.anchorFlops / 1e9 / anchor).toFixed(1)} GFLOP/s; the step samples ${(flops.sampling / 1e9).toFixed(2)}, runs the reference model forward over ${(flops.forward / 1e9).toFixed(2)} and the update forward and backward over about 3x that): at the anchor's own FLOP rate the step would cost ${flops.floor.toFixed(1)}x the anchor, and it costs ${(onnx64.seconds / anchor).toFixed(2)}x (target: at most 2.5x).`,
  '',
  '<!-- rl-step:end -->',
  '',
].join('\n');
const path = 'docs/BENCHMARKS.md';
const doc = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
const marked = /<!-- rl-step:start -->[\s\S]*<!-- rl-step:end -->\n?/;
const otherAt = doc.indexOf('## Other benchmarks');
writeFileSync(
  path,
  marked.test(doc)
    ? doc.replace(marked, section)
    : otherAt >= 0
      ? `${doc.slice(0, otherAt)}${section}\n${doc.slice(otherAt)}`
      : `${doc}\n${section}`,
);
spawnSync('npx', ['prettier', '--write', path], { stdio: 'inherit' });
policy.dispose();
reference.dispose();
