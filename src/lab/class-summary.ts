// A class of runs as one figure: many students' result files grouped by condition (and a config
// field the teacher picks), each group's mean curve with its spread, start and end means beside the
// paper's numbers, and the paper's findings checked on the class. Runs in another problem world or
// with other RL settings are put in groups of their own and flagged, never averaged in silently.

import { BEHAVIOR_LABELS, BEHAVIORS, CONDITIONS, type Behavior, type Condition } from '../behaviors/types';
import { problemSpec } from '../countdown/problems';
import type { ChartSpec, Series } from './charts';
import type { ExperimentConfig } from './config';
import type { EvalMetrics, EvalSummary } from './events';
import type { RunRecord } from './records';
import { checkFindings, PAPER_RESULTS, type ConditionSummary, type Finding } from './replication';

export interface Stat {
  mean: number;
  sd: number;
  min: number;
  max: number;
  n: number;
}

/** Mean, sample standard deviation (n - 1), min and max; NaN values are left out. */
export function stat(values: readonly number[]): Stat {
  const xs = values.filter((v) => !Number.isNaN(v));
  const n = xs.length;
  if (n === 0) return { mean: NaN, sd: NaN, min: NaN, max: NaN, n };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs), n };
}

/** What the class view draws for one evaluation. */
export type ClassMetric = 'accuracy' | 'chars' | Behavior;
export const CLASS_METRICS: ClassMetric[] = ['accuracy', 'chars', ...BEHAVIORS];

const valueOf = (s: EvalSummary, m: ClassMetric): number =>
  m === 'accuracy' ? s.accuracy : m === 'chars' ? s.responseChars : s.behaviors[m];

/** The priming condition a run stands for: its own, or the one its checkpoint's name or path says. */
export function runCondition(config: ExperimentConfig): string {
  if (config.start.kind === 'prime') return config.start.condition;
  const words = [
    ...(config.start.kind === 'checkpoint' ? config.start.checkpoint.split(/[/:\\\s]+/) : []),
    ...config.name.split(/[\s/:]+/),
  ];
  return words.find((w) => (CONDITIONS as readonly string[]).includes(w)) ?? config.start.kind;
}

/** A config flattened to "rl.lr" -> "0.0003" (the choices of the group-by menu). */
export function flatConfig(config: ExperimentConfig): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (v: unknown, path: string) => {
    if (v && typeof v === 'object' && !Array.isArray(v))
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
    else out[path] = JSON.stringify(v);
  };
  walk(config, '');
  return out;
}

/** Config fields whose value differs between runs (name and seed aside: every student has their own). */
export function varyingFields(records: readonly RunRecord[]): string[] {
  const flats = records.map((r) => flatConfig(r.config));
  const values = new Map<string, Set<string>>();
  for (const flat of flats)
    for (const [k, v] of Object.entries(flat)) {
      if (!values.has(k)) values.set(k, new Set());
      values.get(k)!.add(v);
    }
  // A field some runs lack (a start of another kind) varies too.
  return [...values]
    .filter(([k, vs]) => k !== 'name' && (vs.size > 1 || flats.some((flat) => !(k in flat))))
    .map(([k]) => k)
    .sort();
}

/** The problem world and the held-out set a run is measured on. */
const worldOf = (c: ExperimentConfig) =>
  JSON.stringify({
    spec: problemSpec(c.preset, c.ranges),
    test: c.eval.problems,
    testSeed: c.eval.seed ?? null,
  });
/** The RL settings a run trains with (the eval schedule aside: it changes what is measured, not how). */
const rlOf = (c: ExperimentConfig) => JSON.stringify(c.rl);

export interface ClassRun {
  file: string;
  record: RunRecord;
}

export interface CurvePoint {
  step: number;
  stats: Record<ClassMetric, Stat>;
}

