// The lab as a user sees it: the production build served on localhost, driven in real Chromium
// (Debian's package) with WebGPU on SwiftShader. Screenshots go to test-artifacts/ for review.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEHAVIOR_LABELS, BEHAVIORS } from '../../src/behaviors/types';
import { configToFragment, parseConfig, type ExperimentInput } from '../../src/lab/config';
import type { EvalMetrics, LabEvent, StepMetrics } from '../../src/lab/events';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../vite.config';

const ARTIFACTS = 'test-artifacts';
let server: PreviewServer;
let browser: Browser;
let page: Page;
let origin = '';
const outside: string[] = [];
const pageErrors: string[] = [];
/** Every browser this file launched, and those whose contexts were watched. */
const launched: Browser[] = [];
const watched = new Set<Browser | null>();

/** Records requests outside localhost and errors thrown in any page of a context. */
function watch(context: BrowserContext): BrowserContext {
  watched.add(context.browser());
  context.on('request', (r) => {
    const url = new URL(r.url());
    if (
      !['blob:', 'data:'].includes(url.protocol) &&
      url.hostname !== '127.0.0.1' &&
      url.hostname !== 'localhost'
    )
      outside.push(r.url());
  });
  context.on('page', (p) => p.on('pageerror', (e) => pageErrors.push(`${p.url()}: ${e.message}`)));
  return context;
}

// Every browser this file launches is watched, the no-WebGPU test's own included: each of its
// contexts (browser.newPage makes one too) goes through watch().
const launchBrowser = chromium.launch.bind(chromium);
chromium.launch = async (options) => {
  const b = await launchBrowser(options);
  launched.push(b);
  const newContext = b.newContext.bind(b);
  b.newContext = async (o) => watch(await newContext(o));
  return b;
};

/** A download's bytes as text. */
async function downloaded(click: () => Promise<void>): Promise<string> {
  const [dl] = await Promise.all([page.waitForEvent('download'), click()]);
  return Buffer.concat((await (await dl.createReadStream()).toArray()) as Buffer[]).toString('utf8');
}

/** A small experiment, as a share link's fragment. */
const fragment = (c: ExperimentInput) => configToFragment(parseConfig(c));

const WASM_RUN: ExperimentInput = {
  name: 'e2e wasm',
  seed: 3,
  backend: 'wasm',
  preset: 'easy',
  start: {
    kind: 'prime',
    condition: 'all_strategies',
    examples: 256,
    sft: { epochs: 4 },
    from: 'shipped:base',
    phrasing: 'terse',
  },
  rl: { steps: 4, promptsPerStep: 4, samplesPerPrompt: 2, maxNewTokens: 96, lr: 3e-4 },
  eval: { every: 2, problems: 8, greedy: false },
  examplesPerStep: 4,
};

/** The pause test's run: long enough to pause, resume and stop it. */
const PAUSE_RUN: ExperimentInput = {
  ...WASM_RUN,
  name: 'e2e pause',
  start: { kind: 'prime', condition: 'only_backtracking', examples: 32, sft: { epochs: 1 } },
  rl: { ...WASM_RUN.rl, steps: 40 },
  eval: { problems: 0 },
};

async function stage(): Promise<string> {
  return page.getByTestId('stage').innerText();
}

async function waitForStage(want: string[], timeoutMs: number): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const s = await stage();
    if (want.includes(s)) return s;
    if (Date.now() - t0 > timeoutMs) throw new Error(`stage stayed "${s}" (wanted ${want.join('/')})`);
    await page.waitForTimeout(500);
  }
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
}

/** Points per chart, read from each chart's "numbers" table. */
async function chartPoints(id: string): Promise<number> {
  return Number(await page.locator(`figure[data-chart="${id}"]`).getAttribute('data-points'));
}

