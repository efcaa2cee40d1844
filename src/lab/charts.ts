// The lab's charts as data: which series each chart shows, read from a run's events. The Svelte
// page draws them with Chart.js on the screen, the CLI with Chart.js on a Node canvas.

import { BEHAVIOR_LABELS, BEHAVIORS, type Behavior } from '../behaviors/types';
import type { LabEvent } from './events';

export interface Point {
  x: number;
  y: number;
}

export interface Series {
  label: string;
  color: string;
  points: Point[];
  dashed?: boolean;
}

export interface ChartSpec {
  id: ChartId;
  title: string;
  yLabel: string;
  series: Series[];
  yMin?: number;
  yMax?: number;
}

export type ChartId = 'accuracy' | 'reward' | 'length' | 'behaviors' | 'optimization';

export const BEHAVIOR_COLORS: Record<Behavior, string> = {
  verification: '#2a9d8f',
  backtracking: '#e76f51',
  subgoal_setting: '#8e5ad8',
  backward_chaining: '#e9a100',
};

export const CHART_TITLES: Record<ChartId, string> = {
  accuracy: 'Accuracy',
  reward: 'Reward and format',
  length: 'Response length',
  behaviors: 'Behaviors (average count per response)',
  optimization: 'KL, entropy, clip fraction',
};

function steps(events: readonly LabEvent[]) {
  return events
    .filter((e): e is Extract<LabEvent, { type: 'step' }> => e.type === 'step')
    .map((e) => e.metrics);
}

function evals(events: readonly LabEvent[]) {
  return events
    .filter((e): e is Extract<LabEvent, { type: 'eval' }> => e.type === 'eval')
    .map((e) => e.metrics);
}

/** All charts of one run. `prefix` labels the series when several runs are overlaid. */
export function chartSpecs(events: readonly LabEvent[], prefix = ''): ChartSpec[] {
  const s = steps(events);
  const ev = evals(events);
  const p = (label: string) => (prefix ? `${prefix}: ${label}` : label);
  const line = (label: string, color: string, pts: Point[], dashed = false): Series => ({
    label: p(label),
    color,
    points: pts,
    dashed,
  });
  return [
    {
      id: 'accuracy',
      title: CHART_TITLES.accuracy,
      yLabel: 'share correct',
      yMin: 0,
      yMax: 1,
      series: [
        line(
          'train (T=1)',
          '#1d3557',
          s.map((m) => ({ x: m.step, y: m.accuracy })),
        ),
        line(
          'eval (T=1)',
          '#e63946',
          ev.filter((m) => m.sampled).map((m) => ({ x: m.step, y: m.sampled!.accuracy })),
        ),
        line(
          'eval (greedy)',
          '#f4a261',
          ev.filter((m) => m.greedy).map((m) => ({ x: m.step, y: m.greedy!.accuracy })),
          true,
        ),
      ],
    },
    {
      id: 'reward',
      title: CHART_TITLES.reward,
      yLabel: 'mean / share',
      yMin: 0,
      yMax: 1,
      series: [
        line(
          'mean reward',
          '#1d3557',
          s.map((m) => ({ x: m.step, y: m.meanReward })),
        ),
        line(
          'format rate',
          '#457b9d',
          s.map((m) => ({ x: m.step, y: m.formatRate })),
          true,
        ),
        line(
          'cut by budget',
          '#999999',
          s.map((m) => ({ x: m.step, y: m.truncatedRate })),
          true,
        ),
      ],
    },
    {
      id: 'length',
      title: CHART_TITLES.length,
      yLabel: 'tokens',
      yMin: 0,
      series: [
        line(
          'response tokens',
          '#1d3557',
          s.map((m) => ({ x: m.step, y: m.responseTokens })),
        ),
      ],
    },
    {
      id: 'behaviors',
      title: CHART_TITLES.behaviors,
      yLabel: 'count per response',
      yMin: 0,
      series: BEHAVIORS.map((b) =>
        line(
          BEHAVIOR_LABELS[b],
          BEHAVIOR_COLORS[b],
          s.map((m) => ({ x: m.step, y: m.behaviors[b] })),
        ),
      ),
    },
    {
      id: 'optimization',
      title: CHART_TITLES.optimization,
      yLabel: 'value',
      series: [
        line(
          'KL to reference',
          '#6d597a',
          s.map((m) => ({ x: m.step, y: m.klToReference })),
        ),
        line(
          'entropy / 10',
          '#2a9d8f',
          s.map((m) => ({ x: m.step, y: m.entropy / 10 })),
        ),
        line(
          'clip fraction',
          '#e76f51',
          s.map((m) => ({ x: m.step, y: m.clipFraction })),
        ),
      ],
    },
  ];
}

/**
 * The rows of a run's metrics as CSV: one row per step (eval columns filled on eval steps). Only what
 * the seed determines: wall-clock figures go elsewhere (see splitTiming).
 */
