import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSurvey } from '../../src/lab';
import { cli, ROOT, type CliResult } from './helpers';

describe('habits-lab CLI: export and survey (child process)', () => {
  const root = mkdtempSync(join(tmpdir(), 'hl-survey-cli-'));
  const lab = join(root, 'nano');
  const exported = join(root, 'nano-onnx');
  // The model and its export that every test reads (made here, so that each test stands on its own).
  let made: { init: CliResult; exported: CliResult };
  beforeAll(() => {
    made = {
      init: cli(['init', '--size', 'nano', '--seed', '2', '--out', lab]),
      exported: cli(['export', '--format', 'onnx', '--model', lab, '--out', exported, '--check', '2']),
    };
  }, 120_000);

  it('export writes onnx/model.onnx next to the checkpoint and checks greedy parity', () => {
    expect(made.init.status).toBe(0);
    const r = made.exported;
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/greedy check: 2\/2 problems identical token for token/);
    for (const f of ['config.json', 'tokenizer.json', 'onnx/model.onnx', 'model.safetensors'])
      expect(existsSync(join(exported, f)), f).toBe(true);
  });

  it('export checks every test problem there is when asked for more', () => {
    const r = cli([
      'export',
      '--model',
      lab,
      '--out',
      join(root, 'all-checked'),
      '--check',
      '1000',
      '--max-new-tokens',
      '1',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const [, identical, prompts] = /greedy check: (\d+)\/(\d+) problems/.exec(r.stdout)!;
    expect(Number(prompts)).toBeGreaterThan(100); // the easy preset's test split, not the 1,000 asked for
    expect(Number(prompts)).toBeLessThan(1000);
    expect(identical).toBe(prompts);
  });

  it('survey prints the table and writes a result file the lab can import', () => {
    const out = join(root, 'surveys');
    const r = cli([
      'survey',
      '--model',
      exported,
      '--n',
      '3',
      '--k',
      '2',
      '--preset',
      'easy',
      '--max-new-tokens',
      '30',
      '--out',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^model\s+accuracy\s+format\s+verification\s+backtracking\s+subgoal_setting\s+backward_chaining\s+chars/,
    );
    expect(r.stdout).toMatch(/\nnano-onnx\s+\d+\.\d%/);
    const result = parseSurvey(readFileSync(join(out, 'nano-onnx.survey.json'), 'utf8'));
    expect(result.completions).toHaveLength(6);
    expect(result.options).toMatchObject({ problems: 3, samples: 2, preset: 'easy' });
  });

  it('explains what to do with a folder that is not an exported model, and never downloads by default', () => {
    const notExported = cli(['survey', '--model', lab, '--n', '1']);
    expect(notExported.status).toBe(2);
    expect(notExported.stderr).toMatch(/has no onnx\/model\.onnx.*\n.*habits-lab export --format onnx/);
    const file = join(root, 'survey.jsonl');
    writeFileSync(file, '');
    const aFile = cli(['survey', '--model', file, '--n', '1']);
    expect(aFile.status).toBe(2);
    expect(aFile.stderr).toContain('is a file, not a model folder');
    // An onnx/ folder without the config and tokenizer beside it is not a model.
    const onlyOnnx = join(root, 'only-onnx');
    cpSync(join(exported, 'onnx'), join(onlyOnnx, 'onnx'), { recursive: true });
    const bare = cli(['survey', '--model', onlyOnnx, '--n', '1']);
    expect(bare.status).toBe(2);
    expect(bare.stderr).toMatch(/has no config\.json or tokenizer\.json: not a model folder/);
    // An --out that is a file is refused before any model is loaded or sampled.
    const outFile = cli(['survey', '--model', exported, '--n', '1', '--k', '1', '--out', file]);
    expect(outFile.status).toBe(2);
    expect(outFile.stderr).toContain('is a file, not a folder');
    const hubId = cli(['survey', '--model', 'Qwen/Qwen2.5-0.5B', '--n', '1']);
    expect(hubId.status).toBe(2);
    expect(hubId.stderr).toMatch(/is not a folder here.*pass --hub/);
    // Two models of one name would write one result file: refused before loading either.
    const base = join(ROOT, 'public', 'models', 'base');
    const twice = cli(['survey', '--model', base, base, '--n', '1']);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toMatch(/two models are named "base"/);
    const bad = cli(['export', '--model', join(root, 'missing'), '--out', join(root, 'x')]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/cannot read checkpoint folder/);
    // A checkpoint the lab would refuse to load is refused before anything is exported.
    const broken = join(root, 'broken');
    cpSync(lab, broken, { recursive: true });
    writeFileSync(join(broken, 'tokenizer.json'), '[]');
    const refused = cli(['export', '--model', broken, '--out', join(root, 'broken-onnx'), '--check', '0']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/broken: tokenizer\.json/);
    expect(existsSync(join(root, 'broken-onnx'))).toBe(false);
  });
});
