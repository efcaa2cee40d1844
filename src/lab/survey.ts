// The behavior survey: which models already show the four habits before any RL? (The paper's
// "tale of two models": Qwen does, Llama does not.) A survey samples K completions for M Countdown
// problems from each model, and scores each with the reward and the behavior classifier.
//
// Generation is injected (a transformers.js model in the browser or in Node), so the survey itself
// is plain TypeScript: the same prompts, the same scoring, the same result format everywhere.

import { z } from 'zod';
import { counts, num, spansSchema } from './events';
import { checkResultFileSize } from './records';
import { describeIssues, importedArray, parseUntilFirstIssue } from './validate';
import { distinctNames } from './charts';
import { classify, summarizeBehaviors, type BehaviorSummary } from '../behaviors';
import { BEHAVIORS, type BehaviorCounts, type BehaviorSpan } from '../behaviors/types';
import {
  formatPrompt,
  generateProblems,
  problemSpec,
  scoreResponse,
  type PresetName,
  type Problem,
  type PromptFormat,
  type RewardMode,
} from '../countdown';

/** Anything that can complete a prompt K times (sampled at temperature 1). */
export interface Completer {
  /** How the model wants its prompt (a chat template for instruct models). */
  prompt(problem: Problem): string;
  complete(prompt: string, k: number, onToken?: (text: string) => void): Promise<string[]>;
}

export interface SurveyOptions {
  problems: number; // M
  samples: number; // K per problem
  preset: PresetName;
  seed: number;
  rewardMode: RewardMode;
}

export const DEFAULT_SURVEY: SurveyOptions = {
  problems: 20,
  samples: 2,
  preset: 'paper',
  seed: 0,
  rewardMode: 'tinyzero',
};

export interface SurveyCompletion {
  numbers: number[];
  target: number;
  prompt: string;
  completion: string;
  score: number;
  reason: string;
  correct: boolean;
  behaviors: BehaviorCounts;
  spans: BehaviorSpan[];
}

export interface SurveyResult {
  format: 'habits-lab-survey';
  version: 1;
  model: string;
  createdAt: string;
  options: SurveyOptions;
  accuracy: number;
  formatRate: number;
  meanChars: number;
  behaviors: BehaviorSummary;
  completions: SurveyCompletion[];
}

/** The prompt a model gets: TinyZero's base prompt, or the lab's compact one for the lab's models. */
export function basePrompt(format: PromptFormat): (p: Problem) => string {
  return (p) => formatPrompt(p, format);
}

/** Score one completion exactly as the survey does (the reward on the response, the classifier). */
export function scoreCompletion(
  problem: Problem,
  prompt: string,
  completion: string,
  rewardMode: RewardMode,
): SurveyCompletion {
  const reward = scoreResponse(completion, problem, { mode: rewardMode });
  const c = classify(completion, problem);
  return {
    numbers: [...problem.numbers],
    target: problem.target,
    prompt,
    completion,
    score: reward.score,
    reason: reward.reason,
    correct: reward.reason === 'correct',
    behaviors: c.counts,
    spans: c.spans,
  };
}

export function summarizeSurvey(
  model: string,
  options: SurveyOptions,
  completions: SurveyCompletion[],
  createdAt = new Date().toISOString(),
): SurveyResult {
  const n = Math.max(1, completions.length);
  return {
    format: 'habits-lab-survey',
    version: 1,
    model,
    createdAt,
    options,
    accuracy: completions.filter((c) => c.correct).length / n,
    formatRate: completions.filter((c) => c.reason !== 'no_answer').length / n,
    meanChars: completions.reduce((a, c) => a + c.completion.length, 0) / n,
    behaviors: summarizeBehaviors(completions.map((c) => c.behaviors)),
    completions,
  };
}

