// The same experiment for veRL/TinyZero at real scale: Countdown RL rows exactly as TinyZero's
// examples/data_preprocess/countdown.py writes them, SFT rows as the paper's scripts/sft.sh reads them,
// and launch scripts whose overrides come from the lab's config. One builder for both hosts: the CLI
// writes the files to a folder, the page zips them.

import { parquetWriteBuffer } from 'hyparquet-writer';
import { CONDITIONS, primeData, type Condition } from '../behaviors';
import {
  generateProblems,
  PRESET_NAMES,
  problemSpec,
  tinyzeroPrompt,
  type PresetName,
  type Problem,
  type ProblemSpec,
} from '../countdown';
import { SftSchema, type ExperimentConfig } from './config';
import { pickTraceOptions } from './trace-options';

/** The paper's policy model (paper-facts.md §1). */
export const DEFAULT_VERL_MODEL = 'Qwen/Qwen2.5-3B';
/** The paper's prompt budget in tokens (TinyZero's data.max_prompt_length). */
export const PAPER_MAX_PROMPT_LENGTH = 256;
/** The paper's SFT sequence budget (scripts/sft.sh data.max_length). */
export const PAPER_SFT_MAX_LENGTH = 2048;

/** Where the problems come from: the experiment's own world, or one of the presets at any size. */
export type VerlWorld = 'experiment' | PresetName;
export const VERL_WORLDS: VerlWorld[] = ['experiment', ...PRESET_NAMES];

export interface VerlExportOptions {
  config: ExperimentConfig;
  world?: VerlWorld;
  /** RL training prompts (default: the run's steps x prompts per step, each seen once). */
  trainSize?: number;
  /** RL test prompts (default: the run's eval.problems). */
  testSize?: number;
  /** Priming conditions to export SFT data for (default: the config's own, if it primes). */
  conditions?: Condition[];
  /** Hugging Face model id or path the scripts train (default the paper's Qwen2.5-3B). */
  model?: string;
  /** Files of a lab checkpoint to ship under model/ (the scripts then default to it). */
  checkpoint?: Map<string, Uint8Array>;
}

/** One row of TinyZero's Countdown parquet (target and nums are the source dataset's own columns). */
export interface TinyZeroRow {
  target: number;
  nums: number[];
  data_source: 'countdown';
  prompt: { role: 'user'; content: string }[];
  ability: 'math';
  reward_model: { style: 'rule'; ground_truth: { target: number; numbers: number[] } };
  extra_info: { split: 'train' | 'test'; index: number };
}

export function tinyzeroRow(p: Problem, split: 'train' | 'test', index: number): TinyZeroRow {
  return {
    target: p.target,
    nums: [...p.numbers],
    data_source: 'countdown',
    prompt: [{ role: 'user', content: tinyzeroPrompt(p) }],
    ability: 'math',
    reward_model: { style: 'rule', ground_truth: { target: p.target, numbers: [...p.numbers] } },
    extra_info: { split, index },
  };
}

type Element = Record<string, unknown>;
// The parquet schema pyarrow writes for the rows TinyZero's datasets.map produces: every field
// optional, lists in the three-level LIST form, struct fields in the order of the Python dicts.
const opt = (name: string, rest: Element = {}): Element => ({ name, repetition_type: 'OPTIONAL', ...rest });
const int64 = (name: string) => opt(name, { type: 'INT64' });
const str = (name: string) => opt(name, { type: 'BYTE_ARRAY', converted_type: 'UTF8' });
const list = (name: string, element: Element[]): Element[] => [
  opt(name, { converted_type: 'LIST', num_children: 1 }),
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  ...element,
];
const struct = (name: string, fields: Element[][]): Element[] => [
  opt(name, { num_children: fields.length }),
  ...fields.flat(),
];

const RL_SCHEMA: Element[] = [
  { name: 'schema', num_children: 7 },
  int64('target'),
  ...list('nums', [int64('element')]),
  str('data_source'),
  ...list('prompt', struct('element', [[str('role')], [str('content')]])),
  str('ability'),
  ...struct('reward_model', [
    [str('style')],
    struct('ground_truth', [[int64('target')], list('numbers', [int64('element')])]),
  ]),
  ...struct('extra_info', [[str('split')], [int64('index')]]),
];

