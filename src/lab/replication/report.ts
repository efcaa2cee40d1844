// A replication's report: the results table in Markdown beside the paper's numbers, and the figure.

import { BEHAVIOR_LABELS, BEHAVIORS, type Behavior, type Condition } from '../../behaviors/types';
import type { ChartSpec } from '../charts';
import { EMPTY_CONDITIONS, PAPER_RESULTS } from './paper';
import type { ReplicationPlan } from './plan';
import { pts, type ConditionSummary, type EvalPoint, type Finding, type Stat } from './summary';

const fmtPct = (s: Stat) =>
  Number.isNaN(s.mean) ? '–' : s.n > 1 ? `${pts(s.mean)} ± ${pts(s.sd)}` : pts(s.mean);
const behaviorsText = (b: Record<Behavior, Stat>) => BEHAVIORS.map((k) => b[k].mean.toFixed(2)).join('/');

/** The results table (Markdown) with the paper's numbers beside ours, and the findings. */
export function resultsMarkdown(
  plan: ReplicationPlan,
  summaries: readonly ConditionSummary[],
  findings: readonly Finding[],
): string {
  const lines = [
    `Accuracy on ${summaries[0]?.problems ?? plan.eval.problems} held-out problems (${plan.eval.samples === 1 ? 'one sample' : `${plan.eval.samples} samples`} each at temperature 1, test seed ${plan.eval.seed}), mean ± sd over seeds ${plan.seeds.join(', ')}; behaviors are average counts per response (verification/backtracking/subgoal setting/backward chaining). Paper: Llama-3.2-3B after priming, steps 0 and 250.`,
    '',
    '| condition | accuracy % at 0 | accuracy % at end | behaviors at 0 | behaviors at end | length (chars) 0 → end | paper accuracy 0 → 250 | paper behaviors 0 → 250 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...summaries.map((s) => {
      const p = PAPER_RESULTS[s.condition];
      return `| ${s.condition} | ${fmtPct(s.start.accuracy)} | ${fmtPct(s.end.accuracy)} | ${behaviorsText(s.start.behaviors)} | ${behaviorsText(s.end.behaviors)} | ${s.start.chars.mean.toFixed(0)} → ${s.end.chars.mean.toFixed(0)} | ${p ? `${pts(p.acc0)} → ${pts(p.acc250)}` : '–'} | ${p ? `${p.behaviors0.join('/')} → ${p.behaviors250.join('/')}` : '–'} |`;
    }),
    '',
    '| finding | holds | measured |',
    '| --- | --- | --- |',
    ...findings.map(
      (f) =>
        `| ${f.id}: ${f.claim} | ${f.holds === null ? 'not tested' : f.holds ? 'yes' : 'no'} | ${f.detail} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

const CONDITION_COLORS: Record<Condition, string> = {
  all_strategies: '#1f5fbf',
  backtracking_verification: '#2a9d8f',
  only_backtracking: '#6a4c93',
  backtracking_subgoal: '#8e5ad8',
  backtracking_backward: '#b8860b',
  incorrect: '#e76f51',
  empty_cot: '#7f8c8d',
  dots: '#2c3e50',
  negative_control: '#c0392b',
};

/** The figure: accuracy per condition (mean over seeds), response length, and each behavior. */
export function replicationCharts(summaries: readonly ConditionSummary[]): ChartSpec[] {
  const line = (s: ConditionSummary, y: (p: EvalPoint) => number) => ({
    label: s.condition,
    color: CONDITION_COLORS[s.condition],
    dashed: EMPTY_CONDITIONS.includes(s.condition) || s.condition === 'negative_control',
    points: s.curve.map((c) => ({ x: c.step, y: y(c.point) })),
  });
  return [
    {
      id: 'accuracy',
      title: 'Held-out accuracy (mean over seeds)',
      yLabel: 'accuracy',
      yMin: 0,
      yMax: 1,
      series: summaries.map((s) => line(s, (p) => p.accuracy)),
    },
    {
      id: 'length',
      title: 'Response length',
      yLabel: 'characters',
      yMin: 0,
      series: summaries.map((s) => line(s, (p) => p.chars)),
    },
    ...BEHAVIORS.map((b) => ({
      id: 'behaviors' as const,
      title: `${BEHAVIOR_LABELS[b]} (average count per response)`,
      yLabel: 'count per response',
      yMin: 0,
      series: summaries
        .filter((s) => s.curve.some((c) => c.point.behaviors[b] > 0))
        .map((s) => line(s, (p) => p.behaviors[b])),
    })),
  ];
}
