import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { jobState, readEvents, type Job } from '../../src/cli/jobs';
import { cli, killCliWhen, stepEvents, type CliResult } from './helpers';

describe('habits-lab CLI: train, prime, eval (child process)', () => {
  const root = mkdtempSync(join(tmpdir(), 'hl-train-'));
  // One smoke run that several tests read (made here, so that each test stands on its own).
  const a = join(root, 'a');
  let first: CliResult;
  beforeAll(() => {
    first = cli(['train', '--preset', 'smoke', '--out', a], undefined, 180_000);
  }, 200_000);

  it('train --preset smoke writes config, metrics (JSONL and CSV), timing, a chart and checkpoints', () => {
    const out = a;
    const r = first;
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/done: 3 RL steps .* held-out accuracy/);
    for (const f of [
      'config.json',
      'metrics.jsonl',
      'metrics.csv',
      'timing.jsonl',
      'chart.png',
      'checkpoints/final/model.safetensors',
      'checkpoints/final/runner_state.json',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const steps = lines.filter((e) => e.type === 'step');
    expect(steps.map((e) => e.metrics.step)).toEqual([1, 2, 3]);
    const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0].split(',').slice(0, 3)).toEqual(['step', 'accuracy', 'mean_reward']);
    expect(csv.length).toBe(1 + 4); // header, step 0 (eval only), steps 1-3
    expect(Number(csv[2].split(',')[1])).toBe(steps[0].metrics.accuracy);
    const png = readFileSync(join(out, 'chart.png'));
    expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(png.length).toBeGreaterThan(20_000);
  }, 200_000);

  it('the same seed twice writes identical metrics files', () => {
    const b = join(root, 'b');
    expect(cli(['train', '--preset', 'smoke', '--out', b, '--quiet'], undefined, 180_000).status).toBe(0);
    for (const f of ['metrics.jsonl', 'metrics.csv'])
      expect(readFileSync(join(b, f), 'utf8')).toBe(readFileSync(join(a, f), 'utf8'));
    const c = join(root, 'c');
    expect(
      cli(['train', '--preset', 'smoke', '--set', 'seed=9', '--out', c, '--quiet'], undefined, 180_000)
        .status,
    ).toBe(0);
    expect(readFileSync(join(c, 'metrics.jsonl'), 'utf8')).not.toBe(
      readFileSync(join(a, 'metrics.jsonl'), 'utf8'),
    );
  }, 400_000);

  it('a run that fails as it starts leaves the earlier run in its folder as it was', () => {
    const before = ['config.json', 'metrics.jsonl', 'timing.jsonl'].map((f) =>
      readFileSync(join(a, f), 'utf8'),
    );
    const failures: [string[], RegExp][] = [
      [['start.from=typo'], /cannot read checkpoint folder .*typo: no such folder/],
      [['ranges.numberMin=9', 'ranges.numberMax=2'], /numberMax must be >= numberMin/],
      // Found before priming, not after it: 600 tokens after an 18-token prompt overflow 512 positions.
      [['rl.maxNewTokens=600'], /rl\.maxNewTokens 600 does not fit: .* 512 positions, so at most 494/],
    ];
    for (const [settings, message] of failures) {
      const r = cli(['train', '--preset', 'smoke', '--set', ...settings, '--out', a]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/nothing was written to/);
      expect(r.stderr.split('nothing was written to')).toHaveLength(2); // said once, on stderr only
      expect(r.stdout).not.toMatch(message);
    }
    expect(
      ['config.json', 'metrics.jsonl', 'timing.jsonl'].map((f) => readFileSync(join(a, f), 'utf8')),
    ).toEqual(before);
  }, 120_000);

  it('resume takes a checkpoint as it was saved: a run folder is pointed to its checkpoints, overrides refused', () => {
    const folder = cli(['train', '--resume', a, '--out', a]);
    expect(folder.status).toBe(1);
    expect(folder.stderr).toMatch(
      /is a run's folder, not a checkpoint: give one of its checkpoints, .*checkpoints\/final/,
    );
    const overridden = cli([
      'train',
      '--resume',
      join(a, 'checkpoints', 'final'),
      '--set',
      'rl.steps=9',
      '--out',
      a,
    ]);
    expect(overridden.status).toBe(2);
    expect(overridden.stderr).toMatch(/--resume continues a run with the config it was started with/);
  });

  it('bad configs and overrides fail with clear messages', () => {
    const r = cli(['train', '--preset', 'smoke', '--set', 'rl.clip=-3', '--out', join(root, 'bad')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/rl\.clip/);
    expect(cli(['train', '--out', join(root, 'bad')]).stderr).toMatch(/--preset NAME or --config FILE/);
    expect(cli(['train', '--config', join(root, 'missing.json'), '--out', join(root, 'bad')]).stderr).toMatch(
      /no experiment config file at .*missing\.json/,
    );
    // A config file that holds no object, a misspelled nested key, a key that is no setting name: each
    // is refused before anything runs or is written.
    const notObject = join(root, 'oops.json');
    writeFileSync(notObject, '"oops"');
    const cases: [string[], RegExp][] = [
      [['--config', notObject], /oops\.json must hold a JSON object \(the experiment config\)/],
      [['--preset', 'smoke', '--set', 'rl.stepz=0'], /Unrecognized key: "stepz"[\s\S]*at rl/],
      [
        ['--preset', 'smoke', '--set', 'start.sft.epochz=1'],
        /Unrecognized key: "epochz"[\s\S]*at start\.sft/,
      ],
      [['--preset', 'smoke', '--set', '__proto__.x=1'], /--set: "__proto__\.x" is not a setting name/],
    ];
    for (const [args, message] of cases) {
      const bad = cli(['train', ...args, '--out', join(root, 'refused')]);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(message);
    }
    expect(existsSync(join(root, 'refused'))).toBe(false);
  });

  it('prime writes a primed checkpoint that eval reads', () => {
    const out = join(root, 'p');
    const r = cli(
      [
        'prime',
        '--condition',
        'only_backtracking',
        '--examples',
        '64',
        '--epochs',
        '1',
        '--eval',
        '8',
        '--out',
        out,
        '--quiet',
      ],
      undefined,
      180_000,
    );
    expect(r.status, r.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(out, 'checkpoints', 'final', 'config.json'), 'utf8'));
    expect(config.habits_lab.start.condition).toBe('only_backtracking');
    const e = cli(
      ['eval', '--model', join(out, 'checkpoints', 'final'), '--n', '8', '--json', '--max-new-tokens', '32'],
      undefined,
      120_000,
    );
    expect(e.status, e.stderr).toBe(0);
    const result = JSON.parse(e.stdout);
    expect(result.problems).toBe(8);
    expect(result.accuracy).toBeGreaterThanOrEqual(0);
    expect(Object.keys(result.behaviors.mean)).toEqual([
      'verification',
      'backtracking',
      'subgoal_setting',
      'backward_chaining',
    ]);
  }, 200_000);

  it('eval --samples draws k samples per problem of the ranges asked for, and says how many problems any sample solved', () => {
    const args = ['eval', '--model', 'shipped:empty_cot', '--n', '6', '--samples', '4', '--json'];
    const ranges = ['--number-min', '1', '--number-max', '9', '--target-min', '10', '--target-max', '30'];
    const e = cli([...args, ...ranges, '--max-new-tokens', '24'], undefined, 120_000);
    expect(e.status, e.stderr).toBe(0);
    const result = JSON.parse(e.stdout);
    expect([result.problems, result.samples]).toEqual([6, 4]);
    // Rates over 24 responses; a problem counts as solved when any of its 4 samples is right, so
    // that share is at least the accuracy and at most 4 times it.
    const correct = result.accuracy * 24;
    expect(Math.abs(correct - Math.round(correct))).toBeLessThan(1e-9);
    expect(result.solvedByAny).toBeGreaterThanOrEqual(result.accuracy - 1e-12);
    expect(result.solvedByAny).toBeLessThanOrEqual(4 * result.accuracy + 1e-12);
    const greedy = cli([...args, '--greedy'], undefined, 60_000);
    expect(greedy.status).toBe(2);
    expect(greedy.stderr).toMatch(/--greedy gives the same answer every time/);
    const bad = cli(['eval', '--model', 'shipped:empty_cot', '--number-min', '9', '--number-max', '1']);
    expect(bad.status).toBe(2);
  }, 200_000);
});

