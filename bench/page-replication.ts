// `npx tsx bench/page-replication.ts [N]`: the page's Paper replication timed as a user runs it: the
// production build in Chromium (the lab's flags), Steps at 50, the backend on wasm; prints when each run
// starts and stops when run N (default 5) starts, with a screenshot of each in test-artifacts/.
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { mkdirSync } from 'node:fs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../vite.config';
mkdirSync('test-artifacts', { recursive: true });
await build({ logLevel: 'warn' });
const server = await preview({ preview: { port: 0, host: '127.0.0.1' }, logLevel: 'warn' });
const origin = `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
await page.goto(`${origin}/`);
await page.getByRole('button', { name: 'Train', exact: true }).waitFor();
await page.waitForFunction(
  () => !document.querySelector('.status')?.textContent?.includes('checking the backend'),
  null,
  { timeout: 60_000 },
);
const button = page.getByTestId('paper-replication');
if (!(await button.isVisible())) await page.locator('details.try > summary').click();
await page
  .locator('label', { hasText: /^Steps/ })
  .locator('input')
  .fill('50');
await page.locator('select:has(option[value="webgl"])').selectOption('wasm');
const t0 = Date.now();
await button.click();
const progress = page.getByTestId('paper-progress');
let last = '';
const stopAt = Number(process.argv[2] ?? 5); // stop when run N starts
for (;;) {
  const text = (await progress.isVisible()) ? await progress.innerText() : '(none)';
  const m = /(\d) of 5: (\w+)/.exec(text);
  if (m && m[0] !== last) {
    last = m[0];
    console.log(`${((Date.now() - t0) / 1000).toFixed(0)} s: run ${m[1]} of 5 starts (${m[2]})`);
    await page.screenshot({ path: `test-artifacts/page-replication-${m[1]}.png` });
    if (Number(m[1]) >= stopAt) break;
  }
  if (text === '(none)' && last) {
    console.log(`${((Date.now() - t0) / 1000).toFixed(0)} s: done`);
    break;
  }
  await page.waitForTimeout(2000);
}
await page.screenshot({ path: 'test-artifacts/page-replication-end.png', fullPage: true });
await browser.close();
await server.close();
process.exit(0);