export interface ClassGroup {
  key: string;
  label: string;
  condition: string;
  /** The picked field's value, if grouped by one. */
  value?: string;
  files: string[];
  /** Which of the class's problem worlds and RL settings (0 = the most common) the group's runs used. */
  world: number;
  rl: number;
  /** Mean, spread and count at each step every run of the group evaluated. */
  curve: CurvePoint[];
  start: Record<ClassMetric, Stat>;
  end: Record<ClassMetric, Stat>;
  endStep: number;
  /** Why the group cannot be compared like for like with the others (empty if it can). */
  flags: string[];
}

export interface ClassSummary {
  groups: ClassGroup[];
  /** Files with no evaluation to draw (named, and left out). */
  skipped: string[];
  /** How the class's problem worlds and RL settings differ (empty when every run shares them). */
  flags: string[];
  /** The paper's findings, checked when each condition is one group; otherwise why not. */
  findings: Finding[] | string;
}

function evalsOf(record: RunRecord): { step: number; s: EvalSummary; greedy: boolean }[] {
  return record.events.flatMap((e) => {
    if (e.type !== 'eval') return [];
    const m: EvalMetrics = e.metrics;
    const s = m.sampled ?? m.greedy;
    return s ? [{ step: m.step, s, greedy: !m.sampled }] : [];
  });
}

const statsAt = (points: EvalSummary[]) =>
  Object.fromEntries(CLASS_METRICS.map((m) => [m, stat(points.map((p) => valueOf(p, m)))])) as Record<
    ClassMetric,
    Stat
  >;

/** Numbered variants, most common first: signature -> index. */
function variants(signatures: string[]): Map<string, number> {
  const count = new Map<string, number>();
  for (const s of signatures) count.set(s, (count.get(s) ?? 0) + 1);
  return new Map([...count].sort((a, b) => b[1] - a[1]).map(([s], i) => [s, i]));
}

/** Where two flattened configs differ, as "rl.lr 0.0003 vs 0.001". */
function differences(a: Record<string, string>, b: Record<string, string>, prefix: string[]): string {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) =>
    prefix.some((p) => k === p || k.startsWith(`${p}.`)),
  );
  return keys
    .filter((k) => a[k] !== b[k])
    .map((k) => `${k} ${a[k] ?? 'unset'} vs ${b[k] ?? 'unset'}`)
    .join(', ');
}

const WORLD_FIELDS = ['preset', 'ranges', 'eval.problems', 'eval.seed'];

