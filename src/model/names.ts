// Names the page needs without loading TensorFlow.js: model sizes, backends and checkpoint files.

/** The files of a lab model checkpoint (saveCheckpoint writes them; the last three are optional). */
export const MODEL_FILES = [
  'config.json',
  'model.safetensors',
  'tokenizer.json',
  'value_head.safetensors',
  'tokenizer_config.json',
  'generation_config.json',
] as const;

/** The files every model checkpoint has (the rest of MODEL_FILES may be missing). */
export const REQUIRED_MODEL_FILES: readonly string[] = MODEL_FILES.slice(0, 3);

/** What a resumable checkpoint holds besides the model (the runner writes them). */
export const RESUME_FILES = ['runner_state.json', 'reference.safetensors', 'optimizer.safetensors'] as const;

export const SIZE_PRESETS = {
  nano: { hiddenSize: 64, intermediateSize: 176, numLayers: 2, numHeads: 4 },
  micro: { hiddenSize: 128, intermediateSize: 352, numLayers: 4, numHeads: 4 },
  mini: { hiddenSize: 256, intermediateSize: 688, numLayers: 6, numHeads: 8 },
} as const;
export type SizePreset = keyof typeof SIZE_PRESETS;
export const SIZE_NAMES = Object.keys(SIZE_PRESETS) as SizePreset[];

/** The four numbers that shape a model (its vocabulary is the tokenizer's). */
export interface Dimensions {
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
}

const sameShape = (a: Dimensions, b: Dimensions): boolean =>
  a.hiddenSize === b.hiddenSize &&
  a.intermediateSize === b.intermediateSize &&
  a.numLayers === b.numLayers &&
  a.numHeads === b.numHeads;

/** A shape in words: its preset's name, or its dimensions. */
export function describeShape(s: Dimensions): string {
  const dims = `${s.numLayers} layers, ${s.hiddenSize} wide, ${s.numHeads} heads`;
  const named = SIZE_NAMES.find((n) => sameShape(SIZE_PRESETS[n], s));
  return named ? `${named} (${dims})` : dims;
}

/**
 * Why a config's `size` does not describe a model loaded from a checkpoint, or null when it does.
 * A loaded model keeps its own shape; `size` only shapes a model made from scratch.
 */
export function sizeMismatch(
  size: SizePreset | Dimensions,
  loaded: Dimensions,
  source: string,
): string | null {
  const asked = typeof size === 'string' ? SIZE_PRESETS[size] : size;
  if (sameShape(asked, loaded)) return null;
  return `note: the model is ${source}'s, ${describeShape(loaded)}; the config's size, ${describeShape(asked)}, applies only to a model made from scratch`;
}

/** The largest model the lab builds or loads (weights, tied embeddings counted once). */
export const MAX_PARAMETERS = 200_000_000;

export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** What the parameter count depends on (a ModelConfig has these and more). */
export interface ModelShape {
  vocabSize: number;
  hiddenSize: number; // D
  intermediateSize: number; // F
  numLayers: number; // L
}

/** Why attention cannot be built with these sizes, or null: D must split into heads of even size. */
export function headProblem(hiddenSize: number, numHeads: number): string | null {
  if (hiddenSize % numHeads !== 0) return `hiddenSize ${hiddenSize} is not divisible by numHeads ${numHeads}`;
  const headDim = hiddenSize / numHeads;
  if (headDim % 2 !== 0)
    return `head_dim (hiddenSize / numHeads = ${headDim}) must be even: rotary positions rotate pairs`;
  return null;
}

/** Parameter names and shapes, in Hugging Face order. */
export function parameterShapes(c: ModelShape, withValueHead: boolean): [string, number[]][] {
  const D = c.hiddenSize;
  const F = c.intermediateSize;
  const shapes: [string, number[]][] = [['model.embed_tokens.weight', [c.vocabSize, D]]];
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`;
    shapes.push(
      [`${p}.input_layernorm.weight`, [D]],
      [`${p}.self_attn.q_proj.weight`, [D, D]],
      [`${p}.self_attn.k_proj.weight`, [D, D]],
      [`${p}.self_attn.v_proj.weight`, [D, D]],
      [`${p}.self_attn.o_proj.weight`, [D, D]],
      [`${p}.post_attention_layernorm.weight`, [D]],
      [`${p}.mlp.gate_proj.weight`, [F, D]],
      [`${p}.mlp.up_proj.weight`, [F, D]],
      [`${p}.mlp.down_proj.weight`, [D, F]],
    );
  }
  shapes.push(['model.norm.weight', [D]]);
  if (withValueHead) shapes.push(['value_head.weight', [1, D]], ['value_head.bias', [1]]);
  return shapes;
}

export function countParameters(c: ModelShape, withValueHead = false): number {
  return parameterShapes(c, withValueHead).reduce((n, [, shape]) => n + shape.reduce((a, b) => a * b, 1), 0);
}

/** The backend probe's pass (model/probe.ts): a batch shaped like a PPO minibatch of the default
 * run (8 × 48). Here, free of tfjs, so that the page can scale the probe's time without loading it. */
export const PROBE_BATCH = 8;
export const PROBE_LENGTH = 48;
/** Tokens in one probed pass. */
export const PROBE_TOKENS = PROBE_BATCH * PROBE_LENGTH;
