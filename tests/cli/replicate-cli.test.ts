// `habits-lab replicate` end to end on a tiny plan: the jobs run as child processes, the results
// table, figure and importable run files are written, a second run of the same command finds
// everything done and runs nothing again, Ctrl-C leaves resumable runs that the same command resumes, and a different plan in the same folder is refused.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRecord } from '../../src/lab';
import { cli, ROOT, stepEvents } from './helpers';

const root = mkdtempSync(join(tmpdir(), 'hl-replicate-'));
const base = join(root, 'base');
/** Every file under a folder: its bytes' hash and its modification time, by relative path. */
function snapshot(dir: string): Map<string, { hash: string; mtime: number }> {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
    statSync(join(dir, f)).isFile(),
  );
  return new Map(
    files.map((f) => [
      f,
      {
        hash: createHash('sha256')
          .update(readFileSync(join(dir, f)))
          .digest('hex'),
        mtime: statSync(join(dir, f)).mtimeMs,
      },
    ]),
  );
}

const TINY = [
  '--set',
  'prime.examples=16',
  'prime.sft.epochs=1',
  'rl.promptsPerStep=2',
  'rl.samplesPerPrompt=2',
  'rl.maxNewTokens=12',
  'rl.minibatches=1',
  'eval.problems=4',
  'eval.every=1',
];

