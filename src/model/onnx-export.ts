// Export a lab checkpoint as an ONNX decoder that @huggingface/transformers runs (text-generation,
// LlamaForCausalLM with a KV cache), written from JavaScript with the onnx-proto definitions.
//
//   inputs   input_ids, attention_mask, position_ids            int64 [batch, new tokens | all tokens]
//            past_key_values.{i}.key / .value                    float [batch, heads, past, head_dim]
//   outputs  logits                                             float [batch, new tokens, vocab]
//            present.{i}.key / .value                            float [batch, heads, past + new, head_dim]
//
// transformers.js feeds only the newest token after the first step and passes the cache back, so
// the cache is part of the graph (it starts empty, with past = 0).
//
// The graph is the same network as transformer.ts, op for op: Gather embedding, RMSNorm
// (ReduceMean of squares), rotary positions (cos/sin tables gathered by position, rotate-half as a
// product with a fixed matrix), causal + padding mask, SwiGLU, tied output embedding.

import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { configFromHf, REQUIRED_FILES, tokenizerFiles, type CheckpointFiles } from './checkpoint';
import { Tokenizer } from './tokenizer';
import { readSafetensors } from './safetensors';
import { parameterShapes, type ModelConfig } from './transformer';

// onnx-proto is a CommonJS module: its namespace arrives as the default export under ESM.
const onnx = (onnxProto as unknown as { onnx: typeof Onnx }).onnx;
const F32 = onnx.TensorProto.DataType.FLOAT;
const I64 = onnx.TensorProto.DataType.INT64;
const I32 = onnx.TensorProto.DataType.INT32;

const io = (name: string, type: number, dims: Onnx.TensorShapeProto.IDimension[]): Onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: type, shape: { dim: dims } } },
});

export interface OnnxWeights {
  config: ModelConfig;
  /** Float32 data by Hugging Face name, in HF layouts. */
  weights: Map<string, Float32Array>;
}

/**
 * The rollout engine's variant of the graph (src/model/onnx-sampler.ts): every weight is a graph
 * input (fed at each run, so one session serves the policy after every update and the reference
 * model), ids and positions are int32, the mask float32, and a value-head output is added. Its
 * cache is a pair of buffers per layer that the host keeps and fills in place: inputs
 * past_key_values.{i}.key_t [batch, heads, head_dim, capacity] (keys transposed, as attention reads
 * them) and .value [batch, heads, capacity, head_dim], attention_mask [batch, capacity + new
 * tokens] saying which slots hold a key; outputs only the new tokens' new.{i}.key_t [batch, heads,
 * head_dim, new] and new.{i}.value. (transformers.js's graph concatenates past and new into
 * present.{i}.*, which copies the whole cache, and transposes its keys, at every token.)
 */
export interface EngineGraphOptions {
  weightInputs: true;
  values: boolean;
}

/** The graph input names and shapes of the weights in the engine graph; linears are fed as [in, out]. */
export function engineWeightInputs(c: ModelConfig, values: boolean): { name: string; dims: number[] }[] {
  return parameterShapes(c, values).map(([name, shape]) =>
    shape.length === 2 && name !== 'model.embed_tokens.weight'
      ? { name: `${name}.T`, dims: [shape[1], shape[0]] }
      : { name, dims: shape },
  );
}

class GraphBuilder {
  nodes: Onnx.INodeProto[] = [];
  initializers: Onnx.ITensorProto[] = [];
  private counter = 0;

  name(prefix: string): string {
    return `${prefix}_${++this.counter}`;
  }

  node(op: string, inputs: string[], attrs: Onnx.IAttributeProto[] = [], outName?: string): string {
    const out = outName ?? this.name(op.toLowerCase());
    this.nodes.push({
      opType: op,
      input: inputs,
      output: [out],
      name: this.name(`n_${op}`),
      attribute: attrs,
    });
    return out;
  }

  floats(name: string, dims: number[], data: Float32Array): string {
    const raw = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    this.initializers.push({ name, dims, dataType: F32, rawData: raw });
    return name;
  }

  ints(name: string, values: number[]): string {
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({
      name,
      dims: [values.length],
      dataType: I64,
      rawData: new Uint8Array(data.buffer),
    });
    return name;
  }

  intScalar(name: string, value: number): string {
    this.initializers.push({
      name,
      dims: [],
      dataType: I64,
      rawData: new Uint8Array(new BigInt64Array([BigInt(value)]).buffer),
    });
    return name;
  }

  scalar(name: string, value: number): string {
    this.initializers.push({
      name,
      dims: [],
      dataType: F32,
      rawData: new Uint8Array(new Float32Array([value]).buffer),
    });
    return name;
  }
}

