// Where a replication starts each condition, without running one: the shipped models stand for the
// plan's primings only when their manifest says so, and a folder keeps the way it began (--prime or
// not), even when it was stopped before any RL run or moved elsewhere.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReplication, replicationJobs } from '../../src/lab';
import { checkStarts, shippedPrimings, startingModels } from '../../src/cli/shipped-primings';
import { SHIPPED_MODELS } from '../../src/cli/checkpoints';

const root = mkdtempSync(join(tmpdir(), 'hl-starts-'));
const plan = parseReplication({
  base: join(SHIPPED_MODELS, 'base'),
  conditions: ['empty_cot', 'dots'],
  seeds: [1],
});
const jobsFor = (out: string, prime: boolean) => {
  mkdirSync(out, { recursive: true }); // as replicate makes --out before it looks
  return replicationJobs(
    plan,
    (id) => join(out, id, 'checkpoints', 'final'),
    startingModels(plan, out, prime).primed,
  );
};
/** What the job runner writes when a run starts: its job.json. */
function begin(out: string, jobs: ReturnType<typeof jobsFor>, kind: 'prime' | 'rl') {
  for (const j of jobs.filter((x) => x.kind === kind)) {
    mkdirSync(join(out, j.id), { recursive: true });
    writeFileSync(join(out, j.id, 'job.json'), JSON.stringify(j.config));
  }
}

describe('the starting models of a replication', () => {
  it("uses the shipped models for the default plan's primings, and none with --prime", () => {
    const out = join(root, 'default');
    expect(startingModels(plan, out, false).primed).toEqual({
      empty_cot: 'shipped:empty_cot',
      dots: 'shipped:dots',
    });
    expect(startingModels(plan, out, true).primed).toEqual({});
    const jobs = jobsFor(out, false);
    expect(jobs.map((j) => j.kind)).toEqual(['rl', 'rl']); // nothing to prime
  });

  it("an option of incorrect's traces primes incorrect again, and only incorrect", () => {
    const claim = parseReplication({
      base: join(SHIPPED_MODELS, 'base'),
      conditions: ['all_strategies', 'incorrect', 'empty_cot'],
      prime: { searchedIncorrect: true, incorrectSlip: true },
    });
    const r = shippedPrimings(claim, SHIPPED_MODELS);
    expect(Object.keys(r.primed).sort()).toEqual(['all_strategies', 'empty_cot']);
    expect(r.notes.join(' ')).toMatch(/priming incorrect again/);
  });

  it('primes every condition again when the manifest is not a manifest, instead of crashing', () => {
    for (const [name, text] of [
      ['null', 'null'],
      ['array', '[1, 2]'],
      ['models', '{"models": 3}'],
      ['problems', '{"problems": "easy", "models": []}'],
      ['broken', '{"models": ['],
    ]) {
      const dir = join(root, `manifest-${name}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'manifest.json'), text);
      const r = shippedPrimings({ ...plan, base: join(dir, 'base') }, dir);
      expect(r.primed, name).toEqual({});
      expect(r.notes.join(' '), name).toMatch(/priming every condition: no readable manifest\.json/);
    }
  });

  it('a folder stopped during its --prime primings is not finished without --prime (or the other way)', () => {
    const out = join(root, 'stopped-priming');
    const primeJobs = jobsFor(out, true);
    checkStarts(primeJobs, out, true);
    begin(out, primeJobs.slice(0, 1), 'prime'); // Ctrl-C while the first priming ran: no RL run yet
    expect(JSON.parse(readFileSync(join(out, 'starts.json'), 'utf8'))).toEqual({ prime: true });
    expect(() => checkStarts(jobsFor(out, false), out, false)).toThrow(
      /was begun with --prime: run it with --prime again to go on, or use another --out/,
    );
    expect(() => checkStarts(jobsFor(out, true), out, true)).not.toThrow();

    const shipped = join(root, 'stopped-shipped');
    checkStarts(jobsFor(shipped, false), shipped, false);
    expect(() => checkStarts(jobsFor(shipped, true), shipped, true)).toThrow(/was begun without --prime/);
  });

  it('a folder from before starts.json is checked run by run, by kind of start, so a moved one resumes', () => {
    const out = join(root, 'old-layout');
    const jobs = jobsFor(out, true);
    begin(out, jobs, 'prime');
    begin(out, jobs, 'rl');
    const moved = join(root, 'old-layout-moved');
    cpSync(out, moved, { recursive: true });
    // The runs recorded the old folder's absolute paths; the moved folder goes on with --prime.
    expect(() => checkStarts(jobsFor(moved, true), moved, true)).not.toThrow();
    // A run that began from the folder's priming, now to start from a shipped model, is refused.
    const mixed = join(root, 'old-layout-mixed');
    cpSync(out, mixed, { recursive: true });
    const rl = jobsFor(mixed, false).filter((j) => j.kind === 'rl');
    const shippedJobs = replicationJobs(plan, (id) => id, { dots: 'shipped:dots' });
    expect(() =>
      checkStarts(
        rl.map((j) => shippedJobs.find((s) => s.id === j.id) ?? j),
        mixed,
        false,
      ),
    ).toThrow(/started from the folder's own priming .* would start it from a shipped model/);
  });
});