describe('habits-lab replicate (child processes)', () => {
  // The base model every test primes from (made here, so that each test stands on its own).
  beforeAll(() => {
    expect(cli(['init', '--size', 'nano', '--seed', '1', '--out', base]).status).toBe(0);
  }, 60_000);

  it('runs every condition and seed, and writes the table, the figure and run files', () => {
    const out = join(root, 'rep');
    const args = [
      'replicate',
      '--base',
      base,
      '--out',
      out,
      '--conditions',
      'all_strategies,empty_cot',
      '--seeds',
      '1,2',
    ];
    const r = cli([...args, ...TINY, 'rl.steps=2', '--quiet'], undefined, 240_000);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| all_strategies \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \|/);
    expect(r.stdout).toMatch(/\| empty_cot \|/);
    expect(r.stdout).toMatch(/F1: .* \| (yes|no) \|/);
    for (const f of ['results.md', 'results.json', 'figure.png', 'plan.json', 'timing.json'])
      expect(existsSync(join(out, f)), f).toBe(true);
    const files = readdirSync(join(out, 'runs')).sort();
    expect(files).toEqual([
      'all_strategies-seed-1.habits-lab.json',
      'all_strategies-seed-2.habits-lab.json',
      'empty_cot-seed-1.habits-lab.json',
      'empty_cot-seed-2.habits-lab.json',
    ]);
    const record = parseRecord(readFileSync(join(out, 'runs', files[0]), 'utf8'));
    expect(record.events.filter((e) => e.type === 'step')).toHaveLength(2);
    // Every RL run was evaluated on the same test problems, starting from its condition's primed model.
    const job = JSON.parse(readFileSync(join(out, 'rl', 'empty_cot', 'seed-2', 'job.json'), 'utf8'));
    expect(job.start.checkpoint).toBe(join(out, 'prime', 'empty_cot', 'checkpoints', 'final'));
    expect(job.eval.seed).toBe(0);
    const resultsBefore = readFileSync(join(out, 'results.json'), 'utf8');
    const runFiles = files.map((f) => [join('runs', f), readFileSync(join(out, 'runs', f), 'utf8')]);

    // The same command again: everything is done already, so no job runs again (every file of the
    // primings and RL runs is untouched) and the results it writes again are the same bytes.
    const before = snapshot(out);
    const again = cli([...args, ...TINY, 'rl.steps=2', '--quiet'], undefined, 120_000);
    expect(again.status).toBe(0);
    expect(again.stdout.split('\nfiles in')[0]).toBe(r.stdout.split('\nfiles in')[0]);
    const after = snapshot(out);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [f, was] of before) {
      const now = after.get(f);
      if (/^(prime|rl)\//.test(f)) expect(now, f).toEqual(was);
      // results.json and timing.json count this session's seconds too; a run file says when it was made.
      else if (!/^(results\.json|timing\.json|runs\/)/.test(f)) expect(now?.hash, f).toBe(was.hash);
    }
    const results = (text: string) => ({ ...JSON.parse(text), seconds: 0 });
    expect(results(readFileSync(join(out, 'results.json'), 'utf8'))).toEqual(results(resultsBefore));
    for (const [f, text] of runFiles)
      expect({ ...JSON.parse(readFileSync(join(out, f), 'utf8')), createdAt: 0 }, f).toEqual({
        ...JSON.parse(text),
        createdAt: 0,
      });
    // Another plan in the same folder is refused.
    const other = cli([...args, ...TINY, 'rl.steps=3', '--quiet']);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/holds a different replication plan/);
  }, 300_000);

  it("starts RL from the shipped primed models when the plan's priming made them, and --prime primes again", () => {
    const out = join(root, 'shipped');
    // The default base and priming settings (the shipped models' recipe); only RL and evaluation are tiny.
    const rlOnly = ['--set', 'rl.steps=1', 'rl.promptsPerStep=2', 'rl.samplesPerPrompt=2'];
    const small = [...rlOnly, 'rl.maxNewTokens=12', 'rl.minibatches=1', 'eval.problems=4', 'eval.every=1'];
    const args = ['replicate', '--out', out, '--conditions', 'empty_cot,dots', '--seeds', '1', ...small];
    const r = cli([...args, '--quiet'], undefined, 120_000);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/RL starts from the shipped primed models of empty_cot, dots \(--prime/);
    expect(existsSync(join(out, 'prime'))).toBe(false); // nothing was primed
    const job = JSON.parse(readFileSync(join(out, 'rl', 'dots', 'seed-1', 'job.json'), 'utf8'));
    expect(job.start.checkpoint).toBe('shipped:dots');
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.primings).toEqual({ empty_cot: 'shipped:empty_cot', dots: 'shipped:dots' });
    // --prime on the same folder would mix two primings in one table: refused, naming the run.
    const mixed = cli([...args, '--prime', '--quiet']);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toMatch(/was begun without --prime: run it without --prime again/);
    // --proxy over a plan file (this folder's, which names other conditions and 1 sample): the
    // proxy's pair and 5 samples; --set still applies.
    const proxyOut = join(root, 'proxy-over-plan');
    const proxy = cli(
      ['replicate', '--plan', join(out, 'plan.json'), '--proxy', '--out', proxyOut, '--quiet'].concat(
        '--set',
        'rl.steps=0',
        'eval.problems=2',
      ),
      undefined,
      120_000,
    );
    expect(proxy.status, proxy.stderr).toBe(0);
    const proxyPlan = JSON.parse(readFileSync(join(proxyOut, 'plan.json'), 'utf8'));
    expect(proxyPlan.conditions).toEqual(['backtracking_verification', 'empty_cot']);
    expect(proxyPlan.seeds).toEqual([1]);
    expect(proxyPlan.eval).toMatchObject({ samples: 5, problems: 2 });
    expect(proxyPlan.rl.steps).toBe(0);
    // Other priming settings are not the shipped models': those conditions are primed again, and said so.
    const other = cli(
      ['replicate', '--out', join(root, 'shipped-other'), '--conditions', 'dots', '--seeds', '1'].concat(
        small,
        ['prime.examples=16', 'prime.sft.epochs=1', '--quiet'],
      ),
      undefined,
      120_000,
    );
    expect(other.status, other.stderr).toBe(0);
    expect(other.stderr).toMatch(
      /priming dots again: the shipped model was not made with this plan's priming settings/,
    );
    expect(existsSync(join(root, 'shipped-other', 'prime', 'dots', 'checkpoints', 'final'))).toBe(true);
  }, 300_000);

  it('stops on Ctrl-C with resumable runs, and the same command finishes them', async () => {
    const out = join(root, 'stopped');
    const args = [
      'replicate',
      '--base',
      base,
      '--out',
      out,
      '--conditions',
      'only_backtracking',
      '--seeds',
      '7',
      '--jobs',
      '1',
      ...TINY,
      'rl.steps=40',
      'eval.every=0',
      '--quiet',
    ];
    const child = spawn(process.execPath, [`${ROOT}bin/habits-lab.mjs`, ...args], { cwd: ROOT });
    const runDir = join(out, 'rl', 'only_backtracking', 'seed-7');
    const steps = () => stepEvents(runDir).length;
    const t0 = Date.now();
    while (steps() < 2) {
      if (Date.now() - t0 > 180_000) throw new Error('the RL run never started');
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(130);
    const stoppedAt = steps();
    expect(stoppedAt).toBeLessThan(40);
    expect(
      readdirSync(join(out, 'rl', 'only_backtracking', 'seed-7', 'checkpoints')).some((n) =>
        n.startsWith('stopped-'),
      ),
    ).toBe(true);

    // What the stopped run did: its per-step timings (wall-clock seconds, which a step computed
    // again would not repeat) and its finished priming.
    const timing = join(out, 'rl', 'only_backtracking', 'seed-7', 'timing.jsonl');
    const timingBefore = readFileSync(timing, 'utf8');
    const rlTimings = (text: string) =>
      text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l))
        .filter((t) => t.stage === 'rl');
    expect(rlTimings(timingBefore).map((t) => t.step)).toEqual(
      Array.from({ length: stoppedAt }, (_, i) => i + 1),
    );
    const primed = snapshot(join(out, 'prime'));

    const resumed = cli(args, undefined, 240_000);
    expect(resumed.status, resumed.stderr).toBe(0);
    const stepNumbers = stepEvents(runDir).map((e) => e.metrics.step);
    expect(stepNumbers).toEqual(Array.from({ length: 40 }, (_, i) => i + 1)); // no step lost or repeated
    // It resumed: the steps run before the stop were kept, not run again (a restart from scratch
    // rewrites timing.jsonl with new seconds), each later step ran once, and the priming did not run again.
    const timingAfter = readFileSync(timing, 'utf8');
    expect(timingAfter.startsWith(timingBefore)).toBe(true);
    expect(rlTimings(timingAfter).map((t) => t.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(snapshot(join(out, 'prime'))).toEqual(primed);
  }, 400_000);

  it('refuses a bad plan file or a misspelled setting before any job starts, naming the problem', () => {
    const file = (name: string, text: string) => {
      writeFileSync(join(root, name), text);
      return join(root, name);
    };
    const nowhere = join(root, 'nowhere');
    const cases: [string[], RegExp][] = [
      [['--plan', file('broken.json', '{"a":')], /broken\.json is not valid JSON/],
      [['--plan', file('null.json', 'null')], /null\.json must hold a JSON object \(the replication plan\)/],
      // The plan's own base is used (and checked) unless --base is given.
      [
        ['--plan', file('base.json', JSON.stringify({ base: nowhere }))],
        new RegExp(`no base model at ${nowhere}`),
      ],
      [
        ['--set', 'rl.stepz=5', 'prime.sft.epochz=1', '--base', base],
        /"stepz"[\s\S]*at rl[\s\S]*"epochz"[\s\S]*at prime\.sft/,
      ],
      // A repeated seed or condition would count the same runs twice in the mean and spread.
      [['--seeds', '1,1', '--base', base], /each seed once[\s\S]*at seeds/],
      [
        ['--seeds', '1,0x10', '--base', base],
        /--seeds must be a comma-separated list of integers, got "1,0x10"/,
      ],
      [['--conditions', 'dots,dots', '--base', base], /each condition once[\s\S]*at conditions/],
    ];
    for (const [args, message] of cases) {
      const r = cli(['replicate', ...args, '--out', join(root, 'refused'), '--quiet']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(join(root, 'refused'))).toBe(false);
    // An --out that is a file is refused before any priming starts.
    const outFile = cli(['replicate', '--base', base, '--out', file('out.txt', ''), '--quiet']);
    expect(outFile.status).toBe(2);
    expect(outFile.stderr).toContain('is a file, not a folder');
    // With --base on the command line, the plan's base gives way.
    const r = cli([
      'replicate',
      '--plan',
      join(root, 'base.json'),
      '--base',
      base,
      '--jobs',
      '0',
      '--out',
      join(root, 'refused'),
    ]);
    expect(r.stderr).not.toContain('no base model');
    expect(r.stderr).toMatch(/--jobs/);
    // A damaged plan.json in the output folder is named, before any job runs.
    const damaged = join(root, 'damaged');
    mkdirSync(damaged, { recursive: true });
    writeFileSync(join(damaged, 'plan.json'), '{"name": "replic');
    const d = cli(['replicate', '--base', base, '--out', damaged, '--quiet']);
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(
      /plan\.json cannot be read \(.*not valid JSON.*\): it is the plan of the runs in/,
    );
  }, 180_000); // nine CLI starts, each loading tfjs: about 30 s idle, over 60 s beside two training runs
});
