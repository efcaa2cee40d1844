import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { formatPrompt, generateProblems, problemSpec, type PromptFormat } from '../../countdown';
import { Rng } from '../../util/rng';
import {
  loadCheckpoint,
  sample,
  selectBackend,
  transformersJsFolder,
  type CheckpointFiles,
} from '../../model';
import { HfCompleter, loadHfModel } from '../../model/hf-completer';
import { readFolder, writeFolder } from '../../model/node-files';
import { outputFolder, parseIntOption, UsageError } from '../io';
import { checkpointFolder } from '../checkpoints';

export interface ParityReport {
  prompts: number;
  identical: number;
  tokens: number;
  firstMismatch?: { prompt: string; tfjs: number[]; onnx: number[] };
}

/**
 * Greedy completions of the tfjs checkpoint and of its ONNX export in transformers.js, compared
 * token for token on a few Countdown prompts.
 */
export async function checkOnnxParity(
  files: CheckpointFiles,
  exportedDir: string,
  prompts: number,
  maxNewTokens: number,
): Promise<ParityReport> {
  const { model, tokenizer, meta } = loadCheckpoint(files);
  const format: PromptFormat = meta.prompt_format === 'tinyzero' ? 'tinyzero' : 'compact';
  // The easy preset has a few hundred test problems; a larger --check checks them all.
  const problems = generateProblems(problemSpec('easy'), {
    n: prompts,
    seed: 7,
    split: 'test',
    allowFewer: true,
  });
  const hf = await loadHfModel({
    source: { kind: 'local', root: dirname(resolve(exportedDir)), name: basename(resolve(exportedDir)) },
  });
  const completer = new HfCompleter(hf, { maxNewTokens, seed: 0 });
  const report: ParityReport = { prompts: problems.length, identical: 0, tokens: 0 };
  try {
    for (const p of problems) {
      const prompt = formatPrompt(p, format);
      const ids = tokenizer.encode(prompt);
      const budget = Math.min(maxNewTokens, model.config.maxPositions - ids.length);
      const ours = (
        await sample(
          model,
          [ids],
          { maxNewTokens: budget, eosId: tokenizer.eosId, padId: tokenizer.padId, greedy: true },
          new Rng(0),
        )
      ).tokens[0];
      const theirs = (await completer.greedyIds(prompt, budget)).slice(0, ours.length + 1);
      // transformers.js pads a finished row; compare up to and including our eos.
      const same = ours.length <= theirs.length && ours.every((t, i) => t === theirs[i]);
      if (same) report.identical++;
      else report.firstMismatch ??= { prompt, tfjs: ours, onnx: theirs };
      report.tokens += ours.length;
    }
  } finally {
    model.dispose();
    await hf.dispose();
  }
  return report;
}

export function exportCommand(): Command {
  return new Command('export')
    .description('Export a lab checkpoint for other runtimes (ONNX, laid out as transformers.js expects)')
    .addOption(new Option('--format <format>', 'what to write').choices(['onnx']).default('onnx'))
    .requiredOption('--model <dir>', 'lab checkpoint folder (config.json, model.safetensors, tokenizer.json)')
    .requiredOption('--out <dir>', 'folder to write: the checkpoint files plus onnx/model.onnx')
    .option(
      '--check <n>',
      "compare greedy completions of tfjs and transformers.js on n problems (0: skip; at most the easy preset's test problems)",
      '3',
    )
    .option('--max-new-tokens <n>', 'tokens per greedy completion in the check', '64')
    .addHelpText(
      'after',
      '\nThe folder loads in transformers.js (AutoModelForCausalLM, text-generation) and still loads in the lab.\n\n' +
        'Example:\n  habits-lab export --format onnx --model runs/nano --out exported/nano\n' +
        '  habits-lab survey --model exported/nano --n 20 --k 2',
    )
    .action(async (opts) => {
      await selectBackend('cpu');
      const checks = parseIntOption(opts.check, '--check', 0, 1000);
      const maxNewTokens = parseIntOption(opts.maxNewTokens, '--max-new-tokens', 1, 4096);
      outputFolder(opts.out, '--out');
      const files = readFolder(checkpointFolder(opts.model));
      if (files.size === 0) throw new UsageError(`${opts.model} holds no checkpoint files`);
      let exported: CheckpointFiles;
      try {
        // The whole checkpoint is validated (tokenizer, shapes, finite weights) before anything is written.
        loadCheckpoint(files).model.dispose();
        exported = transformersJsFolder(files);
      } catch (err) {
        throw new UsageError(`${opts.model}: ${(err as Error).message}`);
      }
      if (existsSync(resolve(opts.out, 'onnx', 'model.onnx')))
        process.stderr.write(`replacing ${resolve(opts.out, 'onnx', 'model.onnx')}\n`);
      // The lab's own files stay too, so the folder is both a lab checkpoint and a transformers.js model.
      writeFolder(opts.out, new Map([...files, ...exported]));
      const onnxBytes = exported.get('onnx/model.onnx')?.length ?? 0;
      process.stdout.write(`wrote ${opts.out}/onnx/model.onnx (${(onnxBytes / 1e6).toFixed(2)} MB)\n`);
      if (checks > 0) {
        const r = await checkOnnxParity(files, opts.out, checks, maxNewTokens);
        process.stdout.write(
          `greedy check: ${r.identical}/${r.prompts} problems identical token for token in tfjs and transformers.js (${r.tokens} tokens)\n`,
        );
        if (r.firstMismatch) {
          process.stderr.write(
            `first mismatch on ${JSON.stringify(r.firstMismatch.prompt)}:\n  tfjs ${r.firstMismatch.tfjs.join(',')}\n  onnx ${r.firstMismatch.onnx.join(',')}\n`,
          );
          process.exitCode = 1;
        }
      }
    });
}
