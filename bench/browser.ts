// The browser section of `npm run bench`: the same nano decode and train figures as the Node rows,
// measured in Chromium (Debian's, the lab's flags) in a Web Worker of a cross-origin isolated page:
// wasm on one thread, wasm on every thread, and webgpu on SwiftShader (software: a correctness
// check, not a GPU's speed). Prints one JSON line per case; bench/run.ts writes them to the table.
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../vite.config';

const quick = process.argv.includes('--quick');
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
  const cases = [
    { label: 'wasm, 1 thread', backend: 'wasm', threads: 1 },
    { label: 'wasm, every thread', backend: 'wasm', threads: 0 },
    { label: 'webgpu (SwiftShader)', backend: 'webgpu', threads: 0 },
  ];
  for (const c of cases) {
    const result = await page.evaluate(
      (arg) => (window as unknown as { runCase(a: unknown): Promise<unknown> }).runCase(arg),
      { backend: c.backend, threads: c.threads, newTokens: quick ? 20 : 50, trainSteps: 1 },
    );
    console.log(JSON.stringify({ label: c.label, ...(result as object) }));
  }
} finally {
  await browser.close();
  await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
}
