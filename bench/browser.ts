// The browser section of `npm run bench`: the same nano decode and train figures as the Node rows,
// measured in Chromium (Debian's, the lab's flags) in a Web Worker of a cross-origin isolated page:
// wasm on one thread, wasm on every thread, and webgpu on SwiftShader (software: a correctness
// check, not a GPU's speed). Prints one JSON line per case; bench/run.ts writes them to the table.
// With --rl: the RL step of bench/rl-step.ts in the same worker setting (wasm, the page's rollout
// engine onnxruntime-web and the tfjs sampler; webgpu on SwiftShader once, as a correctness check);
// bench/rl-step.ts writes those rows beside its Node anchor.
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../vite.config';

const quick = process.argv.includes('--quick');
const rl = process.argv.includes('--rl');
// A production build, as `npm start` serves the page: tfjs-wasm's threads start only from the
// unminified worker bundle (vite.config.ts), not from the dev server's modules.
const outDir = 'dist-bench';
await build({
  configFile: 'vite.config.ts',
  logLevel: 'error',
  build: { outDir, emptyOutDir: true, rolldownOptions: { input: 'bench/browser/index.html' } },
});
const server = await preview({
  configFile: 'vite.config.ts',
  build: { outDir },
  preview: { port: 0, host: '127.0.0.1' },
  logLevel: 'error',
});
const address = server.httpServer?.address();
const port = typeof address === 'object' && address ? address.port : 0;
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/bench/browser/index.html`);
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  const model = 'backtracking_verification';
  const steps = quick ? 1 : 3;
  const cases = rl
    ? [
        {
          label: 'wasm, 1 thread',
          backend: 'wasm',
          threads: 1,
          rl: { model, engines: ['onnx', 'tfjs'], episodes: [64, 256], steps },
        },
        ...(quick
          ? []
          : [
              {
                label: 'webgpu (SwiftShader)',
                backend: 'webgpu',
                threads: 0,
                rl: { model, engines: ['onnx'], episodes: [64], steps: 1 },
              },
            ]),
      ]
    : [
        { label: 'wasm, 1 thread', backend: 'wasm', threads: 1 },
        { label: 'wasm, every thread', backend: 'wasm', threads: 0 },
        { label: 'webgpu (SwiftShader)', backend: 'webgpu', threads: 0 },
      ];
  for (const c of cases) {
    const result = await page.evaluate(
      (arg) => (window as unknown as { runCase(a: unknown): Promise<unknown> }).runCase(arg),
      { newTokens: quick ? 20 : 50, trainSteps: 1, ...c },
    );
    console.log(JSON.stringify({ label: c.label, ...(result as object) }));
  }
} finally {
  await browser.close();
  await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
}
