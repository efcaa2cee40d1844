// `habits-lab export-verl`, checked from outside: the parquet files are read back by DuckDB (a C++
// reader, not the JavaScript writer's family), the RL rows are scored by TinyZero's own Python
// compute_score, and the scripts are parsed by bash.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { primeData } from '../../src/behaviors';
import { computeScore, solve } from '../../src/countdown';
import { MINIATURE } from '../../src/lab/config';
import { cli, ROOT } from './helpers';

// TinyZero's base template, written out here from paper-facts.md rather than imported from the lab.
const template = (numbers: number[], target: number) =>
  'A conversation between User and Assistant. The user asks a question, and the Assistant solves it. The assistant first thinks about the reasoning process in the mind and then provides the user with the answer.\n' +
  `User: Using the numbers [${numbers.join(', ')}], create an equation that equals ${target}. You can use basic arithmetic operations (+, -, *, /) and each number can only be used once. Show your work in <think> </think> tags. And return the final answer in <answer> </answer> tags, for example <answer> (1 + 2) / 3 </answer>.\n` +
  'Assistant: Let me solve this step by step.\n<think>';

// The column types pyarrow gives TinyZero's datasets.map output, in DuckDB's words.
const RL_TYPES = [
  'target: BIGINT',
  'nums: BIGINT[]',
  'data_source: VARCHAR',
  'prompt: STRUCT("role" VARCHAR, "content" VARCHAR)[]',
  'ability: VARCHAR',
  'reward_model: STRUCT("style" VARCHAR, ground_truth STRUCT("target" BIGINT, numbers BIGINT[]))',
  'extra_info: STRUCT(split VARCHAR, "index" BIGINT)',
];

interface Row {
  target: number;
  nums: number[];
  data_source: string;
  prompt: { role: string; content: string }[];
  ability: string;
  reward_model: { style: string; ground_truth: { target: number; numbers: number[] } };
  extra_info: { split: string; index: number };
}

let dir: string;
let db: DuckDBInstance;
const query = async (sql: string) => (await (await db.connect()).runAndReadAll(sql)).getRowObjectsJson();
const describeTypes = async (file: string) =>
  (await query(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).map(
    (r) => `${r.column_name}: ${r.column_type}`,
  );
// DuckDB's JSON form writes BIGINT as strings: numbers back, so rows compare with plain values.
const numeric = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(numeric)
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, numeric(x)]))
      : typeof v === 'string' && /^-?\d+$/.test(v) && v.length < 12
        ? Number(v)
        : v;
const rows = async <T = Row>(file: string) =>
  (await query(`SELECT * FROM read_parquet('${file}')`)).map((r) => numeric(r)) as unknown as T[];

