import { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONDITIONS, type Condition } from '../../behaviors/types';
import {
  checkFindings,
  makeRecord,
  parseConfig,
  parseReplication,
  PROXY_PLAN,
  replicationCharts,
  replicationJobs,
  resultsMarkdown,
  summarizeReplication,
  type ReplicationPlan,
  type RunResult,
} from '../../lab';
import { renderChartsPng } from '../chart-image';
import { outputFolder, parseIntList, parseIntOption, parseSetting, readJsonObject, UsageError } from '../io';
import { readEvents, runJobs } from '../jobs';
import { BASE_REF } from '../../model/checkpoint-ref';
import { checkpointFolder } from '../checkpoints';
import { checkStarts, startingModels } from '../shipped-primings';
import { checkPlanFolder, writePlan } from '../plan-folder';

/** The shipped pretrained base model (built by `npm run models`). */
export const DEFAULT_BASE = checkpointFolder(BASE_REF);

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** A path as a committed file names it: relative to the repo when inside it (results.json is shared). */
function repoPath(path: string): string {
  const rel = relative(REPO, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : path;
}

/** Seconds spent in earlier sessions of this replication; a damaged timing.json counts as none. */
function readEarlierSeconds(path: string): number {
  if (!existsSync(path)) return 0;
  try {
    return Number((JSON.parse(readFileSync(path, 'utf8')) as { seconds?: unknown }).seconds) || 0;
  } catch {
    process.stderr.write(`warning: ${path} is not valid JSON; the time of earlier sessions is not counted\n`);
    return 0;
  }
}

export function replicateCommand(): Command {
  return new Command('replicate')
    .description(
      "Reproduce the paper in miniature: one primed model per condition (the shipped ones, or primed again), the same PPO on each over several seeds, and the paper's table beside the results",
    )
    .option('--out <dir>', 'folder for every run, the results table and the figure', 'runs/replication')
    .option('--plan <file>', 'a replication plan (JSON); the defaults are the tuned miniature')
    .option('--seeds <list>', 'RL seeds, e.g. 1,2,3')
    .option(
      '--conditions <list>',
      `priming conditions (default: six of the paper's table and the lab's negative_control)`,
    )
    .option('--base <dir>', 'pretrained base model to prime from', DEFAULT_BASE)
    .option('--set <key=value...>', 'override plan fields, e.g. --set rl.steps=20 eval.problems=100')
    .option(
      '--prime',
      "prime every condition again from the base model (by default RL starts from the shipped primed models that this plan's priming made)",
    )
    .option(
      '--proxy',
      'the fast proxy: backtracking_verification against empty_cot, seed 1, 5 samples per test problem, over the settings of a --plan file (--seeds, --conditions and --set still apply)',
    )
    .option('--jobs <n>', 'runs at once (one CPU core each)', '2')
    .option('--quiet', 'no progress bar')
    .addHelpText(
      'after',
      '\nStop it with Ctrl-C: every running run, RL or priming, saves a checkpoint after its step, and the\n' +
        'same command resumes them (finished primings and runs are kept). Each run also keeps itself every\n' +
        '10 minutes, so the same command resumes a replication that was killed, too.\n\n' +
        'RL starts from the shipped primed models (public/models) when the plan primes as they were primed;\n' +
        'other priming settings, another --base, or --prime prime those conditions first.\n\n' +
        'Examples:\n  habits-lab replicate --out runs/replication\n  habits-lab replicate --prime --out runs/from-scratch\n  habits-lab replicate --seeds 11,12,13 --out runs/other-seeds\n' +
        '  habits-lab replicate --conditions all_strategies,empty_cot --seeds 1 --set rl.steps=10 --out runs/quick',
    )
    .action(async (opts, command: Command) => {
      const out = outputFolder(opts.out, '--out');
      const input: Record<string, unknown> = opts.plan ? readJsonObject(opts.plan, 'replication plan') : {};
      if (opts.seeds !== undefined) input.seeds = parseIntList(opts.seeds, '--seeds');
      if (opts.conditions !== undefined) {
        const list = String(opts.conditions)
          .split(',')
          .map((c) => c.trim());
        for (const c of list)
          if (!CONDITIONS.includes(c as Condition))
            throw new UsageError(`unknown condition "${c}"; choose from ${CONDITIONS.join(', ')}`);
        input.conditions = list;
      }
      if (opts.proxy) {
        // The proxy's settings go over a plan file's; --seeds, --conditions and --set over the proxy's.
        if (opts.conditions === undefined) input.conditions = PROXY_PLAN.conditions;
        if (opts.seeds === undefined) input.seeds = PROXY_PLAN.seeds;
        const given = input.eval as Record<string, unknown> | undefined;
        input.eval = { ...(given ?? {}), ...PROXY_PLAN.eval };
      }
      // A plan file's base stands unless --base is given on the command line.
      const baseGiven = command.getOptionValueSource('base') === 'cli';
      const base = resolve(baseGiven || typeof input.base !== 'string' ? opts.base : input.base);
      if (!existsSync(join(base, 'model.safetensors')))
        throw new UsageError(`no base model at ${base}: build it with \`npm run models\` or pass --base DIR`);
      input.base = base;
      for (const s of (opts.set as string[] | undefined) ?? []) parseSetting(s, input);
      let plan: ReplicationPlan;
      try {
        plan = parseReplication(input);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const jobsAtOnce = parseIntOption(opts.jobs, '--jobs', 1, 64);
      mkdirSync(out, { recursive: true });
      if (!checkPlanFolder(out, plan, '--out')) writePlan(out, plan);

      const { primed, messages } = startingModels(plan, out, Boolean(opts.prime));
      for (const m of messages) process.stderr.write(`${m}\n`);
      const jobs = replicationJobs(plan, (id) => join(out, id, 'checkpoints', 'final'), primed);
      checkStarts(jobs, out, Boolean(opts.prime));
      const { finished, failed, stopped, seconds } = await runJobs(jobs, out, {
        jobsAtOnce,
        quiet: Boolean(opts.quiet),
        label: 'replicate',
      });
      const dirOf = (id: string) => join(out, id);

      const timingPath = join(out, 'timing.json');
      const earlierSeconds = readEarlierSeconds(timingPath);
      writeFileSync(
        timingPath,
        `${JSON.stringify({ seconds: earlierSeconds + seconds, lastSession: seconds, jobsAtOnce, updated: new Date().toISOString() }, null, 2)}\n`,
      );
      if (stopped) {
        process.stderr.write(
          `stopped after ${seconds.toFixed(0)} s; ${finished.size}/${jobs.length} runs finished\n`,
        );
        process.exitCode = 130;
        return;
      }

      const rlDone = jobs.filter((j) => j.kind === 'rl' && finished.has(j.id));
      if (rlDone.length === 0) {
        for (const [id, why] of failed) process.stderr.write(`failed: ${id}: ${why}\n`);
        process.stderr.write(
          `no RL run finished, so no results were written (logs: ${out}/prime/*/stderr.txt and ${out}/rl/*/seed-*/stderr.txt)\n`,
        );
        process.exitCode = 1;
        return;
      }

      // Results: every finished RL run, summarized per condition.
      const runs: RunResult[] = rlDone.map((j) => ({
        condition: j.condition,
        seed: j.seed,
        events: readEvents(dirOf(j.id)),
      }));
      const summaries = summarizeReplication(runs, plan.conditions);
      const findings = checkFindings(summaries);
      const table = resultsMarkdown(plan, summaries, findings);
      writeFileSync(join(out, 'results.md'), table);
      const shared = { ...plan, base: plan.base && repoPath(plan.base) };
      // Where each condition's RL runs started: a shipped model, or this folder's own priming.
      const primings = Object.fromEntries(plan.conditions.map((c) => [c, primed[c] ?? `prime/${c}`]));
      const results = { plan: shared, primings, seconds: earlierSeconds + seconds, summaries, findings };
      writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
      writeFileSync(
        join(out, 'figure.png'),
        renderChartsPng(replicationCharts(summaries), `${plan.name}: seeds ${plan.seeds.join(', ')}`),
      );
      // Every run as a result file the page imports (Runs → Import results) and overlays.
      mkdirSync(join(out, 'runs'), { recursive: true });
      for (const j of rlDone) {
        const record = makeRecord(j.id.replace(/\//g, '-'), parseConfig(j.config), readEvents(dirOf(j.id)));
        writeFileSync(
          join(out, 'runs', `${j.condition}-seed-${j.seed}.habits-lab.json`),
          JSON.stringify(record),
        );
      }
      process.stdout.write(
        `${table}\nfiles in ${out}: results.md, results.json, figure.png, runs/*.habits-lab.json\n`,
      );
      process.stdout.write(
        `took ${((earlierSeconds + seconds) / 60).toFixed(1)} min with ${jobsAtOnce} jobs at once\n`,
      );
      if (failed.size > 0) {
        for (const [id, why] of failed) process.stderr.write(`failed: ${id}: ${why}\n`);
        process.exitCode = 1;
      }
    });
}
