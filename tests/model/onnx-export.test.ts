// The ONNX export, checked the way a user would meet it: the folder loads in transformers.js
// (onnxruntime-node here, onnxruntime-web in tests/browser) and its greedy completions are the tfjs
// model's, token for token.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatPrompt, generateProblems, problemSpec } from '../../src/countdown';
import { Rng } from '../../src/util/rng';
import { loadCheckpoint, sample, transformersJsFolder, type CheckpointFiles } from '../../src/model';
import { HfCompleter, loadHfModel, type HfModel } from '../../src/model/hf-completer';
import { readFolder, writeFolder } from '../../src/model/node-files';
import { readSafetensors, writeSafetensors } from '../../src/model/safetensors';
import { peakyCheckpoint, tokenizer, useBackend } from './helpers';

describe('ONNX export for transformers.js', () => {
  const root = mkdtempSync(join(tmpdir(), 'hl-onnx-'));
  let files: CheckpointFiles;
  let hf: HfModel;

  beforeAll(async () => {
    await useBackend('wasm');
    files = await peakyCheckpoint(11);
    writeFolder(join(root, 'lab'), new Map([...files, ...transformersJsFolder(files)]));
    hf = await loadHfModel({ source: { kind: 'local', root, name: 'lab' } });
  });
  afterAll(async () => hf?.dispose());

  it('lays the folder out as transformers.js expects, and it still loads in the lab', () => {
    const exported = transformersJsFolder(files);
    expect([...exported.keys()].sort()).toEqual(
      [
        'config.json',
        'generation_config.json',
        'onnx/model.onnx',
        'tokenizer.json',
        'tokenizer_config.json',
      ].sort(),
    );
    expect(JSON.parse(new TextDecoder().decode(exported.get('config.json'))).use_cache).toBe(true);
    // The combined folder is also a lab checkpoint with the same weights.
    const again = loadCheckpoint(readFolder(join(root, 'lab')));
    const original = readSafetensors(files.get('model.safetensors') as Uint8Array).tensors;
    expect(again.model.config.vocabSize).toBe(tokenizer.size);
    again.model.dispose();
    expect(readSafetensors(readFileSync(join(root, 'lab', 'model.safetensors'))).tensors.size).toBe(
      original.size,
    );
  });

  it("writes the tokenizer files afresh: an imported checkpoint's chat template is not passed on", () => {
    const text = (f: Map<string, Uint8Array>, name: string) => new TextDecoder().decode(f.get(name));
    const crafted = new Map(files);
    const tokenizerConfig = JSON.parse(text(files, 'tokenizer_config.json'));
    const template = '{% for i in range(1000000) %}x{% endfor %}';
    crafted.set(
      'tokenizer_config.json',
      new TextEncoder().encode(JSON.stringify({ ...tokenizerConfig, chat_template: template })),
    );
    const tokenizerJson = JSON.parse(text(files, 'tokenizer.json'));
    crafted.set('tokenizer.json', new TextEncoder().encode(JSON.stringify({ ...tokenizerJson, extra: 'x' })));
    const exported = transformersJsFolder(crafted);
    for (const name of ['tokenizer.json', 'tokenizer_config.json', 'generation_config.json'])
      expect(text(exported, name), name).toBe(text(files, name)); // as the lab wrote them
    expect(text(exported, 'tokenizer_config.json')).not.toContain('chat_template');
  });

  it('gives the tfjs model’s greedy completions token for token', async () => {
    const { model } = loadCheckpoint(files);
    const problems = generateProblems(problemSpec('paper'), { n: 10, seed: 3, split: 'test' });
    const completer = new HfCompleter(hf, { maxNewTokens: 96, seed: 0 });
    const distinct = new Set<number>();
    for (const p of problems) {
      const prompt = formatPrompt(p, 'compact');
      const ours = (
        await sample(
          model,
          [tokenizer.encode(prompt)],
          { maxNewTokens: 96, eosId: tokenizer.eosId, padId: tokenizer.padId, greedy: true },
          new Rng(0),
        )
      ).tokens[0];
      const theirs = await completer.greedyIds(prompt, 96);
      expect(theirs.slice(0, ours.length)).toEqual(ours);
      ours.forEach((t) => distinct.add(t));
    }
    model.dispose();
    // Not a degenerate check: the completions use many different tokens.
    expect(distinct.size).toBeGreaterThan(20);
  });

  it('decodes completions to the same text as the lab tokenizer', async () => {
    const prompt = formatPrompt({ numbers: [3, 7, 25], target: 46 }, 'compact');
    const completer = new HfCompleter(hf, { maxNewTokens: 40, seed: 0 });
    const ids = await completer.greedyIds(prompt, 40);
    expect(await completer.greedy(prompt)).toBe(tokenizer.decode(ids));
  });

  it('cuts a budget longer than the model reads to the positions left after the prompt', async () => {
    const prompt = formatPrompt({ numbers: [3, 7, 25], target: 46 }, 'compact');
    const positions = JSON.parse(new TextDecoder().decode(files.get('config.json')!)).max_position_embeddings;
    const promptLength = tokenizer.encode(prompt).length;
    const completer = new HfCompleter(hf, { maxNewTokens: 10_000, seed: 0 });
    const ids = await completer.greedyIds(prompt);
    expect(ids.length).toBeLessThanOrEqual(positions - promptLength);
    const [sampled] = await completer.complete(prompt, 1);
    expect(tokenizer.encode(sampled).length).toBeLessThanOrEqual(positions - promptLength);
    const long = formatPrompt({ numbers: Array(positions).fill(7), target: 46 }, 'compact');
    await expect(completer.greedyIds(long)).rejects.toThrow(/reads at most/);
  });

  it('loads from memory (how the page surveys its own runs) exactly as from a folder', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const prompt = formatPrompt({ numbers: [4, 9, 6], target: 30 }, 'compact');
    const expected = await new HfCompleter(hf, { maxNewTokens: 50, seed: 0 }).greedyIds(prompt);
    // Any run name works, also one that is a folder transformers.js reads from ("onnx") or has a slash.
    for (const name of ['run-1', 'x', 'onnx', 'paper: a/b']) {
      const inMemory = await loadHfModel({
        source: { kind: 'memory', name, files: transformersJsFolder(files) },
      });
      expect(inMemory.name).toBe(name);
      expect(await new HfCompleter(inMemory, { maxNewTokens: 50, seed: 0 }).greedyIds(prompt)).toEqual(
        expected,
      );
      await inMemory.dispose();
    }
    expect(fetchSpy).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
  });

  it('refuses a broken checkpoint with a message that names the problem', () => {
    const noTensor = new Map(files);
    const tensors = readSafetensors(files.get('model.safetensors') as Uint8Array).tensors;
    tensors.delete('model.norm.weight');
    noTensor.set(
      'model.safetensors',
      writeSafetensors([...tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data }))),
    );
    expect(() => transformersJsFolder(noTensor)).toThrow(/model\.safetensors lacks model\.norm\.weight/);
    const noConfig = new Map(files);
    noConfig.delete('config.json');
    expect(() => transformersJsFolder(noConfig)).toThrow(/missing config\.json/);
    const badConfig = new Map(files);
    badConfig.set('config.json', new TextEncoder().encode('{"model_type":"gpt2"}'));
    expect(() => transformersJsFolder(badConfig)).toThrow(/unknown architecture/);
  });
});
