import { Command, Option } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { BEHAVIORS } from '../../behaviors';
import { PRESET_NAMES, type PresetName, type RewardMode } from '../../countdown';
import { runSurvey, type SurveyOptions, type SurveyResult } from '../../lab';
import { HfCompleter, loadHfModel, type HfSource } from '../../model/hf-completer';
import { outputFolder, parseIntOption, UsageError } from '../io';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** A results table, one row per model (the numbers behind the "tale of two models" chart). */
export function surveyTable(results: SurveyResult[]): string {
  const head = ['model', 'accuracy', 'format', ...BEHAVIORS, 'chars'];
  const rows = results.map((r) => [
    r.model,
    pct(r.accuracy),
    pct(r.formatRate),
    ...BEHAVIORS.map((b) => r.behaviors.mean[b].toFixed(2)),
    r.meanChars.toFixed(0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
}

function sourceFor(model: string, hub: boolean): HfSource {
  if (hub) return { kind: 'hub', id: model };
  const dir = resolve(model);
  if (!existsSync(dir)) {
    throw new UsageError(
      `${model} is not a folder here. To download a model from the Hugging Face Hub, pass --hub (this makes network requests).`,
    );
  }
  if (!statSync(dir).isDirectory()) throw new UsageError(`${model} is a file, not a model folder`);
  if (!existsSync(join(dir, 'onnx', 'model.onnx'))) {
    throw new UsageError(
      `${model} has no onnx/model.onnx. A lab checkpoint must be exported first:\n  habits-lab export --format onnx --model ${model} --out ${model}-onnx`,
    );
  }
  const missing = ['config.json', 'tokenizer.json'].filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0)
    throw new UsageError(
      `${model} has no ${missing.join(' or ')}: not a model folder (a lab export has both)`,
    );
  return { kind: 'local', root: dirname(dir), name: basename(dir) };
}

export function surveyCommand(): Command {
  return new Command('survey')
    .description(
      'Which models already show the four habits? Sample K completions for M problems and score them',
    )
    .requiredOption(
      '--model <dir...>',
      'transformers.js model folder(s) (config.json, tokenizer.json, onnx/model.onnx)',
    )
    .option('--n <m>', 'problems (M)', '20')
    .option('--k <k>', 'completions per problem (K)', '2')
    .addOption(new Option('--preset <name>', 'problem preset').choices(PRESET_NAMES).default('paper'))
    .addOption(new Option('--reward <mode>', 'reward').choices(['tinyzero', 'strict']).default('tinyzero'))
    .option('--seed <int>', 'problem and sampling seed', '0')
    .option(
      '--max-new-tokens <n>',
      'most tokens per completion (fewer where the model reads fewer positions after the prompt)',
      '256',
    )
    .addOption(
      new Option('--dtype <dtype>', 'ONNX weights to load')
        .choices(['fp32', 'fp16', 'q8', 'q4'])
        .default('fp32'),
    )
    .option('--hub', 'treat --model as a Hugging Face Hub id and download it (network)')
    .option('--out <dir>', 'write <model>.survey.json per model (the lab UI imports these)')
    .addHelpText(
      'after',
      '\nNothing is downloaded unless --hub is given.\n\nExamples:\n' +
        '  habits-lab export --format onnx --model runs/nano --out exported/nano\n' +
        '  habits-lab survey --model exported/nano --n 20 --k 2 --out surveys\n' +
        '  habits-lab survey --hub --model onnx-community/Qwen2.5-0.5B --dtype q8 --n 10 --k 1',
    )
    .action(async (opts) => {
      const options: SurveyOptions = {
        problems: parseIntOption(opts.n, '--n', 1, 100_000),
        samples: parseIntOption(opts.k, '--k', 1, 1000),
        preset: opts.preset as PresetName,
        seed: parseIntOption(opts.seed, '--seed', 0, 2 ** 32 - 1),
        rewardMode: opts.reward as RewardMode,
      };
      const maxNewTokens = parseIntOption(opts.maxNewTokens, '--max-new-tokens', 1, 8192);
      const outDir = opts.out === undefined ? undefined : outputFolder(opts.out, '--out');
      const sources = (opts.model as string[]).map((m) => sourceFor(m, Boolean(opts.hub)));
      // Results are named after the model: two of one name would share a row and a file.
      const names = sources.map((s) => (s.kind === 'hub' ? s.id : s.name));
      const twice = names.find((n, i) => names.indexOf(n) !== i);
      if (twice !== undefined)
        throw new UsageError(
          `two models are named "${twice}"; their results would share one row and one file: copy one to a folder of another name`,
        );
      const results: SurveyResult[] = [];
      for (const source of sources) {
        const hf = await loadHfModel({ source, device: 'cpu', dtype: opts.dtype });
        const bar = new SingleBar(
          {
            format: `${hf.name.padEnd(12)} |{bar}| {value}/{total} problems {info}`,
            stream: process.stderr,
            hideCursor: true,
          },
          Presets.shades_classic,
        );
        bar.start(options.problems, 0, { info: '' });
        let correct = 0;
        let seen = 0;
        try {
          const result = await runSurvey(
            hf.name,
            new HfCompleter(hf, { maxNewTokens, seed: options.seed }),
            options,
            {
              onProgress: (done, _total, latest) => {
                seen += latest.length;
                correct += latest.filter((c) => c.correct).length;
                bar.update(done, { info: `accuracy ${pct(correct / seen)}` });
              },
            },
          );
          results.push(result);
          if (outDir) {
            mkdirSync(outDir, { recursive: true });
            const file = join(outDir, `${hf.name.replace(/[^\w.-]+/g, '_')}.survey.json`);
            writeFileSync(file, `${JSON.stringify(result, null, 1)}\n`);
            process.stderr.write(`\nwrote ${file}\n`);
          }
        } finally {
          bar.stop();
          await hf.dispose();
        }
      }
      process.stdout.write(`${surveyTable(results)}\n`);
    });
}
