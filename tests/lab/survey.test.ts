// The behavior survey on a real transformers.js model (an exported lab model: nothing can be
// downloaded here): its scores are exactly the reward and classifier applied to the same texts, it is
// reproducible from its seed, and it makes no network request unless the Hub is asked for.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BEHAVIORS, classify } from '../../src/behaviors';
import { generateProblems, problemSpec, scoreResponse } from '../../src/countdown';
import {
  parseSurvey,
  runSurvey,
  summarizeSurvey,
  surveyBars,
  distinctNames,
  overlaySpecs,
  type SurveyOptions,
  type SurveyResult,
} from '../../src/lab';
import { transformersJsFolder } from '../../src/model';
import { HfCompleter, loadHfModel, type HfModel } from '../../src/model/hf-completer';
import { writeFolder } from '../../src/model/node-files';
import { peakyCheckpoint, useBackend } from '../model/helpers';

const OPTIONS: SurveyOptions = { problems: 6, samples: 3, preset: 'easy', seed: 5, rewardMode: 'tinyzero' };

describe('behavior survey (transformers.js on onnxruntime-node)', () => {
  const root = mkdtempSync(join(tmpdir(), 'hl-survey-'));
  const fetchSpy = vi.spyOn(globalThis, 'fetch');
  let hf: HfModel;
  let result: SurveyResult;
  const streamed: string[] = [];

  beforeAll(async () => {
    await useBackend('wasm');
    const files = await peakyCheckpoint(4);
    writeFolder(join(root, 'lab-nano'), new Map([...files, ...transformersJsFolder(files)]));
    hf = await loadHfModel({ source: { kind: 'local', root, name: 'lab-nano' } });
    result = await runSurvey(
      'lab-nano',
      new HfCompleter(hf, { maxNewTokens: 60, seed: OPTIONS.seed }),
      OPTIONS,
      {
        onToken: (t) => streamed.push(t),
      },
    );
  });
  afterAll(async () => hf?.dispose());

  it('scores each completion exactly as the reward and the classifier score that text', () => {
    const problems = generateProblems(problemSpec('easy'), {
      n: OPTIONS.problems,
      seed: OPTIONS.seed,
      split: 'test',
    });
    expect(result.completions).toHaveLength(OPTIONS.problems * OPTIONS.samples);
    result.completions.forEach((c, i) => {
      const p = problems[Math.floor(i / OPTIONS.samples)];
      expect(c.numbers).toEqual(p.numbers);
      expect(c.prompt).toBe(`Numbers: ${p.numbers.join(', ')}. Target: ${p.target}.\n<think>`);
      const reward = scoreResponse(c.completion, p, { mode: 'tinyzero' });
      expect([c.score, c.reason]).toEqual([reward.score, reward.reason]);
      expect(c.behaviors).toEqual(classify(c.completion, p).counts);
    });
    // The summary is the plain average of those scores.
    const n = result.completions.length;
    expect(result.accuracy).toBe(result.completions.filter((c) => c.reason === 'correct').length / n);
    for (const b of BEHAVIORS)
      expect(result.behaviors.mean[b]).toBeCloseTo(
        result.completions.reduce((a, c) => a + c.behaviors[b], 0) / n,
        12,
      );
    expect(result.meanChars).toBeCloseTo(
      result.completions.reduce((a, c) => a + c.completion.length, 0) / n,
      9,
    );
  });

  it('samples K different completions and streams the first as it is written', () => {
    const texts = new Set(result.completions.map((c) => c.completion));
    expect(texts.size).toBeGreaterThan(OPTIONS.problems); // temperature 1: the K samples differ
    // Streamed pieces of each problem's first sample concatenate to that sample.
    expect(streamed.join('')).toBe(
      result.completions
        .filter((_, i) => i % OPTIONS.samples === 0)
        .map((c) => c.completion)
        .join(''),
    );
  });

  it('is reproducible from its seed, and another seed samples differently', async () => {
    const again = await runSurvey(
      'lab-nano',
      new HfCompleter(hf, { maxNewTokens: 60, seed: OPTIONS.seed }),
      OPTIONS,
    );
    expect(again.completions.map((c) => c.completion)).toEqual(result.completions.map((c) => c.completion));
    const other = await runSurvey('lab-nano', new HfCompleter(hf, { maxNewTokens: 60, seed: 6 }), OPTIONS);
    expect(other.completions.map((c) => c.completion)).not.toEqual(
      result.completions.map((c) => c.completion),
    );
  });

  it('makes no network request, and a missing local model does not fall back to the Hub', async () => {
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(env.allowRemoteModels).toBe(false);
    await expect(loadHfModel({ source: { kind: 'local', root, name: 'Qwen/Qwen2.5-0.5B' } })).rejects.toThrow(
      /could not load the model "Qwen\/Qwen2.5-0.5B"/,
    );
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('round-trips through its file format and rejects broken files clearly', () => {
    const text = JSON.stringify(result);
    expect(parseSurvey(text)).toEqual(result);
    expect(() => parseSurvey('{"format":"habits-lab-survey"', 'a.json')).toThrow(/a\.json is not JSON/);
    expect(() => parseSurvey(JSON.stringify({ ...result, accuracy: 'high' }), 'b.json')).toThrow(
      /b\.json is not a valid survey result: accuracy/,
    );
    expect(() => parseSurvey(JSON.stringify({ ...result, extra: 1 }), 'c.json')).toThrow(/Unrecognized key/);
    // An empty survey summarizes to zeros, not NaN.
    const empty = summarizeSurvey('x', OPTIONS, []);
    expect([empty.accuracy, empty.formatRate, empty.meanChars]).toEqual([0, 0, 0]);
  });

  it("draws one bar per model in each group, in the paper's units", () => {
    const other = { ...result, model: 'other', accuracy: 0.5, formatRate: 0.75, meanChars: 321 };
    const [habits, acc, length] = surveyBars([result, other]);
    expect(habits.categories).toHaveLength(4);
    expect(habits.models.map((m) => m.name)).toEqual(['lab-nano', 'other']);
    expect(habits.models[0].values).toEqual(BEHAVIORS.map((b) => result.behaviors.mean[b]));
    expect(acc.models[1].values).toEqual([50, 75]);
    expect(length.models[1].values).toEqual([321]);
    // The same model surveyed twice: two bars, told apart by name (the page keys rows by them).
    const again = surveyBars([result, other, result]);
    expect(again[0].models.map((m) => m.name)).toEqual(['lab-nano', 'other', 'lab-nano (2)']);
  });

  it('tells repeated names apart, never colliding with a name already there', () => {
    expect(distinctNames(['a', 'b', 'a', 'a'])).toEqual(['a', 'b', 'a (2)', 'a (3)']);
    expect(distinctNames(['a', 'a (2)', 'a'])).toEqual(['a', 'a (2)', 'a (3)']);
    const many = distinctNames(['x', 'x', 'x (2)', 'x', 'x (3)']);
    expect(new Set(many).size).toBe(many.length);
    // Two runs of the same name overlaid on the charts: every series of every chart is its own.
    for (const spec of overlaySpecs([
      { name: 'run', events: [] },
      { name: 'run', events: [] },
    ])) {
      const labels = spec.series.map((x) => x.label);
      expect(new Set(labels).size).toBe(labels.length);
    }
  });
});