async function openAt(hash = ''): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${origin}/${hash}`);
  await page.getByRole('button', { name: 'Train', exact: true }).waitFor();
  await page.waitForFunction(
    () => !document.querySelector('.status')?.textContent?.includes('checking the backend'),
    null,
    { timeout: 60_000 },
  );
}

/**
 * A run of this name in the runs list. The tests after the two training tests use their runs; if
 * one of those failed, the test that needs its run makes a short one here, so one failure does not
 * fail every test after it.
 */
async function ensureRun(c: ExperimentInput): Promise<void> {
  if (await page.locator(`.runs tbody tr[data-run="${c.name}"]`).count()) return;
  await openAt(fragment({ ...c, rl: { ...c.rl, steps: 2 } }));
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await waitForStage(['done', 'error'], 240_000);
  expect(await stage()).toBe('done');
}

describe('Habits Lab in real Chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await build({ logLevel: 'warn' });
    server = await preview({ preview: { port: 0, host: '127.0.0.1' }, logLevel: 'warn' });
    origin = `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    const context = await browser.newContext({
      viewport: { width: 1400, height: 1000 },
      acceptDownloads: true,
    });
    page = await context.newPage();
    // Long main-thread tasks, recorded by the page itself.
    await page.addInitScript(() => {
      (window as unknown as { longTasks: number[] }).longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries())
          (window as unknown as { longTasks: number[] }).longTasks.push(e.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server?.httpServer.close(() => resolve()));
  });

  it('loads: the controls, the knobs with their tooltips, and the backend auto measured (wasm over software WebGPU)', async () => {
    await openAt();
    await expect(page.title()).resolves.toBe('Habits Lab');
    for (const name of ['Train', 'Pause', 'Resume', 'Stop', 'Reset'])
      await expect(page.getByRole('button', { name, exact: true }).count()).resolves.toBe(1);
    const status = await page.locator('.status').innerText();
    expect(status).toMatch(
      /Backend wasm — measured wasm \d+ ms.*skipped webgpu: a software renderer \(.*swiftshader/i,
    );
    expect(await page.locator('.tip').count()).toBeGreaterThanOrEqual(15);
    expect(await page.locator('.tip').first().getAttribute('aria-label')).toMatch(/prime/i);
    expect(await page.locator('figure[data-chart]').count()).toBe(5);
    await shot('01-initial');
    // An experiment preset fills every knob, and what has no knob is spelled out.
    await page.getByTestId('experiment-preset').selectOption('classroom');
    expect(await page.locator('select:has(option[value="shipped"])').inputValue()).toBe('shipped');
    await expect(page.getByTestId('hidden-settings').innerText()).resolves.toMatch(
      /numbers 1-9, targets 10-30; 1 PPO epoch × 2 minibatches per step/,
    );
    await shot('01b-classroom-preset');
  });

  it('a run on wasm fills the charts and shows highlighted samples, without blocking the page', async () => {
    await openAt(fragment(WASM_RUN));
    await expect(page.locator('.notice').innerText()).resolves.toMatch(/Loaded the shared experiment/);
    // The link's settings that have no knob (its evaluation here) are kept, and shown.
    await expect(page.getByTestId('hidden-settings').innerText()).resolves.toMatch(
      /evaluation every 2 steps on 8 problems/,
    );
    await page.evaluate(() => ((window as unknown as { longTasks: number[] }).longTasks = []));
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await waitForStage(['rl', 'eval'], 120_000);
    await shot('02-training');
    await waitForStage(['done', 'error'], 240_000);
    expect(await stage()).toBe('done');
    expect(await page.getByTestId('step').innerText()).toBe('4');
    expect(await chartPoints('accuracy')).toBeGreaterThanOrEqual(4);
    expect(await chartPoints('behaviors')).toBe(16);
    expect(await page.locator('.status').innerText()).toMatch(/Backend wasm/);
    const samples = page.locator('.sample');
    expect(await samples.count()).toBe(4);
    expect(await page.locator('.sample mark').count()).toBeGreaterThan(0);
    const longest = await page.evaluate(() =>
      Math.max(0, ...(window as unknown as { longTasks: number[] }).longTasks),
    );
    // Each card made its chart once and updated it in place (remaking all five at every event made
    // main-thread tasks of 150-220 ms).
    const made = await page.locator('figure[data-chart]').evaluateAll((fs) => fs.map((f) => f.dataset.made));
    expect(made).toEqual(['1', '1', '1', '1', '1']);
    // Training runs in the worker (an RL step here samples up to 768 tokens: about 0.8 s at the 912
    // tokens/s docs/BENCHMARKS.md measures for wasm in Chromium), and remade charts are caught by `made`.
    // Longest task measured: 51 ms idle, 120 ms beside two busy loops, 255 ms beside a priming.
    expect(longest).toBeLessThan(500);
    await shot('03-wasm-done');
  }, 300_000);

  it('pause holds the run between steps, resume continues it, stop ends it', async () => {
    await openAt(fragment(PAUSE_RUN));
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    const steps = async () => Number(await page.getByTestId('step').innerText());
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="step"]')?.textContent) >= 1,
      null,
      { timeout: 120_000 },
    );
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await waitForStage(['paused'], 30_000);
    await page.waitForTimeout(1500); // the step under way when Pause was pressed may still finish
    const at = await steps();
    await page.waitForTimeout(2500);
    expect(await steps()).toBe(at);
    await shot('04-paused');
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="step"]')?.textContent) > n,
      at,
      { timeout: 60_000 },
    );
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await waitForStage(['stopped'], 60_000);
    expect(await steps()).toBeLessThan(40);
    // The stage comes from the worker's status event; the runs list shows the stopped run once the
    // page has saved it after the worker's reply, a moment later (a CI run read the list before that).
    const resume = page
      .locator('.runs tbody tr[data-run="e2e pause"]')
      .getByRole('button', { name: 'resume' });
    await resume.first().waitFor({ timeout: 30_000 });
    expect(await resume.count()).toBe(1);
  }, 300_000);

  it('after a reload the runs are listed and can be overlaid on the charts', async () => {
    await ensureRun(WASM_RUN);
    await ensureRun(PAUSE_RUN);
    await openAt();
    const rows = page.locator('.runs tbody tr');
    expect(await rows.count()).toBeGreaterThanOrEqual(2);
    await page.getByRole('checkbox', { name: 'overlay e2e wasm' }).check();
    await page.getByRole('checkbox', { name: 'overlay e2e pause' }).check();
    expect(await chartPoints('accuracy')).toBeGreaterThan(0);
    const labels = await page
      .locator('figure[data-chart="reward"] tr[data-series]')
      .evaluateAll((trs) => [...new Set(trs.map((t) => t.getAttribute('data-series')))]);
    expect(labels).toEqual(expect.arrayContaining(['e2e wasm', 'e2e pause']));
    await shot('05-overlay');
  });

  it(
    "exported CSV rows hold the run's metrics in every column and match the points on the charts",
    { timeout: 300_000 },
    async () => {
      await ensureRun(WASM_RUN);
      await page.getByRole('checkbox', { name: 'overlay e2e wasm' }).check();
      const row = page.locator('.runs tbody tr[data-run="e2e wasm"]');
      const csv = await downloaded(() => row.getByRole('button', { name: 'CSV' }).click());
      writeFileSync(`${ARTIFACTS}/e2e-wasm-metrics.csv`, csv);
      // What the run recorded, from its JSON export, column by column (written out here, not by the
      // code that writes the CSV).
      const { events } = JSON.parse(
        await downloaded(() => row.getByRole('button', { name: 'JSON' }).click()),
      ) as {
        events: LabEvent[];
      };
      const stepColumns = (m: StepMetrics) => ({
        step: m.step,
        accuracy: m.accuracy,
        mean_reward: m.meanReward,
        format_rate: m.formatRate,
        truncated_rate: m.truncatedRate,
        response_tokens: m.responseTokens,
        response_chars: m.responseChars,
        ...Object.fromEntries(BEHAVIORS.map((b) => [`${b}_mean`, m.behaviors[b]])),
        ...Object.fromEntries(BEHAVIORS.map((b) => [`${b}_present`, m.behaviorsPresent[b]])),
        policy_loss: m.policyLoss,
        value_loss: m.valueLoss,
        entropy: m.entropy,
        kl_to_reference: m.klToReference,
        approx_kl: m.approxKl,
        clip_fraction: m.clipFraction,
        grad_norm: m.gradNorm,
        lr: m.lr,
      });
      const evalColumns = (e: EvalMetrics) => ({
        step: e.step,
        eval_accuracy_sampled: e.sampled?.accuracy,
        eval_accuracy_greedy: e.greedy?.accuracy,
        eval_format_rate: e.sampled?.formatRate,
        eval_response_tokens: e.sampled?.responseTokens,
        ...Object.fromEntries(BEHAVIORS.map((b) => [`eval_${b}_mean`, e.sampled?.behaviors[b]])),
      });
      const expected = new Map<number, Record<string, number | undefined>>();
      for (const e of events) {
        if (e.type === 'step')
          expected.set(e.metrics.step, { ...expected.get(e.metrics.step), ...stepColumns(e.metrics) });
        if (e.type === 'eval')
          expected.set(e.metrics.step, { ...expected.get(e.metrics.step), ...evalColumns(e.metrics) });
      }
      const [header, ...lines] = csv.trim().split('\n');
      const cols = header.split(',');
      const anyStep = events.find((e) => e.type === 'step');
      const anyEval = events.find((e) => e.type === 'eval');
      if (anyStep?.type !== 'step' || anyEval?.type !== 'eval')
        throw new Error('the run has no step or no eval');
      // Every column is one of these, and every one of these is a column.
      expect([...cols].sort()).toEqual(
        Object.keys({ ...stepColumns(anyStep.metrics), ...evalColumns(anyEval.metrics) }).sort(),
      );
      const cells = lines.map((l) => l.split(','));
      expect(cells.map((c) => Number(c[0]))).toEqual([...expected.keys()].sort((x, y) => x - y));
      // The CSV keeps 6 significant digits.
      const near = (got: number, want: number) => Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want));
      for (const c of cells) {
        const want = expected.get(Number(c[0]))!;
        cols.forEach((col, i) => {
          const w = want[col];
          if (w === undefined) expect(c[i], `step ${c[0]} ${col}`).toBe('');
          else expect(near(Number(c[i]), w), `step ${c[0]} ${col}: ${c[i]} vs ${w}`).toBe(true);
        });
      }
      expect(cells.length).toBeGreaterThanOrEqual(3); // step 0 (eval) and 4 steps, or 2 if ensureRun made the run
      // Every charted column is the points of its chart, in order.
      const charted: [string, string, string][] = [
        ['accuracy', 'e2e wasm (eval)', 'eval_accuracy_sampled'],
        ['reward', 'e2e wasm', 'mean_reward'],
        ['length', 'e2e wasm', 'response_tokens'],
        ...BEHAVIORS.map((b): [string, string, string] => [
          'behaviors',
          `e2e wasm: ${BEHAVIOR_LABELS[b]}`,
          `${b}_mean`,
        ]),
        ['optimization', 'e2e wasm: KL', 'kl_to_reference'],
      ];
      for (const [chart, series, col] of charted) {
        const i = cols.indexOf(col);
        const column = cells.filter((c) => c[i] !== '').map((c) => [Number(c[0]), Number(c[i])]);
        const points = await page
          .locator(`figure[data-chart="${chart}"] tr[data-series="${series}"]`)
          .evaluateAll((trs) =>
            trs.map((t) => [Number(t.children[1].textContent), Number(t.children[2].textContent)]),
          );
        expect(points.length, series).toBeGreaterThan(0);
        expect(
          points.map(([x]) => x),
          series,
        ).toEqual(column.map(([x]) => x));
        points.forEach(([, y], k) =>
          expect(near(y, column[k][1]), `${series} at ${points[k][0]}`).toBe(true),
        );
      }
    },
  );

  it('importing a broken file shows an error and loads nothing', async () => {
    await ensureRun(WASM_RUN);
    const before = await page.locator('.runs tbody tr').count();
    await page.getByTestId('import-results').setInputFiles({
      name: 'broken.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"format": "habits-lab-run", "version": 1, "events": ['),
    });
    await page.getByRole('alert').filter({ hasText: 'broken.json is not JSON' }).waitFor({ timeout: 10_000 });
    await page.getByTestId('import-results').setInputFiles({
      name: 'other.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"hello": 1}'),
    });
    await page
      .getByRole('alert')
      .filter({ hasText: 'other.json is not a Habits Lab result file' })
      .waitFor({ timeout: 10_000 });
    await page
      .getByTestId('import-checkpoint')
      .setInputFiles({ name: 'model.zip', mimeType: 'application/zip', buffer: Buffer.from('not a zip') });
    await page
      .getByRole('alert')
      .filter({ hasText: 'model.zip is not a readable zip file' })
      .waitFor({ timeout: 10_000 });
    expect(await page.locator('.runs tbody tr').count()).toBe(before);
    await shot('06-import-error');
    // A good file of a run this browser already has is added beside it, never over it.
    const exported = Buffer.from(
      await downloaded(() =>
        page.locator('.runs tbody tr[data-run="e2e wasm"]').getByRole('button', { name: 'JSON' }).click(),
      ),
    );
    await page
      .getByTestId('import-results')
      .setInputFiles({ name: 'e2e-wasm.json', mimeType: 'application/json', buffer: exported });
    await page.locator('.notice', { hasText: 'Imported 1 run.' }).waitFor({ timeout: 10_000 });
    const copy = page.locator('.runs tbody tr[data-run="e2e wasm (imported)"]');
    expect(await copy.count()).toBe(1);
    expect(await page.locator('.runs tbody tr[data-run="e2e wasm"]').count()).toBe(1);
    await copy.getByRole('button', { name: 'delete' }).click();
    await copy.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await page.locator('.runs tbody tr').count()).toBe(before);
  });

  it('the survey runs a lab model in transformers.js and draws its habits next to other models', async () => {
    const survey = page.locator('section.survey');
    await survey.scrollIntoViewIfNeeded();
    // The Hub needs a confirmation before anything is downloaded; cancelling downloads nothing.
    await page.getByTestId('survey-model').selectOption('hub');
    await survey
      .getByPlaceholder('onnx-community/Qwen2.5-0.5B-Instruct')
      .fill('onnx-community/Qwen2.5-0.5B-Instruct');
    await page.getByTestId('survey-start').click();
    await expect(page.getByRole('alertdialog', { name: 'Confirm download' }).innerText()).resolves.toMatch(
      /downloads onnx-community\/Qwen2.5-0.5B-Instruct .* from huggingface\.co/,
    );
    await survey.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByRole('alertdialog').count()).toBe(0);

    await ensureRun(WASM_RUN);
    await ensureRun(PAUSE_RUN);
    const surveyRun = async (label: string) => {
      await page.getByTestId('survey-model').selectOption({ label });
      await survey.getByLabel('Problems (M)').fill('3');
      await survey.getByLabel('Samples (K)').fill('2');
      await survey.getByLabel('Max tokens').fill('60');
      await page.getByTestId('survey-start').click();
      await page.waitForFunction(
        (l) => document.querySelector('[data-testid="survey-status"]')?.textContent?.startsWith(`done: ${l}`),
        label,
        { timeout: 180_000 },
      );
    };
    await surveyRun('e2e wasm');
    await surveyRun('e2e pause');
    await surveyRun('e2e wasm'); // the same model twice: two bars, told apart by name
    expect(await survey.locator('.survey-status').innerText()).toMatch(/on webgpu|on wasm/);
    expect(await survey.locator('figure[data-bars]').count()).toBe(3);
    expect(await survey.locator('figure[data-bars="Habits per response"]').getAttribute('data-models')).toBe(
      '3',
    );
    expect(
      await survey.locator('figure[data-bars="Habits per response"] tbody td:first-child').allTextContents(),
    ).toEqual(['e2e wasm', 'e2e pause', 'e2e wasm (2)']);
    expect(await survey.locator('.survey-table tbody tr').count()).toBe(3);
    expect(await survey.locator('.sample').count()).toBe(6);
    await shot('07-survey');
    // A broken survey file is refused with a message, and nothing is added.
    await page.getByTestId('import-survey').setInputFiles({
      name: 'survey.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"format":"habits-lab-survey","version":1}'),
    });
    await page
      .getByRole('alert')
      .filter({ hasText: 'survey.json is not a valid survey result' })
      .waitFor({ timeout: 10_000 });
    expect(await survey.locator('.survey-table tbody tr').count()).toBe(3);
  }, 400_000);

  it('a run on the webgpu backend (SwiftShader) trains in the worker and fills the charts', async () => {
    await openAt(
      fragment({
        name: 'e2e webgpu',
        backend: 'webgpu',
        preset: 'easy',
        start: {
          kind: 'prime',
          condition: 'all_strategies',
          examples: 16,
          sft: { epochs: 1, batchSize: 16 },
        },
        rl: { steps: 2, promptsPerStep: 2, samplesPerPrompt: 2, maxNewTokens: 6, minibatches: 1 },
        eval: { problems: 0 },
        examplesPerStep: 2,
      }),
    );
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await waitForStage(['done', 'error'], 600_000);
    expect(await stage()).toBe('done');
    expect(await page.locator('.status').innerText()).toMatch(/Backend webgpu/);
    expect(await chartPoints('reward')).toBeGreaterThanOrEqual(2);
    // The work ran in the trainer worker: TensorFlow.js keeps its engine on the global object, and
    // the worker's ran on webgpu and made the run's tensors; the page's main thread has no engine.
    const trainer = page.workers().find((w) => w.url().includes('trainer'));
    expect(
      trainer,
      page
        .workers()
        .map((w) => w.url())
        .join(', '),
    ).toBeDefined();
    const engine = await trainer!.evaluate(() => {
      const e = (globalThis as { _tfengine?: { backendName: string; constructor: unknown } })._tfengine;
      return e
        ? { backend: e.backendName, tensors: (e.constructor as { nextTensorId: number }).nextTensorId }
        : null;
    });
    expect(engine?.backend).toBe('webgpu');
    expect(engine?.tensors).toBeGreaterThan(1000);
    expect(await page.evaluate(() => '_tfengine' in globalThis)).toBe(false);
    await shot('08-webgpu-done');
  }, 660_000);

  it('a run on the webgl backend trains in the worker (one backend at a time: no foreign kernels)', async () => {
    await openAt(
      fragment({
        name: 'e2e webgl',
        backend: 'webgl',
        start: { kind: 'checkpoint', checkpoint: 'shipped:all_strategies' },
        rl: { steps: 2, promptsPerStep: 2, samplesPerPrompt: 2, maxNewTokens: 6, minibatches: 1 },
        eval: { problems: 0 },
        examplesPerStep: 2,
      }),
    );
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await waitForStage(['done', 'error'], 300_000);
    const status = await page.locator('.status').innerText();
    expect(await stage(), status).toBe('done');
    expect(status).toMatch(/Backend webgl/);
    expect(await chartPoints('reward')).toBeGreaterThanOrEqual(2);
    const trainer = page.workers().find((w) => w.url().includes('trainer'));
    const backend = await trainer!.evaluate(
      () => (globalThis as { _tfengine?: { backendName: string } })._tfengine?.backendName,
    );
    expect(backend).toBe('webgl');
    await shot('08b-webgl-done');
  }, 360_000);

  it('Paper replication trains the five shipped models one after another and overlays them', async () => {
    await openAt();
    const button = page.getByTestId('paper-replication');
    // "What to try" starts folded once there are runs (the earlier tests made some): unfold it.
    await page.locator('.runs tbody tr').first().waitFor();
    if (!(await button.isVisible())) await page.locator('details.try > summary').click();
    await button.waitFor({ state: 'visible' });
    await expect(button.isEnabled()).resolves.toBe(true);
    // Two PPO steps each on wasm: enough to see every run start from its shipped model and finish.
    await page
      .locator('label', { hasText: /^Steps/ })
      .locator('input')
      .fill('2');
    await page.locator('select:has(option[value="webgl"])').selectOption('wasm');
    await button.click();
    const progress = page.getByTestId('paper-progress');
    await progress.waitFor({ timeout: 30_000 });
    expect(await progress.innerText()).toMatch(/Paper replication 1 of 5: backtracking_verification/);
    // The clock of a run that is starting never reads below zero (it said "Time -1s" here).
    expect(await page.locator('.status').innerText()).toMatch(/Time \d+s/);
    await shot('10-paper-replication');
    await progress.waitFor({ state: 'detached', timeout: 400_000 });
    expect(await stage()).toBe('done');
    await shot('11-paper-replication-done');
    const labels = await page
      .locator('figure[data-chart="accuracy"] tr[data-series]')
      .evaluateAll((trs) => [...new Set(trs.map((t) => t.getAttribute('data-series')))]);
    // The last run (incorrect) is "this run"; the four before it are overlaid under their names.
    expect(labels).toEqual(
      expect.arrayContaining([
        'this run (eval)',
        'paper: backtracking_verification (eval)',
        'paper: empty_cot (eval)',
        'paper: all_strategies (eval)',
        'paper: dots (eval)',
      ]),
    );
    await expect(
      page
        .locator('label', { hasText: /^Run name/ })
        .locator('input')
        .inputValue(),
    ).resolves.toBe('paper: incorrect');
    // Every run evaluated at step 0 and after its 2 steps.
    expect(await chartPoints('accuracy')).toBeGreaterThanOrEqual(10);
    await shot('11-paper-replication-done');
    // Each run's stored record holds its own events only: 2 steps, one checkpoint, one done (an
    // event that comes after its run's reply goes to that run, not to the next one).
    const stored = () =>
      page.evaluate(
        () =>
          new Promise<{ name: string; types: string[] }[]>((resolve, reject) => {
            const open = indexedDB.open('habits-lab');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const all = open.result.transaction('runs').objectStore('runs').getAll();
              all.onerror = () => reject(all.error);
              all.onsuccess = () =>
                resolve(
                  (all.result as { name: string; events: { type: string }[] }[]).map((r) => ({
                    name: r.name,
                    types: r.events.map((e) => e.type),
                  })),
                );
            };
          }),
      );
    const count = (types: string[], t: string) => types.filter((x) => x === t).length;
    await expect
      .poll(
        async () =>
          (await stored())
            .filter((r) => r.name.startsWith('paper: '))
            .map((r) => [
              r.name,
              count(r.types, 'step'),
              count(r.types, 'checkpoint'),
              count(r.types, 'done'),
            ])
            .sort(),
        { timeout: 15_000 },
      )
      .toEqual(
        ['all_strategies', 'backtracking_verification', 'dots', 'empty_cot', 'incorrect'].map((c) => [
          `paper: ${c}`,
          2,
          1,
          1,
        ]),
      );
  }, 460_000);

  it('without WebGPU the page says so and trains on the next backend', async () => {
    // A second Chromium without the WebGPU switch: no adapter, as on many school laptops.
    const plain = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu'),
      headless: true,
    });
    try {
      const p = await (await plain.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
      await p.goto(`${origin}/`);
      await p.locator('.notice', { hasText: 'WebGPU is not available' }).waitFor({ timeout: 60_000 });
      const status = await p.locator('.status').innerText();
      expect(status).toMatch(/Backend (webgl|wasm|cpu)/);
      expect(status).toMatch(/skipped webgpu/);
      // Train, with every default: the run trains on that backend (its first RL step arrives).
      await p.getByRole('button', { name: 'Train', exact: true }).click();
      await p.waitForFunction(
        () =>
          Number(document.querySelector('[data-testid="step"]')?.textContent) >= 1 ||
          document.querySelector('[data-testid="stage"]')?.textContent === 'error',
        null,
        { timeout: 240_000 },
      );
      expect(await p.getByTestId('stage').innerText()).not.toBe('error');
      expect(await p.locator('.error').count()).toBe(0);
      expect((await p.locator('.status').innerText()).match(/Backend (\w+)/)?.[1]).toBe(
        status.match(/Backend (\w+)/)?.[1],
      );
      await p.screenshot({ path: `${ARTIFACTS}/09-no-webgpu.png` });
      await p.getByRole('button', { name: 'Stop', exact: true }).click();
    } finally {
      await plain.close();
    }
  }, 360_000);

  it('made no request outside localhost, and no page threw, in either browser (with and without WebGPU)', () => {
    // Both browsers were watched: the main one and the no-WebGPU test's own.
    expect(launched.length).toBeGreaterThanOrEqual(2);
    expect(launched.filter((b) => !watched.has(b))).toEqual([]);
    expect(outside).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