/** Group the runs and summarize each group. */
export function summarizeClass(runs: readonly ClassRun[], groupBy: string | null = null): ClassSummary {
  const skipped: string[] = [];
  const usable = runs.filter((r) => {
    const ok = evalsOf(r.record).length > 0;
    if (!ok) skipped.push(r.file);
    return ok;
  });
  // Each run's signatures once: a 200-file class is summarized while the page waits.
  const sig = new Map(usable.map((r) => [r, { world: worldOf(r.record.config), rl: rlOf(r.record.config) }]));
  const worlds = variants(usable.map((r) => sig.get(r)!.world));
  const rls = variants(usable.map((r) => sig.get(r)!.rl));
  const first = (s: string, kind: 'world' | 'rl') =>
    flatConfig(usable.find((r) => sig.get(r)![kind] === s)!.record.config);
  const classFlags: string[] = [];
  const worldSigs = [...worlds.keys()];
  const rlSigs = [...rls.keys()];
  worldSigs
    .slice(1)
    .forEach((s, i) =>
      classFlags.push(
        `problem world ${i + 2} (${differences(first(worldSigs[0], 'world'), first(s, 'world'), WORLD_FIELDS)}) is not the class's main one: its groups are kept apart`,
      ),
    );
  rlSigs
    .slice(1)
    .forEach((s, i) =>
      classFlags.push(
        `RL settings ${i + 2} (${differences(first(rlSigs[0], 'rl'), first(s, 'rl'), ['rl'])}) differ from the class's main ones: their groups are kept apart`,
      ),
    );

  const byKey = new Map<string, ClassRun[]>();
  const meta = new Map<string, { condition: string; value?: string; world: number; rl: number }>();
  for (const r of usable) {
    const c = r.record.config;
    const condition = runCondition(c);
    const value = groupBy ? (flatConfig(c)[groupBy] ?? '-') : undefined;
    const world = worlds.get(sig.get(r)!.world)!;
    const rl = rls.get(sig.get(r)!.rl)!;
    const key = JSON.stringify([condition, value ?? null, world, rl]);
    if (!byKey.has(key)) {
      byKey.set(key, []);
      meta.set(key, { condition, value, world, rl });
    }
    byKey.get(key)!.push(r);
  }

  const order = (cond: string) => {
    const i = (CONDITIONS as readonly string[]).indexOf(cond);
    return i < 0 ? CONDITIONS.length : i;
  };
  const groups: ClassGroup[] = [...byKey].map(([key, members]) => {
    const { condition, value, world, rl } = meta.get(key)!;
    const evals = members.map((m) => evalsOf(m.record));
    const steps = [...new Set(evals.flatMap((e) => e.map((x) => x.step)))].sort((a, b) => a - b);
    const curve = steps.flatMap((step) => {
      const at = evals.flatMap((e) => e.filter((x) => x.step === step).map((x) => x.s));
      return at.length === members.length ? [{ step, stats: statsAt(at) }] : [];
    });
    const flags: string[] = [];
    if (world > 0) flags.push(`problem world ${world + 1}`);
    if (rl > 0) flags.push(`RL settings ${rl + 1}`);
    const lastSteps = evals.map((e) => e[e.length - 1].step);
    const endStep = Math.min(...lastSteps);
    const short = members.filter((_, i) => lastSteps[i] < Math.max(...lastSteps));
    if (short.length)
      flags.push(
        `${short.map((m) => m.file).join(', ')} stopped early: the end mean mixes steps ${endStep}-${Math.max(...lastSteps)}`,
      );
    const greedy = members.filter((_, i) => evals[i].some((x) => x.greedy));
    if (greedy.length) flags.push(`${greedy.map((m) => m.file).join(', ')}: greedy evaluation only`);
    const suffix = [
      value !== undefined ? `${groupBy}=${value}` : '',
      world > 0 ? `world ${world + 1}` : '',
      rl > 0 ? `RL ${rl + 1}` : '',
    ].filter(Boolean);
    return {
      key,
      label: suffix.length ? `${condition} (${suffix.join(', ')})` : condition,
      condition,
      value,
      files: members.map((m) => m.file),
      world,
      rl,
      curve,
      start: statsAt(evals.map((e) => e[0].s)),
      end: statsAt(evals.map((e) => e[e.length - 1].s)),
      endStep,
      flags,
    };
  });
  groups.sort((a, b) => order(a.condition) - order(b.condition) || a.label.localeCompare(b.label));
  // The findings on the class's main world and RL settings; flagged groups are left out of them.
  const main = groups.filter((g) => g.world === 0 && g.rl === 0);
  return { groups, skipped, flags: classFlags, findings: classFindings(main) };
}

/** checkFindings on the class: one group per condition (the caller passes one world's groups). */
function classFindings(groups: readonly ClassGroup[]): Finding[] | string {
  const conditions = groups.map((g) => g.condition);
  if (new Set(conditions).size !== conditions.length)
    return 'the findings compare conditions: group by condition alone';
  const asStat = (s: Stat) => ({ mean: s.mean, sd: s.sd, n: s.n });
  const part = (x: Record<ClassMetric, Stat>) => ({
    accuracy: asStat(x.accuracy),
    behaviors: Object.fromEntries(BEHAVIORS.map((b) => [b, asStat(x[b])])) as Record<
      Behavior,
      { mean: number; sd: number; n: number }
    >,
    chars: asStat(x.chars),
    tokens: asStat(stat([])),
  });
  const summaries: ConditionSummary[] = groups
    .filter((g) => (CONDITIONS as readonly string[]).includes(g.condition))
    .map((g) => ({
      condition: g.condition as Condition,
      seeds: [],
      start: part(g.start),
      end: part(g.end),
      endStep: g.endStep,
      problems: 0,
      curve: [],
    }));
  return checkFindings(summaries);
}

