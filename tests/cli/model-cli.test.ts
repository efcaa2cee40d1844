import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, jsonLines, ROOT } from './helpers';
import { labTokenizer } from '../../src/behaviors/vocabulary';

const tok = labTokenizer();

describe('habits-lab CLI: init and sample (child process)', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'hl-model-')), 'nano');

  it('init writes a Hugging Face-style folder and says which backend ran', () => {
    const r = cli(['init', '--size', 'nano', '--seed', '3', '--out', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/119,?873 parameters|119873 parameters/);
    expect(r.stderr).toMatch(/backend wasm .*webgpu skipped/);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config.architectures).toEqual(['LlamaForCausalLM']);
    expect(config.habits_lab).toMatchObject({ seed: 3, size: 'nano' });
    // Same seed, same weights.
    const again = join(dir, '..', 'again');
    cli(['init', '--size', 'nano', '--seed', '3', '--out', again]);
    expect(readFileSync(join(again, 'model.safetensors'))).toEqual(
      readFileSync(join(dir, 'model.safetensors')),
    );
  });

  it('init takes custom sizes and refuses impossible ones', () => {
    const custom = join(dir, '..', 'custom');
    expect(
      cli(['init', '--hidden', '32', '--layers', '1', '--heads', '2', '--ffn', '64', '--out', custom]).status,
    ).toBe(0);
    expect(JSON.parse(readFileSync(join(custom, 'config.json'), 'utf8'))).toMatchObject({
      hidden_size: 32,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      intermediate_size: 64,
    });
    const bad = cli(['init', '--hidden', '30', '--heads', '4', '--out', join(dir, '..', 'bad')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('not divisible');
    // Too big to load is refused before anything is allocated or written.
    const huge = join(dir, '..', 'huge');
    const big = cli(['init', '--hidden', '2048', '--layers', '4', '--ffn', '8192', '--out', huge]);
    expect(big.status).toBe(2);
    expect(big.stderr).toContain("the model would have 269066240 parameters, more than the lab's limit");
    expect(existsSync(huge)).toBe(false);
  });

  it('init checks --out before any work and leaves no stale export of the model it replaces', () => {
    const file = join(dir, '..', 'a-file');
    writeFileSync(file, 'x');
    for (const out of [file, join(file, 'sub')]) {
      const r = cli(['init', '--out', out]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('is a file, not a folder');
    }
    // A folder that held an export: survey would load the old onnx/model.onnx as if it were this model.
    const exported = join(dir, '..', 'exported');
    mkdirSync(join(exported, 'onnx'), { recursive: true });
    writeFileSync(join(exported, 'onnx', 'model.onnx'), 'an older model');
    const r = cli(['init', '--out', exported]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('it was an export of the model this replaces');
    expect(existsSync(join(exported, 'onnx', 'model.onnx'))).toBe(false);
    // survey now asks for an export first, instead of failing inside transformers.js.
    const survey = cli(['survey', '--model', exported, '--n', '1']);
    expect(survey.status).toBe(2);
    expect(survey.stderr).toMatch(/has no onnx\/model\.onnx/);
    expect(existsSync(join(exported, 'model.safetensors'))).toBe(true);
  });

  it('sample --json writes prompt, prompt_ids, completion and completion_ids; seeds reproduce', () => {
    const args = [
      'sample',
      '--model',
      dir,
      '--numbers',
      '3,7,25',
      '--target',
      '46',
      '--n',
      '3',
      '--seed',
      '5',
      '--max-new-tokens',
      '12',
      '--json',
    ];
    const a = jsonLines(cli(args).stdout) as {
      prompt: string;
      prompt_ids: number[];
      completion: string;
      completion_ids: number[];
    }[];
    expect(a).toHaveLength(3);
    for (const x of a) {
      expect(x.prompt).toBe('Numbers: 3, 7, 25. Target: 46.\n<think>');
      expect(x.prompt_ids).toEqual(tok.encode(x.prompt));
      expect(x.completion_ids.length).toBeLessThanOrEqual(12);
      expect(x.completion).toBe(tok.decode(x.completion_ids));
    }
    expect(jsonLines(cli(args).stdout)).toEqual(a);
    expect(jsonLines(cli([...args.slice(0, -2), '--seed', '6', '--json']).stdout)).not.toEqual(a);
  });

  it('sample prints plain completions and explains bad input', () => {
    const greedy = (model: string) =>
      cli([
        'sample',
        '--model',
        model,
        '--numbers',
        '3,7',
        '--target',
        '10',
        '--greedy',
        '--max-new-tokens',
        '5',
      ]);
    const r = greedy(dir);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().length).toBeGreaterThan(0);
    expect(cli(['sample', '--model', dir, '--numbers', '3,x', '--target', '10']).stderr).toContain(
      '--numbers must be a comma-separated list of integers',
    );
    const missing = cli(['sample', '--model', join(dir, 'nope'), '--numbers', '3,7', '--target', '10']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read checkpoint folder .*nope: no such folder/);
    // A folder that holds no checkpoint is named in the message.
    const notCheckpoint = join(dir, 'not-a-checkpoint');
    mkdirSync(notCheckpoint);
    const empty = cli(['sample', '--model', notCheckpoint, '--numbers', '3,7', '--target', '10']);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toContain(`habits-lab: ${notCheckpoint}: `);
    expect(empty.stderr).toMatch(/config\.json/);
    const cold = cli(['sample', '--model', dir, '--numbers', '3,7', '--target', '10', '--temperature', '0']);
    expect(cold.status).toBe(2);
    expect(cold.stderr).toMatch(
      /--temperature must be above 0, got 0 \(for the most likely token every time, use --greedy\)/,
    );
    // The page's names for the shipped models work here too: the same model as its folder.
    const shipped = greedy('shipped:base');
    expect(shipped.status, shipped.stderr).toBe(0);
    expect(shipped.stdout).toBe(greedy(join(ROOT, 'public', 'models', 'base')).stdout);
  });
});
