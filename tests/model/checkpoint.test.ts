import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  fromHalf,
  loadCheckpoint,
  readSafetensors,
  saveCheckpoint,
  toHalf,
  Transformer,
  writeSafetensors,
  type CheckpointFiles,
} from '../../src/model';
import { readFolder, writeFolder } from '../../src/model/node-files';
import { MODEL_FILES } from '../../src/model/names';
import { cli } from '../cli/helpers';
import { tinyModel, tokenizer, useBackend } from './helpers';
import { optionalTool, skipNote } from '../optional-tools';

const enc = new TextEncoder();
const dec = new TextDecoder();

async function logitsOf(model: Transformer, ids: number[]): Promise<Float32Array> {
  const t = tf.tidy(() => model.forward(tf.tensor2d([ids], [1, ids.length], 'int32')).logits);
  const out = (await t.data()) as Float32Array;
  t.dispose();
  return out;
}

/** A model whose greedy decoding is not degenerate: weights scaled up from the init. */
function livelyModel(seed: number): Transformer {
  const m = tinyModel(seed);
  for (const v of m.params.values()) if (v.shape.length === 2) v.assign(tf.tidy(() => tf.mul(v, 6)));
  return m;
}

describe('checkpoints', () => {
  beforeAll(() => useBackend('cpu'));

  it('save -> load gives identical logits (F32) and close ones (F16); the value head survives', async () => {
    const model = livelyModel(1);
    const ids = tokenizer.encode('Numbers: 3, 7, 25. Target: 46.\n<think> 25 + 7 = 32');
    const before = await logitsOf(model, ids);
    const loaded = loadCheckpoint(await saveCheckpoint(model, tokenizer, { condition: 'all_strategies' }));
    expect(await logitsOf(loaded.model, ids)).toEqual(before);
    expect(loaded.meta.condition).toBe('all_strategies');
    expect(loaded.model.hasValueHead).toBe(true);
    expect(await loaded.model.params.get('value_head.weight')?.data()).toEqual(
      await model.params.get('value_head.weight')?.data(),
    );
    const half = loadCheckpoint(await saveCheckpoint(model, tokenizer, {}, 'F16'));
    const h = await logitsOf(half.model, ids);
    let maxDiff = 0;
    h.forEach((x, i) => (maxDiff = Math.max(maxDiff, Math.abs(x - before[i]))));
    expect(maxDiff).toBeLessThan(0.05);
    expect(maxDiff).toBeGreaterThan(0);
    model.dispose();
  });

  it('writes the Hugging Face layout: config fields, tensor names, spec-conformant safetensors', async () => {
    const model = tinyModel(2);
    const files = await saveCheckpoint(model, tokenizer);
    expect([...files.keys()].sort()).toEqual([
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
      'value_head.safetensors',
    ]);
    expect([...MODEL_FILES].sort()).toEqual([...files.keys()].sort()); // what the page's import keeps
    const config = JSON.parse(dec.decode(files.get('config.json')));
    expect(config).toMatchObject({
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      hidden_size: 64,
      num_hidden_layers: 2,
      tie_word_embeddings: true,
      hidden_act: 'silu',
      vocab_size: tokenizer.size,
    });
    const bytes = files.get('model.safetensors') as Uint8Array;
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(dec.decode(bytes.subarray(8, 8 + n)));
    expect(header['model.layers.1.mlp.down_proj.weight']).toMatchObject({ dtype: 'F32', shape: [64, 176] });
    expect(header['model.layers.0.self_attn.q_proj.weight'].shape).toEqual([64, 64]);
    expect(header['lm_head.weight']).toBeUndefined();
    expect(header.__metadata__).toEqual({ format: 'pt' });
    model.dispose();
  });

  it('half precision conversion is exact where it can be and rounds to nearest even', () => {
    for (const x of [0, 1, -2, 0.5, 65504, 2 ** -24, 2 ** -14, -0.1])
      expect(Math.abs(fromHalf(toHalf(x)) - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11);
    expect(fromHalf(toHalf(1e6))).toBe(Infinity);
    expect(toHalf(1 + 2 ** -11)).toBe(toHalf(1)); // tie -> even
    expect(Number.isNaN(fromHalf(toHalf(NaN)))).toBe(true);
  });

  describe('rejects broken files with a clear message, and creates no tensors', () => {
    let good: CheckpointFiles;
    beforeAll(async () => {
      const model = tinyModel(3);
      good = await saveCheckpoint(model, tokenizer);
      model.dispose();
    });
    /** Replace fields of the good checkpoint's config.json. */
    const withConfig =
      (fields: Record<string, unknown>) =>
      (f: CheckpointFiles): void => {
        const config = JSON.parse(dec.decode(good.get('config.json'))) as Record<string, unknown>;
        f.set('config.json', enc.encode(JSON.stringify({ ...config, ...fields })));
      };
    const broken = (edit: (f: CheckpointFiles) => void): CheckpointFiles => {
      const f = new Map(good);
      edit(f);
      return f;
    };
    const cases: [string, (f: CheckpointFiles) => void, RegExp][] = [
      ['a missing file', (f) => f.delete('model.safetensors'), /missing model\.safetensors/],
      [
        'a truncated safetensors',
        (f) => f.set('model.safetensors', (f.get('model.safetensors') as Uint8Array).slice(0, 5000)),
        /truncated/,
      ],
      ['a 3-byte safetensors', (f) => f.set('model.safetensors', new Uint8Array([1, 2, 3])), /too short/],
      [
        'a header of 5,000 empty tensors (refused before any is decoded)',
        (f) =>
          f.set(
            'model.safetensors',
            writeSafetensors(
              Array.from({ length: 5000 }, (_, i) => ({
                name: `t${i}`,
                shape: [0],
                data: new Float32Array(0),
              })),
            ),
          ),
        /model\.safetensors: header lists 5000 entries; a lab model has at most 4096 tensors/,
      ],
      [
        'bad JSON in config',
        (f) => f.set('config.json', enc.encode('{"vocab_size": 3,')),
        /config\.json is not valid JSON/,
      ],
      [
        'an unknown architecture',
        withConfig({ architectures: ['GPT2LMHeadModel'], model_type: 'gpt2' }),
        /unknown architecture/,
      ],
      ['a wrong shape', withConfig({ intermediate_size: 100 }), /shape \[176,64\], expected \[100,64\]/],
      ['a vocabulary mismatch', withConfig({ vocab_size: 10 }), /vocab_size 10/],
      [
        // JSON's 1e999 is Infinity: the model would load with every logit 0.
        'an infinite rms_norm_eps',
        (f) =>
          f.set(
            'config.json',
            enc.encode(
              dec
                .decode(good.get('config.json'))
                .replace(/"rms_norm_eps":\s*[^,}]+/, '"rms_norm_eps": 1e999'),
            ),
          ),
        /rms_norm_eps must be a finite positive number, got Infinity/,
      ],
      [
        'an unsupported dtype',
        (f) => f.set('model.safetensors', withDtype(f.get('model.safetensors') as Uint8Array, 'I32')),
        /only F32 and F16/,
      ],
      [
        'a huge model claim',
        withConfig({ hidden_size: 65536, num_attention_heads: 1, num_key_value_heads: 1, head_dim: 65536 }),
        /parameters, more than the lab's limit of 200000000/,
      ],
      [
        // 256 × 1,000,000 rotary entries: a small file that would allocate two 1 GB tables.
        'a huge position claim',
        withConfig({ max_position_embeddings: 1_000_000 }),
        /maxPositions 1000000 × head_dim 16 rotary entries is more than the lab's limit of 8388608/,
      ],
      [
        'NaN weights',
        (f) =>
          f.set(
            'model.safetensors',
            writeSafetensors(
              [...readSafetensors(f.get('model.safetensors') as Uint8Array).tensors].map(([name, t], i) => ({
                name,
                shape: t.shape,
                data: i === 0 ? t.data.map(() => NaN) : t.data,
              })),
            ),
          ),
        /non-finite/,
      ],
      [
        'a foreign tokenizer',
        (f) => f.set('tokenizer.json', enc.encode('{"model": {"type": "BPE"}}')),
        /WordLevel/,
      ],
      // Architectures that load without error but would compute something else are refused.
      ['untied embeddings', withConfig({ tie_word_embeddings: false }), /only tied input\/output embeddings/],
      ['grouped-query attention', withConfig({ num_key_value_heads: 2 }), /grouped-query attention/],
      [
        'rope scaling',
        withConfig({ rope_scaling: { type: 'linear', factor: 2 } }),
        /rope_scaling is not supported/,
      ],
      [
        'an unexpected tensor',
        (f) =>
          f.set(
            'model.safetensors',
            withTensors(f.get('model.safetensors') as Uint8Array, (ts) => [
              ...ts,
              { name: 'extra.weight', shape: [2], data: new Float32Array(2) },
            ]),
          ),
        /model\.safetensors has an unexpected tensor extra\.weight/,
      ],
      [
        'bytes after the last tensor',
        (f) => {
          const bytes = f.get('model.safetensors') as Uint8Array;
          const longer = new Uint8Array(bytes.length + 4);
          longer.set(bytes);
          f.set('model.safetensors', longer);
        },
        /4 bytes after the last tensor are not described by the header/,
      ],
      [
        'a value head of the wrong shape',
        (f) =>
          f.set(
            'value_head.safetensors',
            writeSafetensors([
              { name: 'value_head.weight', shape: [1, 32], data: new Float32Array(32) },
              { name: 'value_head.bias', shape: [1], data: new Float32Array(1) },
            ]),
          ),
        /value_head\.safetensors: value_head\.weight has shape \[1,32\], expected \[1,64\]/,
      ],
      [
        'a value head without its bias',
        (f) =>
          f.set(
            'value_head.safetensors',
            writeSafetensors([{ name: 'value_head.weight', shape: [1, 64], data: new Float32Array(64) }]),
          ),
        /value_head\.safetensors lacks value_head\.bias/,
      ],
      [
        'a NaN in the value head',
        (f) =>
          f.set(
            'value_head.safetensors',
            writeSafetensors([
              { name: 'value_head.weight', shape: [1, 64], data: new Float32Array(64).fill(NaN) },
              { name: 'value_head.bias', shape: [1], data: new Float32Array(1) },
            ]),
          ),
        /value_head\.safetensors: value_head\.weight contains a non-finite value/,
      ],
    ];
    for (const [what, edit, message] of cases) {
      it(what, () => {
        const before = tf.memory().numTensors;
        expect(() => loadCheckpoint(broken(edit))).toThrow(message);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  });

  it('reads and writes folders on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const model = tinyModel(4);
    writeFolder(dir, await saveCheckpoint(model, tokenizer));
    const loaded = loadCheckpoint(readFolder(dir));
    expect(loaded.model.config).toEqual(model.config);
    expect(() => readFolder(join(dir, 'nope'))).toThrow(/cannot read checkpoint folder/);
    // Entries that are not checkpoint files are never touched, even a broken link; a broken link
    // named like one is an error naming it.
    symlinkSync(join(dir, 'missing-target'), join(dir, 'notes'));
    expect(readFolder(dir).size).toBe(readdirSync(dir).length - 1);
    symlinkSync(join(dir, 'missing-target'), join(dir, 'extra.json'));
    expect(() => readFolder(dir)).toThrow(/cannot read extra\.json in /);
    model.dispose();
  });

  const numpy = optionalTool(
    'python3 with numpy',
    ['python3', '-c', 'import numpy'],
    'the independent numpy Llama implementation (logits and greedy tokens)',
  );
  it.runIf(numpy)(
    `an independent Llama implementation (numpy) reproduces our logits and \`habits-lab sample --greedy\` token for token${skipNote(numpy, 'python3 with numpy')}`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ref-'));
      const model = livelyModel(9);
      writeFolder(dir, await saveCheckpoint(model, tokenizer));
      const r = cli([
        'sample',
        '--model',
        dir,
        '--numbers',
        '3,7,25',
        '--target',
        '46',
        '--greedy',
        '--json',
        '--max-new-tokens',
        '40',
        '--backend',
        'cpu',
      ]);
      expect(r.status, r.stderr).toBe(0);
      const ours = JSON.parse(r.stdout.trim().split('\n')[0]) as {
        prompt: string;
        prompt_ids: number[];
        completion_ids: number[];
      };
      const script = fileURLToPath(new URL('../fixtures/llama_reference.py', import.meta.url));
      const ref = JSON.parse(
        execFileSync('python3', [script, dir, JSON.stringify(ours.prompt), '40', '--logits'], {
          maxBuffer: 1 << 28,
        }).toString(),
      ) as {
        prompt_ids: number[];
        completion_ids: number[];
        logits: number[][];
      };
      expect(ref.prompt_ids).toEqual(ours.prompt_ids);
      expect(ref.completion_ids).toEqual(ours.completion_ids);
      expect(new Set(ours.completion_ids).size).toBeGreaterThan(3); // not a degenerate repetition
      const full = await logitsOf(model, [...ours.prompt_ids, ...ours.completion_ids]);
      const V = tokenizer.size;
      let maxDiff = 0;
      ref.logits.forEach((row, t) =>
        row.forEach((x, k) => (maxDiff = Math.max(maxDiff, Math.abs(x - full[t * V + k])))),
      );
      expect(maxDiff).toBeLessThan(1e-3);
      model.dispose();
    },
    60_000,
  );
});

/** Rewrite every dtype in a safetensors header (same length) to test dtype validation. */
/** A safetensors file with its tensors edited. */
function withTensors(
  bytes: Uint8Array,
  edit: (
    ts: { name: string; shape: number[]; data: Float32Array }[],
  ) => { name: string; shape: number[]; data: Float32Array }[],
): Uint8Array {
  const file = readSafetensors(bytes);
  return writeSafetensors(
    edit([...file.tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data }))),
  );
}

function withDtype(bytes: Uint8Array, dtype: string): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  if (dtype.length !== 3) throw new Error('keep the header length: use a 3-letter dtype');
  const header = dec.decode(bytes.subarray(8, 8 + n)).replaceAll('"F32"', `"${dtype}"`);
  const out = bytes.slice();
  out.set(enc.encode(header), 8);
  return out;
}