const big = (xs: readonly number[]) => xs.map((x) => BigInt(x));

/** TinyZero's Countdown rows as a parquet file. */
export function rlParquet(rows: readonly TinyZeroRow[]): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'target', data: rows.map((r) => BigInt(r.target)) },
      { name: 'nums', data: rows.map((r) => big(r.nums)) },
      { name: 'data_source', data: rows.map((r) => r.data_source) },
      { name: 'prompt', data: rows.map((r) => r.prompt) },
      { name: 'ability', data: rows.map((r) => r.ability) },
      {
        name: 'reward_model',
        data: rows.map((r) => ({
          style: r.reward_model.style,
          ground_truth: {
            target: BigInt(r.reward_model.ground_truth.target),
            numbers: big(r.reward_model.ground_truth.numbers),
          },
        })),
      },
      {
        name: 'extra_info',
        data: rows.map((r) => ({ split: r.extra_info.split, index: BigInt(r.extra_info.index) })),
      },
    ],
    schema: RL_SCHEMA as never,
  });
  return new Uint8Array(buffer);
}

/** SFT rows (prompt_key=query, response_key=completion) as a parquet file. */
export function sftParquet(rows: readonly { query: string; completion: string }[]): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'query', data: rows.map((r) => r.query) },
      { name: 'completion', data: rows.map((r) => r.completion) },
    ],
    schema: [{ name: 'schema', num_children: 2 }, str('query'), str('completion')] as never,
  });
  return new Uint8Array(buffer);
}

/** The problem world of an export: the experiment's preset and ranges, or a preset as it stands. */
export function exportSpec(config: ExperimentConfig, world: VerlWorld): ProblemSpec {
  return world === 'experiment' ? problemSpec(config.preset, config.ranges) : problemSpec(world);
}

/** The conditions exported by default: the config's priming condition, or a shipped one it loads. */
export function defaultConditions(config: ExperimentConfig): Condition[] {
  if (config.start.kind === 'prime') return [config.start.condition];
  if (config.start.kind === 'checkpoint') {
    const shipped = /^shipped:(.+)$/.exec(config.start.checkpoint)?.[1];
    if (shipped && (CONDITIONS as readonly string[]).includes(shipped)) return [shipped as Condition];
  }
  return [];
}

/** One lab setting and the veRL key it sets (or why none does). */
export interface VerlMapping {
  /** Which script the key belongs to. */
  stage: 'rl' | 'sft';
  lab: string;
  value: string;
  key: string | null;
  verl: string;
  note?: string;
}

const KL_PENALTY = { k1: 'kl', k3: 'low_var_kl' } as const;
const ADV_ESTIMATOR = { gae: 'gae', group: 'grpo' } as const;

