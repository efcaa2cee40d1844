// A replication's results: each condition's eval curve summarized over seeds (mean and spread), and
// the paper's four findings checked on those summaries.

import { BEHAVIOR_LABELS, BEHAVIORS, type Behavior, type Condition } from '../../behaviors/types';
import type { EvalMetrics, LabEvent } from '../events';
import { BEHAVIOR_CONDITIONS, DIRECT_CONDITIONS, EMPTY_CONDITIONS, FILLER_CONDITIONS } from './paper';

/** The eval curve of one finished RL run. */
export interface RunResult {
  condition: Condition;
  seed: number;
  events: readonly LabEvent[];
}

export interface Stat {
  mean: number;
  sd: number;
  n: number;
}

function stat(values: number[]): Stat {
  const n = values.length;
  if (n === 0) return { mean: NaN, sd: NaN, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}

export interface EvalPoint {
  accuracy: number;
  behaviors: Record<Behavior, number>;
  chars: number;
  /** The median response's length (evaluations recorded before it existed have none). */
  medianChars?: number;
  tokens: number;
}

export interface PointStats {
  accuracy: Stat;
  behaviors: Record<Behavior, Stat>;
  chars: Stat;
  /** Over the seeds' median lengths, when every evaluation recorded one. */
  medianChars?: Stat;
  tokens: Stat;
}

export interface ConditionSummary {
  condition: Condition;
  seeds: number[];
  start: PointStats;
  end: PointStats;
  /** Steps of the last evaluation (the same for every seed of a finished plan). */
  endStep: number;
  /** Test problems each evaluation scored (fewer than asked when the preset has fewer). */
  problems: number;
  /** Mean over seeds at every evaluated step. */
  curve: { step: number; point: EvalPoint }[];
}

function evalsOf(events: readonly LabEvent[]): EvalMetrics[] {
  return events.flatMap((e) => (e.type === 'eval' && e.metrics.sampled ? [e.metrics] : []));
}

function pointOf(m: EvalMetrics): EvalPoint {
  const s = m.sampled!;
  return {
    accuracy: s.accuracy,
    behaviors: { ...s.behaviors },
    chars: s.responseChars,
    ...(s.responseCharsMedian !== undefined ? { medianChars: s.responseCharsMedian } : {}),
    tokens: s.responseTokens,
  };
}

function statsOf(points: EvalPoint[]): PointStats {
  const medians = points.flatMap((p) => (p.medianChars === undefined ? [] : [p.medianChars]));
  return {
    accuracy: stat(points.map((p) => p.accuracy)),
    behaviors: Object.fromEntries(
      BEHAVIORS.map((b) => [b, stat(points.map((p) => p.behaviors[b]))]),
    ) as Record<Behavior, Stat>,
    chars: stat(points.map((p) => p.chars)),
    ...(medians.length === points.length ? { medianChars: stat(medians) } : {}),
    tokens: stat(points.map((p) => p.tokens)),
  };
}

function meanPoint(points: EvalPoint[]): EvalPoint {
  const s = statsOf(points);
  return {
    accuracy: s.accuracy.mean,
    behaviors: Object.fromEntries(BEHAVIORS.map((b) => [b, s.behaviors[b].mean])) as Record<Behavior, number>,
    chars: s.chars.mean,
    ...(s.medianChars ? { medianChars: s.medianChars.mean } : {}),
    tokens: s.tokens.mean,
  };
}

/** Mean and spread over seeds, per condition, at the first and the last evaluation. */
export function summarizeReplication(
  runs: readonly RunResult[],
  conditions: readonly Condition[],
): ConditionSummary[] {
  return conditions.flatMap((condition) => {
    const mine = runs
      .filter((r) => r.condition === condition)
      .map((r) => ({ seed: r.seed, evals: evalsOf(r.events) }));
    const usable = mine.filter((r) => r.evals.length > 0);
    if (usable.length === 0) return [];
    const steps = [...new Set(usable.flatMap((r) => r.evals.map((e) => e.step)))].sort((a, b) => a - b);
    const curve = steps.flatMap((step) => {
      const at = usable.flatMap((r) => r.evals.filter((e) => e.step === step).map(pointOf));
      return at.length === usable.length ? [{ step, point: meanPoint(at) }] : [];
    });
    return [
      {
        condition,
        seeds: usable.map((r) => r.seed),
        start: statsOf(usable.map((r) => pointOf(r.evals[0]))),
        end: statsOf(usable.map((r) => pointOf(r.evals[r.evals.length - 1]))),
        endStep: Math.min(...usable.map((r) => r.evals[r.evals.length - 1].step)),
        problems: usable[0].evals[0].problems,
        curve,
      },
    ];
  });
}

export interface Finding {
  id: 'F1' | 'F2' | 'F3' | 'F4';
  claim: string;
  holds: boolean | null; // null: the plan lacks the conditions to test it
  detail: string;
}

/** Behaviors per response a model without behaviors may show (the classifier finds 0.03-0.14 in negative_control's steps). */
const MAX_BARE_BEHAVIORS = 0.25;

export const pts = (x: number) => `${(100 * x).toFixed(1)}`;

/** The paper's four findings (paper-facts.md §7), checked on a replication's summaries. */
export function checkFindings(summaries: readonly ConditionSummary[]): Finding[] {
  const by = new Map(summaries.map((s) => [s.condition, s]));
  const out: Finding[] = [];

  const primed = BEHAVIOR_CONDITIONS.filter((c) => by.has(c));
  const empty = EMPTY_CONDITIONS.filter((c) => by.has(c));
  if (primed.length && empty.length) {
    const bestEmpty = Math.max(...empty.map((c) => by.get(c)!.end.accuracy.mean));
    const gaps = primed.map((c) => ({ c, gap: by.get(c)!.end.accuracy.mean - bestEmpty }));
    const minGap = Math.min(...gaps.map((g) => g.gap));
    out.push({
      id: 'F1',
      claim: 'behavior-primed models end at least 15 accuracy points above empty_cot and dots after equal RL',
      holds: minGap >= 0.15,
      detail: `${gaps.map((g) => `${g.c} ${g.gap >= 0 ? '+' : ''}${pts(g.gap)}`).join(', ')} points over the best of ${empty.join('/')} (${pts(bestEmpty)}%)`,
    });
  } else
    out.push({
      id: 'F1',
      claim: 'behavior priming beats empty priming',
      holds: null,
      detail: 'needs a behavior condition and empty_cot or dots',
    });

  const all = by.get('all_strategies');
  const wrong = by.get('incorrect');
  if (all && wrong) {
    const diff = wrong.end.accuracy.mean - all.end.accuracy.mean;
    out.push({
      id: 'F2',
      claim: 'incorrect (behaviors, wrong answers) ends within 5 points of all_strategies',
      holds: Math.abs(diff) <= 0.05,
      detail: `incorrect ${pts(wrong.end.accuracy.mean)}% vs all_strategies ${pts(all.end.accuracy.mean)}% (${diff >= 0 ? '+' : ''}${pts(diff)} points)`,
    });
  } else
    out.push({
      id: 'F2',
      claim: 'incorrect priming is as good as correct priming',
      holds: null,
      detail: 'needs all_strategies and incorrect',
    });

  // F3 on the conditions whose traces carry all four behaviors.
  const rich = (['all_strategies', 'incorrect'] as Condition[]).filter((c) => by.has(c));
  if (rich.length) {
    const change = (b: Behavior) =>
      rich.map((c) => by.get(c)!.end.behaviors[b].mean - by.get(c)!.start.behaviors[b].mean);
    const fell = (b: Behavior) => change(b).every((d) => d < 0);
    const kept = (b: Behavior) =>
      rich.every((c) => by.get(c)!.end.behaviors[b].mean >= 0.9 * by.get(c)!.start.behaviors[b].mean);
    const holds =
      fell('subgoal_setting') && fell('backward_chaining') && kept('backtracking') && kept('verification');
    out.push({
      id: 'F3',
      claim:
        'during RL subgoal setting and backward chaining fall while backtracking and verification do not',
      holds,
      detail: rich
        .map(
          (c) =>
            `${c}: ${BEHAVIORS.map((b) => `${BEHAVIOR_LABELS[b].toLowerCase()} ${by.get(c)!.start.behaviors[b].mean.toFixed(2)}→${by.get(c)!.end.behaviors[b].mean.toFixed(2)}`).join(', ')}`,
        )
        .join('; '),
    });
  } else
    out.push({
      id: 'F3',
      claim: 'RL prunes subgoals and backward chaining',
      holds: null,
      detail: 'needs all_strategies or incorrect',
    });

  // F4 (paper-facts §7): a model without behaviors collapses to short direct answers. Those primed on
  // direct answers must stay short and those padded with filler must shrink, by 5% or more: a
  // fraction of a character either way is sampling noise. Lengths are the typical (median) response's
  // where recorded: three of 400 answers run to the token budget move a 39-character mean by 7.
  const direct = DIRECT_CONDITIONS.filter((c) => by.has(c));
  const filler = FILLER_CONDITIONS.filter((c) => by.has(c));
  if (filler.length) {
    const lengths = [...filler, ...direct].map((c) => {
      const s = by.get(c)!;
      const [m0, m1] = [s.start.medianChars, s.end.medianChars];
      const medians = m0 !== undefined && m1 !== undefined;
      const [from, to] = medians ? [m0.mean, m1.mean] : [s.start.chars.mean, s.end.chars.mean];
      const behaviors = BEHAVIORS.reduce((sum, b) => sum + s.end.behaviors[b].mean, 0);
      const ok = filler.includes(c) ? to <= 0.95 * from : to <= 1.05 * from;
      const mean = medians ? `; mean ${s.start.chars.mean.toFixed(0)}→${s.end.chars.mean.toFixed(0)}` : '';
      return { c, from, to, mean, behaviors, ok: ok && behaviors < MAX_BARE_BEHAVIORS };
    });
    out.push({
      id: 'F4',
      claim:
        'models without behaviors end as short direct answers: padded ones shorten during RL, those primed on direct answers do not grow',
      holds: lengths.every((l) => l.ok),
      detail: lengths
        .map(
          (l) =>
            `${l.c} ${l.from.toFixed(0)}→${l.to.toFixed(0)} chars${l.mean ? ` (median${l.mean})` : ''}, ${l.behaviors.toFixed(2)} behaviors`,
        )
        .join('; '),
    });
  } else
    out.push({
      id: 'F4',
      claim: 'behavior-less models collapse to short direct answers',
      holds: null,
      detail: 'needs dots, the behavior-less model with length to lose',
    });
  return out;
}
