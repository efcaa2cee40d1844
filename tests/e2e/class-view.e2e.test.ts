// The class view as a teacher uses it: the built page in real Chromium, 30 students' result files
// (three conditions, ten seeds each) and one broken file dropped in at once, the group means checked
// against values computed here from the files' own formula, then a 200-file zip. Screenshot in
// test-artifacts/class-view.png.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { DuckDBInstance } from '@duckdb/node-api';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEHAVIORS } from '../../src/behaviors/types';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../vite.config';
import { CLASS_CONDITIONS, CLASS_STEPS, classRecord, classRecords, classValue } from '../fixtures/class-runs';

const ARTIFACTS = 'test-artifacts';
let server: PreviewServer;
let browser: Browser;
let page: Page;
let dir: string;
const pageErrors: string[] = [];

/** Mean over seeds 1-10 of a value at a step, by a plain loop. */
function mean(
  condition: (typeof CLASS_CONDITIONS)[number],
  step: number,
  pick: (v: ReturnType<typeof classValue>) => number,
) {
  let sum = 0;
  for (let seed = 1; seed <= 10; seed++) sum += pick(classValue(condition, seed, step));
  return sum / 10;
}

describe('class view in real Chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'class-'));
    await build({ logLevel: 'warn' });
    server = await preview({ preview: { port: 0, host: '127.0.0.1' }, logLevel: 'warn' });
    const origin = `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    const context = await browser.newContext({
      viewport: { width: 1400, height: 1000 },
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // Long main-thread tasks, recorded by the page itself (reported, not asserted: a timing).
    await page.addInitScript(() => {
      (window as unknown as { longTasks: number[] }).longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries())
          (window as unknown as { longTasks: number[] }).longTasks.push(e.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(`${origin}/`);
    await page.getByTestId('class-files').waitFor({ state: 'attached' });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server?.httpServer.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('groups 30 result files by condition with the right means, and names the bad file', async () => {
    const paths = classRecords().map((r) => {
      const path = join(dir, `${r.id}.json`);
      writeFileSync(path, JSON.stringify(r));
      return path;
    });
    writeFileSync(join(dir, 'broken.json'), '{"format": "habits-lab-run", "version": 1}');
    await page.getByTestId('class-files').setInputFiles([...paths, join(dir, 'broken.json')]);
    await expect
      .poll(() => page.getByTestId('class-count').textContent(), { timeout: 30_000 })
      .toBe('30 runs in 3 groups');
    expect(await page.getByTestId('class-errors').innerText()).toMatch(
      /broken\.json is not a valid result file/,
    );

    const last = CLASS_STEPS[CLASS_STEPS.length - 1];
    for (const c of CLASS_CONDITIONS) {
      const row = page.locator(`[data-testid="class-table"] tr[data-group="${c}"]`);
      expect(await row.locator('td').nth(1).innerText()).toBe('10');
      const start = Number(await row.locator('[data-stat="accuracy-start"]').getAttribute('data-mean'));
      const end = Number(await row.locator('[data-stat="accuracy-end"]').getAttribute('data-mean'));
      expect(start).toBeCloseTo(
        mean(c, 0, (v) => v.accuracy),
        10,
      );
      expect(end).toBeCloseTo(
        mean(c, last, (v) => v.accuracy),
        10,
      );
      // What the teacher reads: percent with one decimal.
      expect(await row.locator('[data-stat="accuracy-end"]').innerText()).toMatch(
        new RegExp(`^${(100 * mean(c, last, (v) => v.accuracy)).toFixed(1)} ± `),
      );
      const chars = row.locator('[data-stat="chars"]');
      expect(Number(await chars.getAttribute('data-end'))).toBeCloseTo(
        mean(c, last, (v) => v.chars),
        8,
      );
      expect(await row.locator('[data-stat="behaviors-end"]').innerText()).toBe(
        BEHAVIORS.map((b) => mean(c, last, (v) => v.behaviors[b]).toFixed(2)).join('/'),
      );
    }
    // One chart per metric, each with three groups' mean lines and bands.
    await expect.poll(() => page.locator('[data-class-chart]').count()).toBe(2 + BEHAVIORS.length);
    expect(await page.getByTestId('class-findings').locator('li').count()).toBe(4);

    const csvDownload = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export table (CSV)' }).click();
    const csv = readFileSync((await (await csvDownload).path())!, 'utf8')
      .trim()
      .split('\n');
    const head = csv[0].split(',');
    const onlyBacktracking = csv.find((l) => l.startsWith('only_backtracking,'))!.split(',');
    expect(Number(onlyBacktracking[head.indexOf('accuracy_end_mean')])).toBeCloseTo(
      mean('only_backtracking', last, (v) => v.accuracy),
      4,
    );
    const pngDownload = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export figure (PNG)' }).click();
    const png = readFileSync((await (await pngDownload).path())!);
    expect([...png.subarray(1, 4)].map((b) => String.fromCharCode(b)).join('')).toBe('PNG');
    expect(png.length).toBeGreaterThan(20_000);

    await page.locator('section.class').screenshot({ path: `${ARTIFACTS}/class-view.png` });
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('flags a run of another world, and keeps the page answering through a 200-file zip', async () => {
    await page.getByRole('button', { name: 'clear' }).click();
    const files: Record<string, Uint8Array> = {};
    for (let k = 0; k < 199; k++) {
      const r = classRecord(CLASS_CONDITIONS[k % 3], k + 1);
      files[`class/${r.id}.json`] = strToU8(JSON.stringify(r));
    }
    const other = classRecord('empty_cot', 500, { ranges: { numberMax: 6 } });
    files[`class/${other.id}.json`] = strToU8(JSON.stringify(other));
    writeFileSync(join(dir, 'class.zip'), zipSync(files));
    await page.evaluate(() => ((window as unknown as { longTasks: number[] }).longTasks = []));
    const t0 = Date.now();
    await page.getByTestId('class-files').setInputFiles(join(dir, 'class.zip'));
    // The page paints its progress while it reads: it is not frozen until the end.
    await expect
      .poll(() => page.locator('.drop span').textContent(), { timeout: 30_000, interval: 20 })
      .toMatch(/reading ([1-9]\d?|1\d\d) \/ 200 files/);
    await expect
      .poll(() => page.getByTestId('class-count').textContent(), { timeout: 60_000 })
      .toBe('200 runs in 4 groups');
    const tasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    console.log(
      `200-file zip: ${Date.now() - t0} ms to the table; ${tasks.length} main-thread tasks over 50 ms, longest ${Math.round(Math.max(0, ...tasks))} ms`,
    );
    expect(await page.getByTestId('class-flags').innerText()).toMatch(
      /problem world 2 \(ranges\.numberMax unset vs 6\)/,
    );
    expect(await page.locator('tr[data-group="empty_cot (world 2)"] td').nth(1).innerText()).toBe('1');
    await page.locator('section.class').screenshot({ path: `${ARTIFACTS}/class-view-200.png` });
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('downloads a run from the runs list as a veRL folder (zip) whose parquet DuckDB reads', async () => {
    const record = classRecord('only_backtracking', 3);
    const path = join(dir, 'verl-run.json');
    writeFileSync(path, JSON.stringify(record));
    await page.getByTestId('import-results').setInputFiles(path);
    const row = page.locator(`.runs tr[data-run="${record.name}"]`);
    await row.waitFor();
    const download = page.waitForEvent('download');
    await row.getByRole('button', { name: 'veRL' }).click();
    const zip = unzipSync(readFileSync((await (await download).path())!));
    const folder = 'only_backtracking_seed_3-verl';
    expect(Object.keys(zip).sort()).toEqual(
      [
        'README.md',
        'rl/test.parquet',
        'rl/train.parquet',
        'run_ppo.sh',
        'run_sft.sh',
        'sft/only_backtracking/test.parquet',
        'sft/only_backtracking/train.parquet',
      ].map((f) => `${folder}/${f}`),
    );
    const file = join(dir, 'train.parquet');
    writeFileSync(file, zip[`${folder}/rl/train.parquet`]);
    const db = await DuckDBInstance.create(':memory:');
    const rows = (
      await (
        await db.connect()
      ).runAndReadAll(
        `SELECT count(*) AS n, min(extra_info.index) AS lo, max(extra_info.index) AS hi, count(DISTINCT data_source) AS sources FROM read_parquet('${file}')`,
      )
    ).getRowObjectsJson();
    // The fixture's config: 30 steps of 16 prompts (the easy world holds enough problems).
    expect(rows[0]).toEqual({ n: '480', lo: '0', hi: '479', sources: '1' });
    expect(new TextDecoder().decode(zip[`${folder}/run_ppo.sh`])).toContain(
      'trainer.total_training_steps=30',
    );
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