describe('habits-lab train --resume (child processes)', () => {
  const root = mkdtempSync(join(tmpdir(), 'hl-resume-'));

  it('train --resume continues a run killed with SIGKILL from its last checkpoint: no step lost or repeated, the same curve', async () => {
    // A short run from a shipped model (no priming) that checkpoints every 2 steps.
    const config = join(root, 'killed.json');
    writeFileSync(
      config,
      JSON.stringify({
        name: 'killed',
        preset: 'easy',
        start: { kind: 'checkpoint', checkpoint: 'shipped:empty_cot' },
        rl: { steps: 8, promptsPerStep: 2, samplesPerPrompt: 2, maxNewTokens: 24, minibatches: 1 },
        eval: { every: 0, problems: 0 },
        checkpointEvery: 2,
      }),
    );
    const out = join(root, 'killed');
    // Killed once step 3 is written, so that the step-2 checkpoint is complete.
    await killCliWhen(
      ['train', '--config', config, '--out', out, '--quiet'],
      () => stepEvents(out).length >= 3,
      'the run never reached step 3',
    );
    const killedAt = stepEvents(out).length;
    expect(killedAt).toBeLessThan(8);
    // The last checkpoint written in full: one saved before the last step written.
    const saved = readdirSync(join(out, 'checkpoints'))
      .flatMap((n) => (/^step-(\d+)$/.exec(n) ? [Number(n.slice(5))] : []))
      .filter((k) => k < killedAt);
    const from = Math.max(...saved);
    expect(from).toBeGreaterThanOrEqual(2);

    const r = cli(
      ['train', '--resume', join(out, 'checkpoints', `step-${from}`), '--out', out, '--quiet'],
      undefined,
      120_000,
    );
    expect(r.status, r.stderr).toBe(0);
    const resumed = stepEvents(out);
    expect(resumed.map((e) => e.metrics?.step)).toEqual(Array.from({ length: 8 }, (_, i) => i + 1));
    // The same steps as a run never interrupted (metrics.jsonl keeps no wall-clock figures).
    const whole = join(root, 'whole');
    expect(cli(['train', '--config', config, '--out', whole, '--quiet'], undefined, 120_000).status).toBe(0);
    expect(resumed).toEqual(stepEvents(whole));
  }, 240_000);

  it('a run killed with SIGKILL while priming goes on from its last keep (--keep-every) to the same run', async () => {
    // 18 priming steps (320 examples less the held-out ones, in batches of 16), then 2 RL steps.
    const config = join(root, 'priming.json');
    writeFileSync(
      config,
      JSON.stringify({
        name: 'priming',
        preset: 'easy',
        size: 'nano',
        start: {
          kind: 'prime',
          condition: 'all_strategies',
          examples: 320,
          sft: { epochs: 1, batchSize: 16 },
        },
        rl: { steps: 2, promptsPerStep: 2, samplesPerPrompt: 2, maxNewTokens: 24, minibatches: 1 },
        eval: { every: 0, problems: 0 },
      }),
    );
    const job: Job = { id: 'priming', kind: 'prime', config: {} };
    const out = join(root, 'priming');
    const args = ['train', '--config', config, '--out', out, '--quiet', '--keep-every', '0.2'];
    const primeSteps = () => readEvents(out).filter((e) => e.type === 'prime').length;
    // Killed mid-priming, once a keep is on disk and a few more steps are done.
    await killCliWhen(
      args,
      () => jobState(out, job).kind === 'resume' && primeSteps() >= 4,
      'the run kept nothing while priming',
      120_000,
    );
    const st = jobState(out, job);
    if (st.kind !== 'resume') throw new Error('no keep to resume from');
    const from = Number(/stopped-priming-(\d+)$/.exec(st.checkpoint)?.[1]);
    expect(from).toBeGreaterThan(0);

    const r = cli(['train', '--resume', st.checkpoint, '--out', out, '--quiet'], undefined, 180_000);
    expect(r.status, r.stderr).toBe(0);
    const whole = join(root, 'priming-whole');
    const w = cli(
      ['train', '--config', config, '--out', whole, '--quiet', '--keep-every', '0'],
      undefined,
      180_000,
    );
    expect(w.status, w.stderr).toBe(0);
    // metrics.jsonl keeps no wall-clock figures: the priming and RL curves are the same, step for step.
    const curve = (dir: string) => readEvents(dir).filter((e) => e.type === 'prime' || e.type === 'step');
    const primed = curve(out).flatMap((e) => (e.type === 'prime' ? [e.progress] : []));
    expect(primed.map((p) => p.step)).toEqual(Array.from({ length: primed[0].totalSteps }, (_, i) => i + 1));
    expect(from).toBeLessThan(primed[0].totalSteps);
    expect(curve(out)).toEqual(curve(whole));
    expect(readFileSync(join(out, 'checkpoints', 'final', 'model.safetensors'))).toEqual(
      readFileSync(join(whole, 'checkpoints', 'final', 'model.safetensors')),
    );
    expect(readdirSync(join(whole, 'checkpoints'))).toEqual(['final']);
    expect(cli(['train', '--preset', 'smoke', '--out', whole, '--keep-every', '-1']).stderr).toMatch(
      /--keep-every must be 0 or more seconds, got "-1"/,
    );
  }, 400_000);
});