const GROUP_COLORS = [
  '#1f5fbf',
  '#e76f51',
  '#2a9d8f',
  '#8e5ad8',
  '#b8860b',
  '#c0392b',
  '#2c3e50',
  '#6a4c93',
  '#7f8c8d',
];
export const groupColor = (i: number) => GROUP_COLORS[i % GROUP_COLORS.length];

export type Band = 'minmax' | 'sd';

/** One chart per metric: each group's mean line and the band around it (lower, upper as series). */
export function classCharts(summary: ClassSummary, band: Band): (ChartSpec & { bands: Series[][] })[] {
  const title: Record<ClassMetric, string> = {
    accuracy: 'Held-out accuracy',
    chars: 'Response length (characters)',
    ...(Object.fromEntries(BEHAVIORS.map((b) => [b, `${BEHAVIOR_LABELS[b]} (count per response)`])) as Record<
      Behavior,
      string
    >),
  };
  return CLASS_METRICS.map((m) => {
    const line = (g: ClassGroup, i: number, y: (s: Stat) => number, suffix = '') => ({
      label: `${g.label}${suffix}`,
      color: groupColor(i),
      points: g.curve.map((c) => ({ x: c.step, y: y(c.stats[m]) })),
    });
    return {
      id: m === 'accuracy' ? 'accuracy' : m === 'chars' ? 'length' : 'behaviors',
      title: title[m],
      yLabel: m === 'accuracy' ? 'accuracy' : m === 'chars' ? 'characters' : 'count per response',
      yMin: 0,
      ...(m === 'accuracy' ? { yMax: 1 } : {}),
      series: summary.groups.map((g, i) => line(g, i, (s) => s.mean, ` (n=${g.files.length})`)),
      bands: summary.groups.map((g, i) => [
        line(g, i, (s) => (band === 'sd' ? s.mean - s.sd : s.min), ' low'),
        line(g, i, (s) => (band === 'sd' ? s.mean + s.sd : s.max), ' high'),
      ]),
    };
  });
}

const f = (x: number, digits: number) => (Number.isNaN(x) ? '' : x.toFixed(digits));

/** The table as CSV: one row per group, start and end means (and sd) beside the paper's numbers. */
export function classCsv(summary: ClassSummary): string {
  const head = [
    'group',
    'condition',
    'runs',
    'end_step',
    ...CLASS_METRICS.flatMap((m) => [`${m}_start_mean`, `${m}_start_sd`, `${m}_end_mean`, `${m}_end_sd`]),
    'paper_accuracy_0',
    'paper_accuracy_250',
    ...BEHAVIORS.flatMap((b) => [`paper_${b}_0`, `paper_${b}_250`]),
    'flags',
  ];
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = summary.groups.map((g) => {
    const p = PAPER_RESULTS[g.condition as Condition];
    return [
      g.label,
      g.condition,
      String(g.files.length),
      String(g.endStep),
      ...CLASS_METRICS.flatMap((m) => {
        const d = m === 'chars' ? 1 : 4;
        return [f(g.start[m].mean, d), f(g.start[m].sd, d), f(g.end[m].mean, d), f(g.end[m].sd, d)];
      }),
      p ? String(p.acc0) : '',
      p ? String(p.acc250) : '',
      ...BEHAVIORS.flatMap((_, i) => (p ? [String(p.behaviors0[i]), String(p.behaviors250[i])] : ['', ''])),
      g.flags.join('; '),
    ]
      .map(quote)
      .join(',');
  });
  return `${[head.join(','), ...rows].join('\n')}\n`;
}