/** Run a survey of one model. `onProgress` sees each problem's completions as they finish. */
export async function runSurvey(
  model: string,
  completer: Completer,
  options: SurveyOptions,
  hooks: {
    onToken?: (text: string) => void;
    onProgress?: (done: number, total: number, latest: SurveyCompletion[]) => void;
    shouldStop?: () => boolean;
  } = {},
): Promise<SurveyResult> {
  const problems = generateProblems(problemSpec(options.preset), {
    n: options.problems,
    seed: options.seed,
    split: 'test',
    allowFewer: true,
  });
  const completions: SurveyCompletion[] = [];
  for (let i = 0; i < problems.length; i++) {
    if (hooks.shouldStop?.()) break;
    const p = problems[i];
    const prompt = completer.prompt(p);
    const texts = await completer.complete(prompt, options.samples, hooks.onToken);
    const scored = texts.map((t) => scoreCompletion(p, prompt, t, options.rewardMode));
    completions.push(...scored);
    hooks.onProgress?.(i + 1, problems.length, scored);
  }
  return summarizeSurvey(model, options, completions);
}

export const SurveySchema = z
  .object({
    format: z.literal('habits-lab-survey'),
    version: z.literal(1),
    model: z.string().min(1).max(300),
    createdAt: z.string().max(40),
    options: z.object({
      problems: z.number().int().min(0).max(100_000),
      samples: z.number().int().min(1).max(1000),
      preset: z.enum(['paper', 'tinyzero', 'easy']),
      seed: z.number().int().min(0),
      rewardMode: z.enum(['tinyzero', 'strict']),
    }),
    accuracy: num,
    formatRate: num,
    meanChars: num,
    behaviors: z.object({ n: z.number().int().min(0), mean: counts, present: counts }),
    completions: importedArray(
      z.object({
        numbers: importedArray(z.number().int(), 16),
        target: z.number().int(),
        prompt: z.string().max(20_000),
        completion: z.string().max(100_000),
        score: num,
        reason: z.string().max(40),
        correct: z.boolean(),
        behaviors: counts,
        spans: spansSchema(2000),
      }),
      100_000,
    ),
  })
  .strict();

/** Parse a survey result file; throws an Error naming the problem. */
export function parseSurvey(text: string, fileName = 'file'): SurveyResult {
  checkResultFileSize(fileName, text.length);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${fileName} is not JSON (${(err as Error).message})`, { cause: err });
  }
  const r = parseUntilFirstIssue(SurveySchema, json);
  if (!r.success) throw new Error(`${fileName} is not a valid survey result: ${describeIssues(r.issues)}`);
  return r.data as SurveyResult;
}

/** One bar group per metric, one bar per surveyed model: the paper's "tale of two models" figure. */
export interface SurveyBars {
  title: string;
  yLabel: string;
  categories: string[];
  models: { name: string; values: number[] }[];
}

const MODEL_COLORS = ['#3366cc', '#dc7a1f', '#2a9d8f', '#8e5ad8', '#c0392b', '#7f8c8d', '#16a085', '#b8860b'];

export function surveyColor(i: number): string {
  return MODEL_COLORS[i % MODEL_COLORS.length];
}

/** The survey figure's data: behaviors per response, accuracy and format (%), and response length. */
export function surveyBars(results: readonly SurveyResult[]): SurveyBars[] {
  // The same model surveyed twice gets two bars with two names.
  const names = distinctNames(results.map((r) => r.model));
  return [
    {
      title: 'Habits per response',
      yLabel: 'average count per response',
      categories: ['verification', 'backtracking', 'subgoal setting', 'backward chaining'],
      models: results.map((r, i) => ({ name: names[i], values: BEHAVIORS.map((b) => r.behaviors.mean[b]) })),
    },
    {
      title: 'Accuracy and format',
      yLabel: '% of responses',
      categories: ['accuracy', 'answer in format'],
      models: results.map((r, i) => ({ name: names[i], values: [100 * r.accuracy, 100 * r.formatRate] })),
    },
    {
      title: 'Response length',
      yLabel: 'characters',
      categories: ['mean length'],
      models: results.map((r, i) => ({ name: names[i], values: [r.meanChars] })),
    },
  ];
}
