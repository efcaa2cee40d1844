import { Command, Option } from 'commander';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { formatPrompt, type PromptFormat } from '../../countdown';
import { Rng } from '../../util/rng';
import {
  BACKENDS,
  countParameters,
  describeBackend,
  modelConfig,
  sample,
  saveCheckpoint,
  selectBackend,
  SIZE_NAMES,
  Transformer,
  type BackendName,
  type ModelConfig,
  type SizePreset,
} from '../../model';
import { writeFolder } from '../../model/node-files';
import {
  jsonlWriter,
  outputFolder,
  parseIntList,
  parseIntOption,
  parseNumberOption,
  UsageError,
} from '../io';
import { loadModelOption } from '../checkpoints';
import { labTokenizer } from '../../behaviors/vocabulary';

const backendOption = () =>
  new Option('--backend <name>', 'TensorFlow.js backend (auto tries webgpu, webgl, wasm, cpu)')
    .choices(['auto', ...BACKENDS])
    .default('auto');

/** A number option that must be above 0 (a temperature): a usage error naming it otherwise. */
const positive = (x: number, option: string): number => {
  if (!(x > 0))
    throw new UsageError(
      `${option} must be above 0, got ${x} (for the most likely token every time, use --greedy)`,
    );
  return x;
};

export function initCommand(): Command {
  return new Command('init')
    .description('Write a fresh, randomly initialized model as a Hugging Face-style checkpoint folder')
    .addOption(new Option('--size <size>', 'model size').choices(SIZE_NAMES).default('nano'))
    .option('--seed <int>', 'random seed for the weights', '0')
    .requiredOption('--out <dir>', 'checkpoint folder to write')
    .option('--hidden <n>', 'custom: hidden size (overrides --size)')
    .option('--layers <n>', 'custom: number of layers')
    .option('--heads <n>', 'custom: attention heads')
    .option('--ffn <n>', 'custom: SwiGLU width')
    .addOption(
      new Option('--dtype <dtype>', 'weight precision in model.safetensors')
        .choices(['f32', 'f16'])
        .default('f32'),
    )
    .addOption(backendOption())
    .addHelpText(
      'after',
      '\nSizes: nano (~0.12M parameters), micro (~0.85M), mini (~4.8M).\n\nExample:\n  habits-lab init --size nano --seed 1 --out runs/nano',
    )
    .action(async (opts) => {
      const report = await selectBackend(opts.backend as BackendName | 'auto');
      const tokenizer = labTokenizer();
      const custom: Partial<ModelConfig> = {};
      if (opts.hidden !== undefined) custom.hiddenSize = parseIntOption(opts.hidden, '--hidden', 2, 4096);
      if (opts.layers !== undefined) custom.numLayers = parseIntOption(opts.layers, '--layers', 1, 64);
      if (opts.heads !== undefined) custom.numHeads = parseIntOption(opts.heads, '--heads', 1, 64);
      if (opts.ffn !== undefined) custom.intermediateSize = parseIntOption(opts.ffn, '--ffn', 1, 65536);
      let config: ModelConfig;
      try {
        config =
          Object.keys(custom).length > 0
            ? modelConfig(tokenizer.size, {
                ...modelConfig(tokenizer.size, opts.size as SizePreset),
                ...custom,
              })
            : modelConfig(tokenizer.size, opts.size as SizePreset);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const seed = parseIntOption(opts.seed, '--seed', 0, 2 ** 32 - 1);
      const out = outputFolder(opts.out, '--out');
      const model = Transformer.init(config, seed);
      const files = await saveCheckpoint(
        model,
        tokenizer,
        { made_by: 'habits-lab init', size: opts.size, seed, prompt_format: 'compact' },
        opts.dtype === 'f16' ? 'F16' : 'F32',
      );
      // An export of the model this replaces would otherwise be surveyed in its place.
      const staleOnnx = join(out, 'onnx', 'model.onnx');
      if (existsSync(staleOnnx)) {
        rmSync(staleOnnx);
        process.stderr.write(`removed ${staleOnnx}: it was an export of the model this replaces\n`);
      }
      writeFolder(out, files);
      model.dispose();
      process.stderr.write(
        `wrote ${opts.out}: ${countParameters(config, true)} parameters (${describeBackend(report)})\n`,
      );
    });
}

export function sampleCommand(): Command {
  return new Command('sample')
    .description('Sample completions from a checkpoint for one Countdown problem')
    .requiredOption('--model <dir>', 'checkpoint folder')
    .requiredOption('--numbers <list>', 'the numbers, e.g. 3,7,25')
    .requiredOption('--target <n>', 'the target')
    .option('--greedy', 'always take the most likely token')
    .option('--n <k>', 'how many completions', '1')
    .option('--seed <int>', 'sampling seed', '0')
    .option('--max-new-tokens <n>', 'most tokens per completion', '200')
    .option('--temperature <t>', 'softmax temperature', '1')
    .option('--top-k <k>', 'sample from the k most likely tokens (0: all)', '0')
    .addOption(
      new Option(
        '--prompt <format>',
        'prompt format (default: the one the checkpoint was trained with)',
      ).choices(['compact', 'tinyzero']),
    )
    .option('--json', 'one JSON object per completion: {prompt, prompt_ids, completion, completion_ids}')
    .addOption(backendOption())
    .addHelpText(
      'after',
      '\nExample:\n  habits-lab sample --model runs/nano --numbers 3,7,25 --target 46 --greedy --json',
    )
    .action(async (opts) => {
      const report = await selectBackend(opts.backend as BackendName | 'auto');
      const { model, tokenizer, meta } = loadModelOption(opts.model);
      const numbers = parseIntList(opts.numbers, '--numbers');
      const target = parseIntOption(opts.target, '--target');
      const n = parseIntOption(opts.n, '--n', 1, 1024);
      const format = (opts.prompt ??
        (meta.prompt_format === 'tinyzero' ? 'tinyzero' : 'compact')) as PromptFormat;
      const prompt = formatPrompt({ numbers, target }, format);
      const promptIds = tokenizer.encode(prompt);
      if (!tokenizer.covers(prompt))
        throw new UsageError('the prompt has words this tokenizer does not know');
      if (promptIds.length >= model.config.maxPositions)
        throw new UsageError(
          `the prompt is ${promptIds.length} tokens, which leaves no room in the model's ${model.config.maxPositions} positions`,
        );
      const maxNewTokens = parseIntOption(
        opts.maxNewTokens,
        '--max-new-tokens',
        1,
        model.config.maxPositions - promptIds.length,
      );
      const r = await sample(
        model,
        Array.from({ length: n }, () => promptIds),
        {
          maxNewTokens,
          eosId: tokenizer.eosId,
          padId: tokenizer.padId,
          greedy: Boolean(opts.greedy),
          temperature: positive(parseNumberOption(opts.temperature, '--temperature'), '--temperature'),
          topK: parseIntOption(opts.topK, '--top-k', 0),
        },
        new Rng(parseIntOption(opts.seed, '--seed', 0, 2 ** 32 - 1)).fork('sample'),
      );
      const out = jsonlWriter();
      for (const ids of r.tokens) {
        const completion = tokenizer.decode(ids);
        if (opts.json) await out.write({ prompt, prompt_ids: promptIds, completion, completion_ids: ids });
        else process.stdout.write(`${completion}\n${n > 1 ? '---\n' : ''}`);
      }
      model.dispose();
      process.stderr.write(`${describeBackend(report)}\n`);
    });
}
