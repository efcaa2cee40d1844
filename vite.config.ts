import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { playwright } from '@vitest/browser-playwright';
import { CHROMIUM_PATH } from './tests/setup/chromium.mjs';

// Chromium from Debian (no browser download), headless as root, WebGPU on SwiftShader, and no
// background traffic (the machines here have no network): see ../shared/research/browser-notes.md.
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
export { CHROMIUM_PATH };

// Cross-origin isolation (SharedArrayBuffer), so that tfjs-wasm and onnxruntime-web run their
// multi-threaded builds. Everything the page loads is its own (same origin), so isolation breaks
// nothing; a static host must send the same two headers (README, "Hosting the page").
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// One config for the page (vite), the production preview (`npm start`) and the tests (vitest):
// Node tests in tests/**, browser tests (real Chromium) in tests/browser/**, and the end-to-end
// tests of the built page (tests/e2e/**) last, on their own.
export default defineConfig({
  plugins: [svelte()],
  worker: {
    format: 'es',
    // Unminified: tfjs-wasm starts its threads from the source text of its own (bundled) factory,
    // and a minifier's renamings leave that text calling names that exist only in the bundle
    // ("e is not defined" in every wasm thread).
    rolldownOptions: { output: { minify: false } },
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  preview: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  // Pre-bundled up front so that a browser test never sees Vite reload mid-run.
  optimizeDeps: {
    include: [
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-wasm',
      '@huggingface/transformers',
      // The rollout engine's runtimes (src/model/web-ort.ts), imported when a run first samples.
      'onnxruntime-web/wasm',
      'onnxruntime-web/webgpu',
      'comlink',
      // Imported by the runner's event schemas: found late, they reloaded a fresh clone's browser tests.
      'zod',
      'zod/v4/core',
    ],
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two test files at once (vitest's default is one fewer than the cores: one here). Many Node
    // tests wait on CLI subprocesses; on 2 cores this took the Node and browser tests from about
    // 11 to 8 minutes. The e2e tests stay one file at a time (below): they time the page.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/browser/**', 'tests/e2e/**'],
          environment: 'node',
        },
      },
      {
        // The lab as a user sees it, after everything else: it measures how responsive the page
        // stays, which says nothing while other test files train models on the same cores.
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 1 },
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          testTimeout: 300_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({ launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS } }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