export function metricsCsv(events: readonly LabEvent[]): string {
  const s = steps(events);
  const ev = new Map(evals(events).map((m) => [m.step, m]));
  const cols = [
    'step',
    'accuracy',
    'mean_reward',
    'format_rate',
    'truncated_rate',
    'response_tokens',
    'response_chars',
    ...BEHAVIORS.map((b) => `${b}_mean`),
    ...BEHAVIORS.map((b) => `${b}_present`),
    'policy_loss',
    'value_loss',
    'entropy',
    'kl_to_reference',
    'approx_kl',
    'clip_fraction',
    'grad_norm',
    'lr',
    'eval_accuracy_sampled',
    'eval_accuracy_greedy',
    'eval_format_rate',
    'eval_response_tokens',
    ...BEHAVIORS.map((b) => `eval_${b}_mean`),
  ];
  const rows = new Map<number, (string | number)[]>();
  const evalCols = (step: number) => {
    const e = ev.get(step);
    return [
      e?.sampled?.accuracy ?? '',
      e?.greedy?.accuracy ?? '',
      e?.sampled?.formatRate ?? '',
      e?.sampled?.responseTokens ?? '',
      ...BEHAVIORS.map((b) => e?.sampled?.behaviors[b] ?? ''),
    ];
  };
  for (const m of s) {
    rows.set(m.step, [
      m.step,
      m.accuracy,
      m.meanReward,
      m.formatRate,
      m.truncatedRate,
      m.responseTokens,
      m.responseChars,
      ...BEHAVIORS.map((b) => m.behaviors[b]),
      ...BEHAVIORS.map((b) => m.behaviorsPresent[b]),
      m.policyLoss,
      m.valueLoss,
      m.entropy,
      m.klToReference,
      m.approxKl,
      m.clipFraction,
      m.gradNorm,
      m.lr,
      ...evalCols(m.step),
    ]);
  }
  for (const step of ev.keys()) {
    const e = evalCols(step);
    if (!rows.has(step))
      rows.set(step, [step, ...new Array<string>(cols.length - 1 - e.length).fill(''), ...e]);
  }
  const body = [...rows.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, r]) => r.map((x) => (typeof x === 'number' ? Number(x.toPrecision(6)) : x)).join(','));
  return [cols.join(','), ...body].join('\n') + '\n';
}

const RUN_COLORS = ['#1d3557', '#e63946', '#2a9d8f', '#f4a261', '#8e5ad8', '#6d597a', '#457b9d', '#b5838d'];

/** Names told apart: a name that came before gets " (2)", " (3)", ... (two runs may share a name). */
export function distinctNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  const taken = new Set(names);
  return names.map((name) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    if (n === 1) return name;
    let k = n;
    while (taken.has(`${name} (${k})`)) k++;
    taken.add(`${name} (${k})`);
    return `${name} (${k})`;
  });
}

/**
 * Several runs on the same charts (the paper's comparison): one line per run for accuracy (held-out
 * at T=1 where evaluated, else training), reward, length and KL; the behaviors chart keeps its
 * colors per behavior and tells runs apart by line style.
 */
export function overlaySpecs(runs: readonly { name: string; events: readonly LabEvent[] }[]): ChartSpec[] {
  const base = chartSpecs([]);
  const names = distinctNames(runs.map((r) => r.name));
  const perRun = runs.map((r, i) => ({
    name: names[i],
    color: RUN_COLORS[i % RUN_COLORS.length],
    dashed: i % 2 === 1,
    s: steps(r.events),
    ev: evals(r.events),
  }));
  const series = (id: ChartId): Series[] => {
    switch (id) {
      case 'accuracy':
        return perRun.map((r) => {
          const evalPts = r.ev.filter((m) => m.sampled).map((m) => ({ x: m.step, y: m.sampled!.accuracy }));
          return {
            label: `${r.name}${evalPts.length ? ' (eval)' : ' (train)'}`,
            color: r.color,
            points: evalPts.length ? evalPts : r.s.map((m) => ({ x: m.step, y: m.accuracy })),
          };
        });
      case 'reward':
        return perRun.map((r) => ({
          label: r.name,
          color: r.color,
          points: r.s.map((m) => ({ x: m.step, y: m.meanReward })),
        }));
      case 'length':
        return perRun.map((r) => ({
          label: r.name,
          color: r.color,
          points: r.s.map((m) => ({ x: m.step, y: m.responseTokens })),
        }));
      case 'behaviors':
        return perRun.flatMap((r) =>
          BEHAVIORS.map((b) => ({
            label: `${r.name}: ${BEHAVIOR_LABELS[b]}`,
            color: BEHAVIOR_COLORS[b],
            dashed: r.dashed,
            points: r.s.map((m) => ({ x: m.step, y: m.behaviors[b] })),
          })),
        );
      case 'optimization':
        return perRun.map((r) => ({
          label: `${r.name}: KL`,
          color: r.color,
          points: r.s.map((m) => ({ x: m.step, y: m.klToReference })),
        }));
    }
  };
  return base.map((spec) => ({ ...spec, series: series(spec.id) }));
}