/** Every lab setting beside the veRL override it maps to; rows with key null have no equivalent. */
export function verlMapping(
  config: ExperimentConfig,
  sizes: { train: number; test: number; sft?: { examples: number; heldOut: number } },
): VerlMapping[] {
  const rl = config.rl;
  const responses = rl.promptsPerStep * rl.samplesPerPrompt;
  const stepsPerEpoch = Math.max(1, Math.floor(sizes.train / rl.promptsPerStep));
  const m = (lab: string, value: unknown, key: string | null, verl: unknown, note?: string): VerlMapping => ({
    stage: 'rl',
    lab,
    value: String(value),
    key,
    verl: String(verl),
    note,
  });
  const rows: VerlMapping[] = [
    m('rl.steps', rl.steps, 'trainer.total_training_steps', rl.steps),
    m(
      'rl.steps',
      rl.steps,
      'trainer.total_epochs',
      Math.max(1, Math.ceil(rl.steps / stepsPerEpoch)),
      `enough passes over ${sizes.train} training prompts (the loader drops a last partial batch)`,
    ),
    m('rl.promptsPerStep', rl.promptsPerStep, 'data.train_batch_size', rl.promptsPerStep),
    m('rl.samplesPerPrompt', rl.samplesPerPrompt, 'actor_rollout_ref.rollout.n', rl.samplesPerPrompt),
    m(
      'rl.maxNewTokens',
      rl.maxNewTokens,
      'data.max_response_length',
      rl.maxNewTokens,
      'lab tokens are characters; a BPE token holds several',
    ),
    m('rl.temperature', rl.temperature, 'actor_rollout_ref.rollout.temperature', rl.temperature),
    m(
      'rl.lr',
      rl.lr,
      'actor_rollout_ref.actor.optim.lr',
      rl.lr,
      "tuned for the lab's tiny model; the paper used 1e-6",
    ),
    m(
      'rl.lr',
      rl.lr,
      'critic.optim.lr',
      Number((rl.lr * 10).toPrecision(12)),
      "veRL's critic is a separate network; 10x the actor's, the paper's ratio",
    ),
    m(
      'rl.klCoef',
      rl.klCoef,
      'algorithm.kl_ctrl.kl_coef',
      rl.klCoef,
      'a fixed KL penalty inside the reward, as the lab',
    ),
    m('rl.klEstimator', rl.klEstimator, 'algorithm.kl_penalty', KL_PENALTY[rl.klEstimator]),
    m('rl.advantage', rl.advantage, 'algorithm.adv_estimator', ADV_ESTIMATOR[rl.advantage]),
    m('rl.gamma', rl.gamma, 'algorithm.gamma', rl.gamma),
    m('rl.lambda', rl.lambda, 'algorithm.lam', rl.lambda),
    m('rl.clip', rl.clip, 'actor_rollout_ref.actor.clip_ratio', rl.clip),
    m('rl.valueClip', rl.valueClip, 'critic.cliprange_value', rl.valueClip),
    m('rl.entropyCoef', rl.entropyCoef, 'actor_rollout_ref.actor.entropy_coeff', rl.entropyCoef),
    m('rl.gradClip', rl.gradClip, 'actor_rollout_ref.actor.grad_clip', rl.gradClip),
    m('rl.gradClip', rl.gradClip, 'critic.grad_clip', rl.gradClip),
    m(
      'rl.epochs',
      rl.epochs,
      'actor_rollout_ref.actor.ppo_epochs',
      rl.epochs,
      'the critic follows the actor',
    ),
    m(
      'rl.minibatches',
      rl.minibatches,
      'actor_rollout_ref.actor.ppo_mini_batch_size',
      Math.max(1, Math.floor(rl.promptsPerStep / rl.minibatches)),
      'counted in prompts: veRL multiplies it by rollout.n for the actor',
    ),
    m(
      'rl.minibatches',
      rl.minibatches,
      'critic.ppo_mini_batch_size',
      Math.max(1, Math.floor(responses / rl.minibatches)),
      "counted in responses: veRL does not multiply the critic's by rollout.n",
    ),
    m(
      'rl.normalizeAdvantages',
      rl.normalizeAdvantages,
      null,
      'always on',
      'veRL whitens GAE advantages over the batch',
    ),
    m(
      'rl.valueCoef',
      rl.valueCoef,
      null,
      '-',
      "veRL's critic has its own optimizer; no shared loss to weight",
    ),
    m(
      'rl.rewardMode',
      rl.rewardMode,
      null,
      'tinyzero',
      "veRL scores data_source 'countdown' with TinyZero's compute_score",
    ),
    m(
      'rl.formatScore',
      rl.formatScore,
      null,
      0.1,
      "compute_score's default; change it in verl/utils/reward_score/countdown.py",
    ),
    m('eval.every', config.eval.every, 'trainer.test_freq', config.eval.every > 0 ? config.eval.every : -1),
    m('eval.every', config.eval.every, '+trainer.val_before_train', config.eval.every > 0 ? 'True' : 'False'),
    m(
      'eval.problems',
      config.eval.problems,
      'data.val_batch_size',
      sizes.test,
      'rows of rl/test.parquet, all in one batch',
    ),
    m(
      'eval.greedy / eval.sampled',
      `${config.eval.greedy} / ${config.eval.sampled}`,
      null,
      'greedy',
      "veRL's validation decodes greedily (do_sample False)",
    ),
    m('eval.samples', config.eval.samples, null, 1, "veRL's validation answers each test prompt once"),
    m(
      'checkpointEvery',
      config.checkpointEvery,
      'trainer.save_freq',
      config.checkpointEvery > 0 ? config.checkpointEvery : -1,
    ),
    m(
      'seed',
      config.seed,
      null,
      '-',
      'picks the exported problems and traces; veRL shuffles with its own seed',
    ),
    m(
      'promptFormat',
      config.promptFormat,
      'data.prompt_key',
      'prompt',
      'always TinyZero\'s base template: its reward needs the "Assistant:" it contains',
    ),
    m(
      'size / backend',
      typeof config.size === 'string' ? config.size : 'custom',
      'actor_rollout_ref.model.path',
      'MODEL',
      'the model the scripts train',
    ),
    m('(none)', '-', 'data.max_prompt_length', PAPER_MAX_PROMPT_LENGTH, "the paper's budget"),
  ];
  if (sizes.sft) {
    // A run that loads a primed checkpoint has no SFT settings of its own: the lab's defaults stand in.
    const own = config.start.kind === 'prime';
    const sft = own && config.start.kind === 'prime' ? config.start.sft : SftSchema.parse({});
    const lab = (k: string) => (own ? `start.${k}` : `start.${k} (default)`);
    const { examples, heldOut } = sizes.sft;
    const sftRows = [
      m(
        lab('examples'),
        examples,
        null,
        `${examples - heldOut} + ${heldOut} rows`,
        'sft/<condition>/train.parquet + test.parquet',
      ),
      m(
        lab('sft.heldOut'),
        sft.heldOut,
        'data.val_files',
        'sft/<condition>/test.parquet',
        'the last share of the examples',
      ),
      m(lab('sft.epochs'), sft.epochs, 'trainer.total_epochs', sft.epochs),
      m(lab('sft.lr'), sft.lr, 'optim.lr', sft.lr, "tuned for the lab's tiny model; the paper used 1e-5"),
      m(lab('sft.batchSize'), sft.batchSize, 'data.train_batch_size', sft.batchSize),
      m(lab('sft.warmup'), sft.warmup, 'optim.warmup_steps_ratio', sft.warmup),
      m(lab('sft.weightDecay'), sft.weightDecay, 'optim.weight_decay', sft.weightDecay),
      m(lab('sft.gradClip'), sft.gradClip, 'optim.clip_grad', sft.gradClip),
      m('(none)', '-', 'data.max_length', PAPER_SFT_MAX_LENGTH, "the paper's budget"),
    ];
    rows.push(...sftRows.map((r) => ({ ...r, stage: 'sft' as const })));
  }
  return rows;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const overrides = (rows: VerlMapping[], keys: string[], sft = false) =>
  keys.map((k) => {
    const row = rows.find((r) => r.key === k && r.stage === (sft ? 'sft' : 'rl'));
    if (!row) throw new Error(`no mapping for ${k}`);
    return `  ${k}=${row.verl} \\`;
  });

const PPO_KEYS = [
  'data.train_batch_size',
  'data.max_prompt_length',
  'data.max_response_length',
  'actor_rollout_ref.rollout.n',
  'actor_rollout_ref.rollout.temperature',
  'actor_rollout_ref.actor.optim.lr',
  'actor_rollout_ref.actor.ppo_mini_batch_size',
  'actor_rollout_ref.actor.ppo_epochs',
  'actor_rollout_ref.actor.clip_ratio',
  'actor_rollout_ref.actor.entropy_coeff',
  'actor_rollout_ref.actor.grad_clip',
  'critic.optim.lr',
  'critic.ppo_mini_batch_size',
  'critic.cliprange_value',
  'critic.grad_clip',
  'algorithm.adv_estimator',
  'algorithm.gamma',
  'algorithm.lam',
  'algorithm.kl_penalty',
  'algorithm.kl_ctrl.kl_coef',
  'trainer.total_training_steps',
  'trainer.total_epochs',
  'trainer.test_freq',
  '+trainer.val_before_train',
  'trainer.save_freq',
];
const SFT_KEYS = [
  'data.train_batch_size',
  'data.max_length',
  'optim.lr',
  'optim.warmup_steps_ratio',
  'optim.weight_decay',
  'optim.clip_grad',
  'trainer.total_epochs',
];

function header(model: string, name: string): string[] {
  return [
    '#!/usr/bin/env bash',
    `# Exported by habits-lab export-verl from the experiment "${name}" (see README.md beside it).`,
    '# Extra arguments are appended as further overrides (the last one of a key wins).',
    'set -euo pipefail',
    'HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"',
    `MODEL="\${MODEL:-${model}}"`,
    'N_GPUS="${N_GPUS:-1}"',
  ];
}

export function ppoScript(config: ExperimentConfig, rows: VerlMapping[], model: string): string {
  const val = rows.find((r) => r.key === 'data.val_batch_size')!.verl;
  return [
    ...header(model, config.name),
    'ROLLOUT_TP_SIZE="${ROLLOUT_TP_SIZE:-1}"',
    'MICRO_BATCH="${MICRO_BATCH:-4}"',
    `EXPERIMENT_NAME="\${EXPERIMENT_NAME:-${config.name.replace(/[^A-Za-z0-9_.-]/g, '_')}}"`,
    '',
    'python3 -m verl.trainer.main_ppo \\',
    '  data.train_files="$HERE/rl/train.parquet" \\',
    '  data.val_files="$HERE/rl/test.parquet" \\',
    `  data.val_batch_size=${val} \\`,
    '  actor_rollout_ref.model.path="$MODEL" \\',
    '  critic.model.path="$MODEL" \\',
    ...overrides(rows, PPO_KEYS),
    '  actor_rollout_ref.actor.ppo_micro_batch_size="$MICRO_BATCH" \\',
    '  actor_rollout_ref.rollout.log_prob_micro_batch_size="$MICRO_BATCH" \\',
    '  actor_rollout_ref.ref.log_prob_micro_batch_size="$MICRO_BATCH" \\',
    '  critic.ppo_micro_batch_size="$MICRO_BATCH" \\',
    '  actor_rollout_ref.rollout.tensor_model_parallel_size="$ROLLOUT_TP_SIZE" \\',
    '  actor_rollout_ref.rollout.gpu_memory_utilization=0.4 \\',
    `  trainer.logger="['console']" \\`,
    '  trainer.default_hdfs_dir=null \\',
    '  trainer.n_gpus_per_node="$N_GPUS" \\',
    '  trainer.nnodes=1 \\',
    '  trainer.project_name=habits-lab \\',
    '  trainer.experiment_name="$EXPERIMENT_NAME" \\',
    '  trainer.default_local_dir="$HERE/checkpoints/ppo/$EXPERIMENT_NAME" \\',
    '  "$@"',
    '',
  ].join('\n');
}

export function sftScript(
  config: ExperimentConfig,
  rows: VerlMapping[],
  model: string,
  conditions: Condition[],
): string {
  return [
    ...header(model, config.name),
    'MICRO_BATCH="${MICRO_BATCH:-8}"',
    `CONDITIONS=(${conditions.map(quote).join(' ')})`,
    '',
    'for condition in "${CONDITIONS[@]}"; do',
    '  torchrun --nproc_per_node="$N_GPUS" -m verl.trainer.fsdp_sft_trainer \\',
    '    data.train_files="$HERE/sft/$condition/train.parquet" \\',
    '    data.val_files="$HERE/sft/$condition/test.parquet" \\',
    '    data.prompt_key=query \\',
    '    data.response_key=completion \\',
    '    data.micro_batch_size="$MICRO_BATCH" \\',
    '    model.partial_pretrain="$MODEL" \\',
    ...overrides(rows, SFT_KEYS, true).map((l) => `  ${l}`),
    `    trainer.logger="['console']" \\`,
    '    trainer.default_hdfs_dir=null \\',
    '    trainer.project_name=habits-lab-sft \\',
    '    trainer.experiment_name="$condition" \\',
    '    trainer.default_local_dir="$HERE/checkpoints/sft/$condition" \\',
    '    "$@"',
    'done',
    '',
  ].join('\n');
}

export interface VerlExport {
  /** Relative path -> bytes, in the order they are described in README.md. */
  files: Map<string, Uint8Array>;
  rl: { train: TinyZeroRow[]; test: TinyZeroRow[] };
  sft: Map<
    Condition,
    { train: { query: string; completion: string }[]; test: { query: string; completion: string }[] }
  >;
  mapping: VerlMapping[];
  model: string;
}

/** Build every file of the export in memory. */
export function buildVerlExport(options: VerlExportOptions): VerlExport {
  const { config } = options;
  const world = options.world ?? 'experiment';
  const spec = exportSpec(config, world);
  const trainSize = options.trainSize ?? Math.max(1, config.rl.steps * config.rl.promptsPerStep);
  const testSize = options.testSize ?? Math.max(1, config.eval.problems);
  const train = generateProblems(spec, { n: trainSize, seed: config.seed, split: 'train', allowFewer: true });
  const test = generateProblems(spec, {
    n: testSize,
    seed: config.eval.seed ?? config.seed,
    split: 'test',
    allowFewer: true,
  });
  if (train.length === 0 || test.length === 0)
    throw new Error(`the ${world} world holds no ${train.length === 0 ? 'training' : 'test'} problems`);
  const rl = {
    train: train.map((p, i) => tinyzeroRow(p, 'train', i)),
    test: test.map((p, i) => tinyzeroRow(p, 'test', i)),
  };

  const conditions = options.conditions ?? defaultConditions(config);
  const start = config.start.kind === 'prime' ? config.start : undefined;
  const examples = start?.examples ?? 1000;
  const heldOutShare = (start?.sft ?? SftSchema.parse({})).heldOut;
  const nHeld = Math.min(Math.floor(examples * heldOutShare), examples - 1);
  const sft: VerlExport['sft'] = new Map();
  for (const condition of conditions) {
    const data = primeData({
      condition,
      n: examples,
      problems: start?.problems,
      seed: config.seed,
      preset: world === 'experiment' ? config.preset : world,
      ranges: world === 'experiment' ? config.ranges : undefined,
      // A start without priming settings keeps the trace defaults (an undefined field would override them).
      trace: start ? { ...pickTraceOptions(start), promptFormat: 'tinyzero' } : { promptFormat: 'tinyzero' },
    }).map((e) => ({ query: e.query, completion: e.completion }));
    sft.set(condition, { train: data.slice(0, data.length - nHeld), test: data.slice(data.length - nHeld) });
  }

  const mapping = verlMapping(config, {
    train: rl.train.length,
    test: rl.test.length,
    sft: sft.size > 0 ? { examples, heldOut: nHeld } : undefined,
  });
  const model = options.checkpoint ? '$HERE/model' : (options.model ?? DEFAULT_VERL_MODEL);
  const text = (s: string) => new TextEncoder().encode(s);
  const files = new Map<string, Uint8Array>();
  files.set(
    'README.md',
    text(readme({ config, world, spec, rl, sft, mapping, model, checkpoint: Boolean(options.checkpoint) })),
  );
  files.set('rl/train.parquet', rlParquet(rl.train));
  files.set('rl/test.parquet', rlParquet(rl.test));
  for (const [condition, d] of sft) {
    files.set(`sft/${condition}/train.parquet`, sftParquet(d.train));
    files.set(`sft/${condition}/test.parquet`, sftParquet(d.test));
  }
  files.set('run_ppo.sh', text(ppoScript(config, mapping, model)));
  if (sft.size > 0) files.set('run_sft.sh', text(sftScript(config, mapping, model, [...sft.keys()])));
  for (const [name, bytes] of options.checkpoint ?? []) files.set(`model/${name}`, bytes);
  return { files, rl, sft, mapping, model };
}

function readme(r: {
  config: ExperimentConfig;
  world: VerlWorld;
  spec: ProblemSpec;
  rl: VerlExport['rl'];
  sft: VerlExport['sft'];
  mapping: VerlMapping[];
  model: string;
  checkpoint: boolean;
}): string {
  const { config, spec } = r;
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const worldText =
    `${spec.counts.join(' or ')} numbers from ${spec.numberMin}-${spec.numberMax}, targets ${spec.targetMin}-${spec.targetMax}` +
    ` (${r.world === 'experiment' ? `the experiment's world: preset ${config.preset}${config.ranges ? ` with ranges ${JSON.stringify(config.ranges)}` : ''}` : `preset ${r.world}`})`;
  const sftRows = [...r.sft].map(
    ([c, d]) =>
      `| \`sft/${c}/train.parquet\`, \`sft/${c}/test.parquet\` | ${d.train.length} + ${d.test.length} priming examples of ${c}: \`query\` (the prompt) and \`completion\` (the response, starting after \`<think>\`) |`,
  );
  return `# veRL export of "${config.name}"

Written by \`habits-lab export-verl\`. Problems: ${worldText}; every one is solvable.

## Files

| file | what it is |
| --- | --- |
| \`rl/train.parquet\` | ${r.rl.train.length} Countdown rows exactly as TinyZero's \`examples/data_preprocess/countdown.py\` writes them: \`target\`, \`nums\`, \`data_source\` ("countdown"), \`prompt\` ([{role: "user", content}], TinyZero's \`base\` template), \`ability\` ("math"), \`reward_model\` ({style: "rule", ground_truth: {target, numbers}}), \`extra_info\` ({split, index}) |
| \`rl/test.parquet\` | ${r.rl.test.length} held-out rows of the same form (no problem is in both) |
${sftRows.join('\n')}${sftRows.length ? '\n' : ''}| \`run_ppo.sh\` | PPO with \`verl.trainer.main_ppo\` on \`rl/\`, with the overrides below |
${r.sft.size ? '| `run_sft.sh` | priming (SFT) with `verl.trainer.fsdp_sft_trainer`, one run per condition under `checkpoints/sft/` |\n' : ''}${r.checkpoint ? "| `model/` | the lab's own checkpoint (a Hugging Face LlamaForCausalLM folder), the scripts' default model |\n" : ''}
## Running

Inside a TinyZero checkout (its \`verl\` package and environment):

\`\`\`sh
${r.sft.size ? `bash run_sft.sh                                   # MODEL=${r.model} by default\n` : ''}MODEL=${r.sft.size ? 'path/to/sft/checkpoint' : r.model} N_GPUS=2 bash run_ppo.sh
bash run_ppo.sh actor_rollout_ref.actor.optim.lr=1e-6   # any override can be appended
\`\`\`

\`MODEL\` (default \`${r.model}\`), \`N_GPUS\`, \`ROLLOUT_TP_SIZE\` and \`MICRO_BATCH\` (memory only) are read from the environment.

## Lab setting -> veRL key

| script | lab setting | lab value | veRL key | value | note |
| --- | --- | --- | --- | --- | --- |
${r.mapping.map((m) => `| ${m.stage === 'rl' ? 'run_ppo.sh' : 'run_sft.sh'} | \`${m.lab}\` | ${cell(m.value)} | ${m.key ? `\`${m.key}\`` : '(none)'} | ${cell(m.verl)} | ${cell(m.note ?? '')} |`).join('\n')}

## What differs from the lab's run

- The model: veRL trains ${r.checkpoint ? "the lab's checkpoint" : r.model} with a separate critic network; the lab's policy shares its trunk with a value head and weights the value loss by \`rl.valueCoef\`.
- Tokens: the lab's tokenizer has one token per character, so \`data.max_response_length\` ${config.rl.maxNewTokens} allows several times longer responses under a BPE tokenizer.
- The prompt is TinyZero's base template whatever \`promptFormat\` the lab used, since TinyZero's reward only reads text after "Assistant:"${r.checkpoint ? "; the lab's checkpoint was trained on its own prompt format" : ''}.
- The reward is TinyZero's \`compute_score\` (format score 0.1); the lab's \`strict\` mode (integers only, exact rationals) is not available in veRL.
- Learning rates are the lab's, tuned for a model of about 10^5 parameters; at 3B parameters the paper used 1e-6 (actor), 1e-5 (critic) and 1e-5 (SFT).
- veRL validates with one greedy sample per test prompt; the lab reports sampled and greedy accuracy.
- Priming data: the lab's own templated traces (\`src/behaviors/traces.ts\`), not the paper's Claude-written traces; the held-out split is the last ${Math.round(100 * (config.start.kind === 'prime' ? config.start.sft : SftSchema.parse({})).heldOut)}% of the examples.
`;
}
