// Checkpoints as a Hugging Face-style folder, held as a map of file name -> bytes so the browser
// (IndexedDB, zip download) and Node (a folder on disk) share one format:
//
//   config.json              LlamaForCausalLM fields (+ "habits_lab" with the lab's own metadata)
//   model.safetensors        the policy weights, F32 or F16, HF names and layouts
//   value_head.safetensors   the PPO value head (value_head.weight [1, D], value_head.bias [1])
//   tokenizer.json           the lab tokenizer (tokenizers format) + tokenizer_config.json
//   generation_config.json   eos/pad ids and sampling defaults
//
// Loading validates every file and fails with a message naming the file and the problem; nothing is
// half-loaded (tensors are only created after everything has been checked).

import * as tf from '@tensorflow/tfjs';
import { readSafetensors, writeSafetensors, type NamedTensor, type SafetensorsDtype } from './safetensors';
import { Tokenizer } from './tokenizer';
import { ownedVariable, parameterShapes, Transformer, validateConfig, type ModelConfig } from './transformer';

export type CheckpointFiles = Map<string, Uint8Array>;

export const REQUIRED_FILES = ['config.json', 'model.safetensors', 'tokenizer.json'] as const;

const encoder = new TextEncoder();
const json = (value: unknown): Uint8Array => encoder.encode(`${JSON.stringify(value, null, 2)}\n`);

/**
 * The tokenizer files transformers.js reads, written from the lab's tokenizer: an export writes
 * these afresh rather than passing on what an imported checkpoint held (a tokenizer_config.json can
 * carry a chat template, a program that transformers.js runs).
 */
export function tokenizerFiles(tokenizer: Tokenizer, maxPositions: number): CheckpointFiles {
  return new Map([
    ['tokenizer.json', json(tokenizer.toHuggingFace())],
    [
      'tokenizer_config.json',
      json({
        tokenizer_class: 'PreTrainedTokenizerFast',
        clean_up_tokenization_spaces: false,
        model_max_length: maxPositions,
        pad_token: '<pad>',
        eos_token: '<eos>',
        unk_token: '<unk>',
      }),
    ],
    [
      'generation_config.json',
      json({
        eos_token_id: tokenizer.eosId,
        pad_token_id: tokenizer.padId,
        do_sample: true,
        temperature: 1.0,
        top_k: 0,
        max_new_tokens: 200,
      }),
    ],
  ]);
}

export interface CheckpointMeta {
  /** Free-form facts about how the checkpoint was made (condition, steps, seed, ...). */
  [key: string]: unknown;
}

export interface LoadedCheckpoint {
  model: Transformer;
  tokenizer: Tokenizer;
  meta: CheckpointMeta;
}

/** The LlamaForCausalLM config.json for a model. */
export function hfConfig(
  config: ModelConfig,
  tokenizer: Tokenizer,
  meta: CheckpointMeta = {},
  dtype: SafetensorsDtype = 'F32',
): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    intermediate_size: config.intermediateSize,
    num_hidden_layers: config.numLayers,
    num_attention_heads: config.numHeads,
    num_key_value_heads: config.numHeads,
    head_dim: config.hiddenSize / config.numHeads,
    max_position_embeddings: config.maxPositions,
    rms_norm_eps: config.rmsNormEps,
    rope_theta: config.ropeTheta,
    rope_scaling: null,
    hidden_act: 'silu',
    attention_bias: false,
    attention_dropout: 0.0,
    mlp_bias: false,
    tie_word_embeddings: true,
    initializer_range: 0.02,
    pretraining_tp: 1,
    use_cache: true,
    bos_token_id: null,
    eos_token_id: tokenizer.eosId,
    pad_token_id: tokenizer.padId,
    torch_dtype: dtype === 'F16' ? 'float16' : 'float32',
    transformers_version: '4.46.0',
    habits_lab: { format: 1, ...meta },
  };
}

/** Serialize a model and its tokenizer to checkpoint files. */
export async function saveCheckpoint(
  model: Transformer,
  tokenizer: Tokenizer,
  meta: CheckpointMeta = {},
  dtype: SafetensorsDtype = 'F32',
): Promise<CheckpointFiles> {
  const policy: NamedTensor[] = [];
  const valueHead: NamedTensor[] = [];
  for (const [name, shape] of parameterShapes(model.config, model.hasValueHead)) {
    const data = (await (model.params.get(name) as tf.Variable).data()) as Float32Array;
    (name.startsWith('value_head') ? valueHead : policy).push({ name, shape, data: Float32Array.from(data) });
  }
  const files: CheckpointFiles = new Map();
  files.set('config.json', json(hfConfig(model.config, tokenizer, meta, dtype)));
  files.set('model.safetensors', writeSafetensors(policy, dtype, { format: 'pt' }));
  if (valueHead.length > 0)
    files.set('value_head.safetensors', writeSafetensors(valueHead, 'F32', { format: 'pt' }));
  for (const [name, data] of tokenizerFiles(tokenizer, model.config.maxPositions)) files.set(name, data);
  return files;
}

