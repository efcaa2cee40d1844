// The policy model: tokenizer, transformer, sampling, checkpoints, backends.
export * from './pretokenize';
export * from './tokenizer';
export * from './transformer';
export * from './sampling';
export * from './safetensors';
export * from './checkpoint';
export * from './backend';
export * from './logprobs';
export * from './onnx-export';
export * from './checkpoint-ref';
