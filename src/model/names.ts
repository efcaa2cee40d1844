// Names the page needs without loading TensorFlow.js: model sizes and backends.

export const SIZE_PRESETS = {
  nano: { hiddenSize: 64, intermediateSize: 176, numLayers: 2, numHeads: 4 },
  micro: { hiddenSize: 128, intermediateSize: 352, numLayers: 4, numHeads: 4 },
  mini: { hiddenSize: 256, intermediateSize: 688, numLayers: 6, numHeads: 8 },
} as const;
export type SizePreset = keyof typeof SIZE_PRESETS;
export const SIZE_NAMES = Object.keys(SIZE_PRESETS) as SizePreset[];

/** The largest model the lab builds or loads (weights, tied embeddings counted once). */
export const MAX_PARAMETERS = 200_000_000;

export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