const intsAttr = (name: string, ints: number[]): Onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INTS,
  ints,
});
const intAttr = (name: string, i: number): Onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INT,
  i,
});

/** [out, in] -> [in, out] (ONNX MatMul computes x @ W). */
function transpose2d(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
  return out;
}

/** The ONNX model bytes for a checkpoint's weights (or, for the engine, a graph that takes them as inputs). */
export function exportOnnx({ config: c, weights }: OnnxWeights, engine?: EngineGraphOptions): Uint8Array {
  if (!engine)
    for (const [name] of parameterShapes(c, false))
      if (!weights.has(name)) throw new Error(`missing weight ${name}`);
  const g = new GraphBuilder();
  const weightInputs: Onnx.IValueInfoProto[] = [];
  // A weight: an initializer holding the data, or (engine) a graph input of the same name.
  const weight = (name: string, dims: number[], data: () => Float32Array): string => {
    if (!engine) return g.floats(name, dims, data());
    weightInputs.push(
      io(
        name,
        F32,
        dims.map((d) => ({ dimValue: d })),
      ),
    );
    return name;
  };
  const D = c.hiddenSize;
  const H = c.numHeads;
  const hd = D / H;
  const F = c.intermediateSize;
  const V = c.vocabSize;
  const w = (name: string) => weights.get(name) as Float32Array;
  const linear = (x: string, name: string, out: number, inp: number) =>
    g.node('MatMul', [x, weight(`${name}.T`, [inp, out], () => transpose2d(w(name), out, inp))]);

  // Constants: rotary tables, rotate-half matrix, causal mask, scalars.
  const half = hd / 2;
  const cos = new Float32Array(c.maxPositions * hd);
  const sin = new Float32Array(c.maxPositions * hd);
  for (let pos = 0; pos < c.maxPositions; pos++) {
    for (let i = 0; i < half; i++) {
      const angle = pos * Math.pow(c.ropeTheta, -(2 * i) / hd);
      cos[pos * hd + i] = cos[pos * hd + i + half] = Math.cos(angle);
      sin[pos * hd + i] = sin[pos * hd + i + half] = Math.sin(angle);
    }
  }
  const rot = new Float32Array(hd * hd);
  for (let i = 0; i < half; i++) {
    rot[(i + half) * hd + i] = -1;
    rot[i * hd + i + half] = 1;
  }
  g.floats('rope_cos', [c.maxPositions, hd], cos);
  g.floats('rope_sin', [c.maxPositions, hd], sin);
  g.floats('rotate_half', [hd, hd], rot);
  g.scalar('eps', c.rmsNormEps);
  g.scalar('one', 1);
  g.scalar('neg_big', -1e9);
  g.scalar('zero', 0);
  g.intScalar('index1', 1);
  g.intScalar('index2', 2);
  g.intScalar('step1', 1);
  g.intScalar('start0', 0);
  g.scalar('attn_scale', 1 / Math.sqrt(hd));
  g.ints('axis1', [1]);
  g.ints('zero1', [0]);
  g.ints('heads_shape', [0, 0, H, hd]);
  g.ints('merge_shape', [0, 0, D]);
  g.ints('pad_shape', [0, 1, 1, -1]);
  // The engine reads its cache from buffers (EngineGraphOptions); transformers.js concatenates.
  const buffers = engine !== undefined;
  if (buffers) {
    g.ints('last_axis1', [3]);
    g.ints('int_max1', [2 ** 31 - 1]);
  }

  // New tokens T and cached tokens P: query i sits at P + i and may see keys 0..P+i.
  const T = g.node('Gather', [g.node('Shape', ['input_ids']), 'index1'], [intAttr('axis', 0)]);
  // (with buffers, P is the buffers' capacity: every slot is a cached key, masked when empty)
  const P = g.node('Gather', [g.node('Shape', ['past_key_values.0.value']), 'index2'], [intAttr('axis', 0)]);
  const PT = g.node('Add', [P, T]);
  const queries = g.node('Unsqueeze', [g.node('Range', [P, PT, 'step1']), 'axis1']); // [T, 1]
  const keys = g.node('Unsqueeze', [g.node('Range', ['start0', PT, 'step1']), 'zero1']); // [1, P+T]
  const causalTT = g.node('Where', [g.node('Greater', [keys, queries]), 'neg_big', 'zero']); // [T, P+T]
  // Padding: (1 - mask) * -1e9, as [B, 1, 1, T].
  const maskF = g.node('Cast', ['attention_mask'], [intAttr('to', F32)]);
  const padBias = g.node('Reshape', [g.node('Mul', [g.node('Sub', ['one', maskF]), 'neg_big']), 'pad_shape']);
  const bias = g.node('Add', [causalTT, padBias]); // [B, 1, T, T]

  // Rotary factors [B, 1, T, hd].
  const cosB = g.node('Unsqueeze', [
    g.node('Gather', ['rope_cos', 'position_ids'], [intAttr('axis', 0)]),
    'axis1',
  ]);
  const sinB = g.node('Unsqueeze', [
    g.node('Gather', ['rope_sin', 'position_ids'], [intAttr('axis', 0)]),
    'axis1',
  ]);
  const rope = (x: string) =>
    g.node('Add', [g.node('Mul', [x, cosB]), g.node('Mul', [g.node('MatMul', [x, 'rotate_half']), sinB])]);
  const rmsNorm = (x: string, name: string) => {
    const ms = g.node(
      'ReduceMean',
      [g.node('Mul', [x, x])],
      [intsAttr('axes', [-1]), intAttr('keepdims', 1)],
    );
    const normed = g.node('Div', [x, g.node('Sqrt', [g.node('Add', [ms, 'eps'])])]);
    return g.node('Mul', [normed, weight(name, [D], () => w(name))]);
  };
  const heads = (x: string) =>
    g.node('Transpose', [g.node('Reshape', [x, 'heads_shape'])], [intsAttr('perm', [0, 2, 1, 3])]);

  let x = g.node(
    'Gather',
    [weight('model.embed_tokens.weight', [V, D], () => w('model.embed_tokens.weight')), 'input_ids'],
    [intAttr('axis', 0)],
  );
  for (let i = 0; i < c.numLayers; i++) {
    const L = `model.layers.${i}`;
    const h = rmsNorm(x, `${L}.input_layernorm.weight`);
    const q = rope(heads(linear(h, `${L}.self_attn.q_proj.weight`, D, D)));
    const kNew = rope(heads(linear(h, `${L}.self_attn.k_proj.weight`, D, D)));
    const vNew = heads(linear(h, `${L}.self_attn.v_proj.weight`, D, D));
    let attended: string;
    if (buffers) {
      // Scores against the buffer's keys and the new ones, one softmax over both, then each part
      // of the weights times its values: nothing the size of the cache is copied.
      const kNewT = g.node('Transpose', [kNew], [intsAttr('perm', [0, 1, 3, 2])], `new.${i}.key_t`);
      const vOut = g.node('Identity', [vNew], [], `new.${i}.value`);
      const both = g.node(
        'Concat',
        [g.node('MatMul', [q, `past_key_values.${i}.key_t`]), g.node('MatMul', [q, kNewT])],
        [intAttr('axis', 3)],
      );
      const probs = g.node(
        'Softmax',
        [g.node('Add', [g.node('Mul', [both, 'attn_scale']), bias])],
        [intAttr('axis', -1)],
      );
      const split = g.node('Unsqueeze', [P, 'zero1']);
      const pPast = g.node('Slice', [probs, 'zero1', split, 'last_axis1']);
      const pNew = g.node('Slice', [probs, split, 'int_max1', 'last_axis1']);
      attended = g.node('Add', [
        g.node('MatMul', [pPast, `past_key_values.${i}.value`]),
        g.node('MatMul', [pNew, vOut]),
      ]);
    } else {
      const k = g.node(
        'Concat',
        [`past_key_values.${i}.key`, kNew],
        [intAttr('axis', 2)],
        `present.${i}.key`,
      );
      const v = g.node(
        'Concat',
        [`past_key_values.${i}.value`, vNew],
        [intAttr('axis', 2)],
        `present.${i}.value`,
      );
      const kT = g.node('Transpose', [k], [intsAttr('perm', [0, 1, 3, 2])]);
      const scores = g.node('Add', [g.node('Mul', [g.node('MatMul', [q, kT]), 'attn_scale']), bias]);
      attended = g.node('MatMul', [g.node('Softmax', [scores], [intAttr('axis', -1)]), v]);
    }
    const merged = g.node('Reshape', [
      g.node('Transpose', [attended], [intsAttr('perm', [0, 2, 1, 3])]),
      'merge_shape',
    ]);
    x = g.node('Add', [x, linear(merged, `${L}.self_attn.o_proj.weight`, D, D)]);
    const h2 = rmsNorm(x, `${L}.post_attention_layernorm.weight`);
    const gate = linear(h2, `${L}.mlp.gate_proj.weight`, F, D);
    const up = linear(h2, `${L}.mlp.up_proj.weight`, F, D);
    const act = g.node('Mul', [g.node('Mul', [gate, g.node('Sigmoid', [gate])]), up]);
    x = g.node('Add', [x, linear(act, `${L}.mlp.down_proj.weight`, D, F)]);
  }
  const hFinal = rmsNorm(x, 'model.norm.weight');
  // Tied output embedding: logits = h @ E^T, transposing the one stored copy at run time.
  g.node(
    'MatMul',
    [hFinal, g.node('Transpose', ['model.embed_tokens.weight'], [intsAttr('perm', [1, 0])])],
    [],
    'logits',
  );
  if (engine?.values)
    g.node(
      'Squeeze',
      [
        g.node('Add', [
          g.node('MatMul', [hFinal, weight('value_head.weight.T', [D, 1], () => w('value_head.weight'))]),
          weight('value_head.bias', [1], () => w('value_head.bias')),
        ]),
        g.ints('last_axis', [-1]),
      ],
      [],
      'values',
    );

  const dim = (p: string): Onnx.TensorShapeProto.IDimension => ({ dimParam: p });
  // transformers.js's cache as inputs or outputs: [batch, heads, length, head_dim] per layer.
  const cacheIo = (prefix: string, length: string) =>
    Array.from({ length: c.numLayers }, (_, i) => [`${i}.key`, `${i}.value`])
      .flat()
      .map((name) =>
        io(`${prefix}.${name}`, F32, [dim('batch_size'), { dimValue: H }, dim(length), { dimValue: hd }]),
      );
  // The engine's cache buffers as inputs or outputs (EngineGraphOptions): keys transposed.
  const bufferIo = (prefix: string, length: string) =>
    Array.from({ length: c.numLayers }, (_, i) => [
      io(`${prefix}.${i}.key_t`, F32, [dim('batch_size'), { dimValue: H }, { dimValue: hd }, dim(length)]),
      io(`${prefix}.${i}.value`, F32, [dim('batch_size'), { dimValue: H }, dim(length), { dimValue: hd }]),
    ]).flat();
  const ids = engine ? I32 : I64;
  const model: Onnx.IModelProto = {
    irVersion: 8,
    producerName: 'habits-lab',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'habits_lab_llama',
      node: g.nodes,
      initializer: g.initializers,
      input: [
        io('input_ids', ids, [dim('batch_size'), dim('sequence_length')]),
        io('attention_mask', engine ? F32 : I64, [dim('batch_size'), dim('total_sequence_length')]),
        io('position_ids', ids, [dim('batch_size'), dim('sequence_length')]),
        ...(buffers
          ? bufferIo('past_key_values', 'capacity')
          : cacheIo('past_key_values', 'past_sequence_length')),
        ...weightInputs,
      ],
      output: [
        io('logits', F32, [dim('batch_size'), dim('sequence_length'), { dimValue: V }]),
        ...(engine?.values ? [io('values', F32, [dim('batch_size'), dim('sequence_length')])] : []),
        ...(buffers ? bufferIo('new', 'sequence_length') : cacheIo('present', 'total_sequence_length')),
      ],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/**
 * A transformers.js model folder from a lab checkpoint (config.json, model.safetensors,
 * tokenizer.json): the same config, the tokenizer files written afresh, and onnx/model.onnx. The
 * checkpoint is validated first, so a broken one fails here with the loader's message, not inside
 * onnxruntime.
 */
export function transformersJsFolder(files: CheckpointFiles): CheckpointFiles {
  for (const name of REQUIRED_FILES) if (!files.has(name)) throw new Error(`checkpoint is missing ${name}`);
  const hf = JSON.parse(new TextDecoder().decode(files.get('config.json'))) as Record<string, unknown>;
  const { config } = configFromHf(hf);
  const tensors = readSafetensors(files.get('model.safetensors') as Uint8Array).tensors;
  const weights = new Map<string, Float32Array>();
  for (const [name, shape] of parameterShapes(config, false)) {
    const t = tensors.get(name);
    if (!t) throw new Error(`model.safetensors lacks ${name}`);
    if (t.shape.join(',') !== shape.join(','))
      throw new Error(`model.safetensors: ${name} has shape [${t.shape}], expected [${shape}]`);
    weights.set(name, t.data);
  }
  const out: CheckpointFiles = new Map();
  // transformers.js passes the cache back only when the config says the model uses one.
  out.set(
    'config.json',
    new TextEncoder().encode(`${JSON.stringify({ ...hf, use_cache: true }, null, 2)}\n`),
  );
  // The tokenizer files are written afresh from the validated tokenizer, never passed on as imported.
  const tokenizer = Tokenizer.fromHuggingFace(
    JSON.parse(new TextDecoder().decode(files.get('tokenizer.json'))),
  );
  for (const [name, data] of tokenizerFiles(tokenizer, config.maxPositions)) out.set(name, data);
  out.set('onnx/model.onnx', exportOnnx({ config, weights }));
  return out;
}