describe('export-verl', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verl-'));
    db = await DuckDBInstance.create(':memory:');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes TinyZero rows, SFT rows and scripts for the paper world at any size', async () => {
    const out = join(dir, 'paper');
    const r = cli([
      'export-verl',
      '--preset',
      'smoke',
      '--set',
      'seed=7',
      '--world',
      'paper',
      '--train-size',
      '300',
      '--test-size',
      '40',
      '--conditions',
      'all_strategies,empty_cot',
      '--out',
      out,
    ]);
    expect(r.stderr).toContain('rl 300 train + 40 test rows');
    expect(r.status).toBe(0);

    for (const split of ['train', 'test'] as const) {
      const file = join(out, 'rl', `${split}.parquet`);
      expect(await describeTypes(file)).toEqual(RL_TYPES.map((t) => t.replace('"style"', 'style')));
      const got = await rows(file);
      expect(got).toHaveLength(split === 'train' ? 300 : 40);
      got.forEach((row, i) => {
        // Field by field against what countdown.py's process_fn builds for the same problem.
        expect(row).toEqual({
          target: row.target,
          nums: row.nums,
          data_source: 'countdown',
          prompt: [{ role: 'user', content: template(row.nums, row.target) }],
          ability: 'math',
          reward_model: { style: 'rule', ground_truth: { target: row.target, numbers: row.nums } },
          extra_info: { split, index: i },
        });
        // The paper world: 3 or 4 numbers from 1-24, targets 10-25.
        expect([3, 4]).toContain(row.nums.length);
        expect(row.nums.every((n) => n >= 1 && n <= 24)).toBe(true);
        expect(row.target >= 10 && row.target <= 25).toBe(true);
      });
    }
    const train = await rows(join(out, 'rl', 'train.parquet'));
    const test = await rows(join(out, 'rl', 'test.parquet'));
    const key = (r: Row) => `${[...r.nums].sort((a, b) => a - b).join(',')}=${r.target}`;
    const trainKeys = new Set(train.map(key));
    expect(trainKeys.size).toBe(300);
    expect(test.filter((r) => trainKeys.has(key(r)))).toEqual([]);

    // The SFT rows: query/completion only, the traces prime-data writes for the same seed and world.
    for (const condition of ['all_strategies', 'empty_cot'] as const) {
      const expected = primeData({
        condition,
        n: 64,
        seed: 7,
        preset: 'paper',
        trace: { promptFormat: 'tinyzero' },
      });
      const tr = join(out, 'sft', condition, 'train.parquet');
      const te = join(out, 'sft', condition, 'test.parquet');
      expect(await describeTypes(tr)).toEqual(['query: VARCHAR', 'completion: VARCHAR']);
      type Sft = { query: string; completion: string };
      const got = [...(await rows<Sft>(tr)), ...(await rows<Sft>(te))];
      expect(await rows(te)).toHaveLength(6); // smoke's 64 examples, 10% held out
      expect(got).toEqual(expected.map((e) => ({ query: e.query, completion: e.completion })));
      expect(got.every((e, i) => e.query === template(expected[i].numbers, expected[i].target))).toBe(true);
    }
  }, 120_000);

  it("scores the solver's solution 1.0 on every row with TinyZero's compute_score", async () => {
    const out = join(dir, 'paper');
    const all = [
      ...(await rows(join(out, 'rl', 'train.parquet'))),
      ...(await rows(join(out, 'rl', 'test.parquet'))),
    ];
    const cases = all.map((row) => {
      const [solution] = solve(row.nums, row.reward_model.ground_truth.target, { limit: 1 });
      return {
        solution_str: `${row.prompt[0].content} let me try. </think>\n<answer> ${solution.expression} </answer>`,
        ground_truth: row.reward_model.ground_truth,
      };
    });
    // The lab's own tinyzero mode (checked against TinyZero elsewhere), and then Python's.
    expect(cases.map((c) => computeScore(c.solution_str, c.ground_truth).score)).toEqual(cases.map(() => 1));
    if (spawnSync('python3', ['--version']).status !== 0) return;
    const scores = execFileSync('python3', [join(ROOT, 'tests/fixtures/tinyzero_reward.py')], {
      input: cases.map((c) => JSON.stringify(c)).join('\n') + '\n',
      maxBuffer: 1 << 26,
    })
      .toString()
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { score: number }).score);
    expect(scores).toEqual(cases.map(() => 1));
  });

  it('writes scripts that bash parses and that name only files of the export', () => {
    const out = join(dir, 'paper');
    for (const script of ['run_ppo.sh', 'run_sft.sh']) {
      const file = join(out, script);
      expect(statSync(file).mode & 0o111).not.toBe(0);
      expect(spawnSync('bash', ['-n', file]).status).toBe(0);
      const text = readFileSync(file, 'utf8');
      const conditions = /CONDITIONS=\(([^)]*)\)/.exec(text)?.[1].match(/[a-z_]+/g) ?? [''];
      const inputs = [...text.matchAll(/="\$HERE\/([^"]+\.parquet)"/g)].map((m) => m[1]);
      expect(inputs.length).toBeGreaterThan(0);
      for (const c of conditions)
        for (const path of inputs)
          expect(existsSync(join(out, path.replace('$condition', c))), path).toBe(true);
    }
    const ppo = readFileSync(join(out, 'run_ppo.sh'), 'utf8');
    // smoke: 4 prompts x 2 samples, 1 minibatch, 48 new tokens, 3 steps.
    for (const o of [
      'data.train_batch_size=4',
      'actor_rollout_ref.rollout.n=2',
      'actor_rollout_ref.actor.ppo_mini_batch_size=4',
      'critic.ppo_mini_batch_size=8',
      'data.max_response_length=48',
      'algorithm.kl_penalty=kl',
      'algorithm.kl_ctrl.kl_coef=0.001',
      'trainer.total_training_steps=3',
      'data.val_batch_size=40',
      'MODEL="${MODEL:-Qwen/Qwen2.5-3B}"',
    ])
      expect(ppo).toContain(o);
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    for (const key of [
      'actor_rollout_ref.rollout.n',
      'algorithm.kl_ctrl.kl_coef',
      'optim.lr',
      'What differs',
    ])
      expect(readme).toContain(key);
  });

  it("ships the lab's checkpoint under model/ and trains it by default", async () => {
    const out = join(dir, 'own');
    const r = cli([
      'export-verl',
      '--preset',
      'classroom',
      '--checkpoint',
      'shipped:backtracking_verification',
      '--out',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json'])
      expect(existsSync(join(out, 'model', f))).toBe(true);
    expect(readFileSync(join(out, 'run_ppo.sh'), 'utf8')).toContain('MODEL="${MODEL:-$HERE/model}"');
    // A run that loads a primed model has no priming settings: the traces are prime-data's defaults.
    const expected = primeData({
      condition: 'backtracking_verification',
      n: 1000,
      seed: 0,
      preset: 'easy',
      ranges: MINIATURE.ranges,
      trace: { promptFormat: 'tinyzero' },
    });
    type Sft = { query: string; completion: string };
    const sft = join(out, 'sft', 'backtracking_verification');
    const got = [
      ...(await rows<Sft>(join(sft, 'train.parquet'))),
      ...(await rows<Sft>(join(sft, 'test.parquet'))),
    ];
    expect(got).toEqual(expected.map((e) => ({ query: e.query, completion: e.completion })));
  }, 60_000);

  it('refuses a wrong call with exit code 2 and writes nothing', () => {
    const out = join(dir, 'bad');
    expect(cli(['export-verl', '--out', out]).status).toBe(2);
    expect(cli(['export-verl', '--preset', 'smoke', '--conditions', 'nope', '--out', out]).status).toBe(2);
    expect(
      cli(['export-verl', '--preset', 'smoke', '--checkpoint', join(dir, 'none'), '--out', out]).status,
    ).toBe(2);
    expect(existsSync(out)).toBe(false);
    expect(cli(['export-verl', '--help']).status).toBe(0);
  }, 180_000);
});