function parseJsonFile(files: CheckpointFiles, name: string): unknown {
  const bytes = files.get(name);
  if (!bytes) throw new Error(`checkpoint is missing ${name}`);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new Error(`${name} is not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

/** Read the lab's ModelConfig back from a LlamaForCausalLM config.json. */
export function configFromHf(raw: unknown): { config: ModelConfig; meta: CheckpointMeta } {
  const fail = (why: string): never => {
    throw new Error(`config.json: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('must be a JSON object');
  const c = raw as Record<string, unknown>;
  const arch = c.architectures;
  if (c.model_type !== 'llama' || !Array.isArray(arch) || !arch.includes('LlamaForCausalLM')) {
    fail(
      `unknown architecture ${JSON.stringify(arch ?? c.model_type)}; Habits Lab loads LlamaForCausalLM checkpoints`,
    );
  }
  const int = (key: string): number => {
    const v = c[key];
    if (!Number.isInteger(v) || (v as number) < 1)
      fail(`${key} must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const num = (key: string, fallback: number): number => {
    const v = c[key] ?? fallback;
    // JSON's 1e999 parses to Infinity, which would load as a model whose every logit is 0.
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
      fail(
        `${key} must be a finite positive number, got ${typeof v === 'number' && !Number.isFinite(v) ? String(v) : JSON.stringify(v)}`,
      );
    return v as number;
  };
  const config: ModelConfig = {
    vocabSize: int('vocab_size'),
    hiddenSize: int('hidden_size'),
    intermediateSize: int('intermediate_size'),
    numLayers: int('num_hidden_layers'),
    numHeads: int('num_attention_heads'),
    maxPositions: int('max_position_embeddings'),
    ropeTheta: num('rope_theta', 10000),
    rmsNormEps: num('rms_norm_eps', 1e-6),
  };
  if ((c.num_key_value_heads ?? config.numHeads) !== config.numHeads)
    fail('grouped-query attention (num_key_value_heads != num_attention_heads) is not supported');
  if (c.head_dim !== undefined && c.head_dim !== config.hiddenSize / config.numHeads)
    fail('head_dim must equal hidden_size / num_attention_heads');
  if (c.tie_word_embeddings !== true)
    fail('only tied input/output embeddings are supported (tie_word_embeddings: true)');
  if (c.hidden_act !== undefined && c.hidden_act !== 'silu')
    fail(`hidden_act ${JSON.stringify(c.hidden_act)} is not supported (silu)`);
  if (c.attention_bias === true || c.mlp_bias === true) fail('attention and MLP biases are not supported');
  if (c.rope_scaling !== undefined && c.rope_scaling !== null) fail('rope_scaling is not supported');
  try {
    validateConfig(config);
  } catch (err) {
    fail((err as Error).message);
  }
  const meta =
    typeof c.habits_lab === 'object' && c.habits_lab !== null ? (c.habits_lab as CheckpointMeta) : {};
  return { config, meta };
}

/** Validate checkpoint files and build the model; throws a clear Error on anything wrong. */
export function loadCheckpoint(files: CheckpointFiles): LoadedCheckpoint {
  for (const name of REQUIRED_FILES) if (!files.has(name)) throw new Error(`checkpoint is missing ${name}`);
  const { config, meta } = configFromHf(parseJsonFile(files, 'config.json'));
  const tokenizer = Tokenizer.fromHuggingFace(parseJsonFile(files, 'tokenizer.json'));
  if (tokenizer.size !== config.vocabSize) {
    throw new Error(
      `tokenizer.json has ${tokenizer.size} tokens but config.json says vocab_size ${config.vocabSize}`,
    );
  }
  const policy = readSafetensors(files.get('model.safetensors') as Uint8Array, 'model.safetensors').tensors;
  const head = files.has('value_head.safetensors')
    ? readSafetensors(files.get('value_head.safetensors') as Uint8Array, 'value_head.safetensors').tensors
    : null;
  const expected = parameterShapes(config, head !== null);
  const arrays = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of expected) {
    const file = name.startsWith('value_head') ? 'value_head.safetensors' : 'model.safetensors';
    const t = (name.startsWith('value_head') ? head : policy)?.get(name);
    if (!t) throw new Error(`${file} lacks ${name}`);
    if (t.shape.join(',') !== shape.join(','))
      throw new Error(`${file}: ${name} has shape [${t.shape}], expected [${shape}] for this config`);
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i])) throw new Error(`${file}: ${name} contains a non-finite value`);
    }
    arrays.set(name, t);
  }
  const known = new Set(expected.map(([n]) => n));
  for (const name of policy.keys()) {
    if (!known.has(name) && name !== 'lm_head.weight')
      throw new Error(`model.safetensors has an unexpected tensor ${name}`);
  }
  // Everything checked: only now create tensors.
  const params = new Map<string, tf.Variable>();
  for (const [name, t] of arrays) params.set(name, ownedVariable(tf.tensor(t.data, t.shape)));
  return { model: new Transformer(config, params), tokenizer, meta };
}
