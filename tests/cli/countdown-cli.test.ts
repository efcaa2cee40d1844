import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateProblems, isSolvable, problemSpec } from '../../src/countdown';
import { buildProgram } from '../../src/cli/main';
import { cli, jsonLines } from './helpers';

describe('habits-lab CLI: countdown commands (child process)', () => {
  it("--help lists the commands, the README's table names the same ones, and every command has --help", () => {
    const top = cli(['--help']);
    expect(top.status).toBe(0);
    // Each command's line in the top-level help: "  problems [options]    Generate ..."
    const listed = [...top.stdout.split('Commands:')[1].matchAll(/^ {2}([a-z][a-z-]*) /gm)]
      .map((m) => m[1])
      .filter((c) => c !== 'help');
    const program = buildProgram();
    const commands = program.commands.map((c) => c.name());
    expect(listed).toEqual(commands);
    expect(commands.length).toBeGreaterThanOrEqual(14); // 14 commands and help, as of this writing
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.slice(
      readme.indexOf('## The `habits-lab` CLI'),
      readme.indexOf('### Problem presets'),
    );
    const documented = [...table.matchAll(/^\| `([a-z][a-z-]*)[ `]/gm)].map((m) => m[1]);
    expect([...new Set(documented)].sort()).toEqual([...commands].sort());
    // Every command's help, as `habits-lab <command> --help` prints it (two through the real bin,
    // all in this process: a child process per command would take minutes on a busy machine).
    for (const c of program.commands) {
      const help = c.helpInformation();
      expect(help, c.name()).toContain(`Usage: habits-lab ${c.name()}`);
      expect(help, c.name()).toMatch(/-h, --help +display help for command/);
    }
    for (const c of ['problems', 'train']) {
      const sub = cli([c, '--help']);
      expect(sub.status, c).toBe(0);
      expect(sub.stdout, c).toContain(`Usage: habits-lab ${c}`);
    }
  }, 120_000);

  it('problems writes the same problems as the library, as JSONL', () => {
    const r = cli(['problems', '--preset', 'paper', '--n', '20', '--seed', '5', '--split', 'test']);
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)).toEqual(
      generateProblems(problemSpec('paper'), { n: 20, seed: 5, split: 'test' }),
    );
  });

  it('--out is written whole or not at all: same file as --in, a missing folder, an unreadable input', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hl-'));
    const file = join(dir, 'p.jsonl');
    expect(cli(['problems', '--preset', 'easy', '--n', '5', '--out', file]).status).toBe(0);
    const problems = jsonLines(readFileSync(file, 'utf8'));
    // The input is read to the end before the output replaces it.
    const same = cli(['solve', '--in', file, '--out', file, '--limit', '1']);
    expect(same.status).toBe(0);
    const solved = jsonLines(readFileSync(file, 'utf8')) as { numbers: number[]; solvable: boolean }[];
    expect(solved).toHaveLength(5);
    expect(solved.map((s) => s.numbers)).toEqual(problems.map((p) => (p as { numbers: number[] }).numbers));
    expect(solved.every((s) => s.solvable)).toBe(true);

    const noFolder = cli(['problems', '--n', '3', '--out', join(dir, 'missing', 'x.jsonl')]);
    expect(noFolder.status).toBe(2);
    const folderOut = cli(['problems', '--n', '3', '--out', dir]);
    expect(folderOut.status).toBe(2);
    expect(folderOut.stderr).toContain(`cannot write ${dir}: it is a folder`);
    expect(noFolder.stderr).toContain(
      `habits-lab: cannot write ${join(dir, 'missing', 'x.jsonl')}: no such folder`,
    );
    expect(noFolder.stderr).not.toMatch(/\bat \S+:\d+/); // no stack trace

    const folderIn = cli(['solve', '--in', dir, '--out', join(dir, 'out.jsonl')]);
    expect(folderIn.status).toBe(2);
    expect(folderIn.stderr).toContain(`cannot read ${dir}: it is a folder`);
    // Nothing half-written is left behind, not even the temporary file.
    expect(readdirSync(dir).sort()).toEqual(['p.jsonl']);
  });

  it('problems takes custom ranges and writes to --out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hl-'));
    const out = join(dir, 'p.jsonl');
    const r = cli([
      'problems',
      '--preset',
      'easy',
      '--n',
      '10',
      '--counts',
      '4',
      '--target-min',
      '50',
      '--target-max',
      '60',
      '--out',
      out,
    ]);
    expect(r.status).toBe(0);
    const problems = jsonLines(readFileSync(out, 'utf8')) as { numbers: number[]; target: number }[];
    expect(problems).toHaveLength(10);
    for (const p of problems) {
      expect(p.numbers).toHaveLength(4);
      expect(p.target).toBeGreaterThanOrEqual(50);
      expect(isSolvable(p.numbers, p.target)).toBe(true);
    }
  });

  it('bad options give a clear message and exit code 2', () => {
    const r = cli(['problems', '--n', 'ten']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--n must be an integer');
    const p = cli(['problems', '--n', '3', '--preset', 'hard']);
    expect(p.status).toBe(2); // the option parser's complaints are usage mistakes too
    expect(cli(['prime-data', '--n', '3']).status).toBe(2); // a required option left out
    // Integers are written in digits: "0x10" and "1e1" are typos, not 16 and 10.
    for (const odd of ['0x10', '1e1', '2.0', '+3']) {
      const typo = cli(['problems', '--n', odd]);
      expect(typo.status, odd).toBe(2);
      expect(typo.stderr).toContain('--n must be an integer');
    }
    expect(p.stderr).toMatch(/Allowed choices are paper, tinyzero, easy/);
    const empty = cli(['problems', '--n', '3', '--number-min', '']);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toContain('--number-min must be an integer, got ""');
    const s = cli(['problems', '--n', '3', '--number-min', '9', '--number-max', '2']);
    expect(s.status).toBe(2);
    expect(s.stderr).toContain('numberMax must be >= numberMin');
  });

  it('solve reads problems and writes canonical solutions; unsolvable ones say so', () => {
    const input =
      '{"numbers": [2, 3, 4], "target": 24}\n{"numbers": [1, 1, 1], "target": 24}\n{"numbers": [3, 3, 8, 8], "target": 24}\n';
    const r = cli(['solve', '--mode', 'rational', '--steps'], input);
    expect(r.status).toBe(0);
    const [a, b, c] = jsonLines(r.stdout) as { solvable: boolean; solutions: string[]; steps: string[][] }[];
    expect(a.solutions).toEqual(['4 * 3 * 2']);
    expect(a.steps[0]).toHaveLength(2);
    expect(b).toMatchObject({ solvable: false, solutions: [] });
    expect(c.solutions).toEqual(['8 / (3 - 8 / 3)']);
  });

  it('score uses TinyZero\'s call shape and writes {"score", "reason"} per line', () => {
    const lines = [
      {
        solution_str: 'Assistant: x </think>\n<answer> (2*3)*4 </answer>',
        ground_truth: { target: 24, numbers: [2, 3, 4] },
      },
      {
        solution_str: 'Assistant: x </think>\n<answer>2**3*3</answer>',
        ground_truth: { target: 24, numbers: [2, 3, 3] },
      },
      { solution_str: 'no prefix <answer>2*3*4</answer>', ground_truth: { target: 24, numbers: [2, 3, 4] } },
    ];
    const input = lines.map((l) => JSON.stringify(l)).join('\n');
    expect(jsonLines(cli(['score'], input).stdout)).toEqual([
      { score: 1, reason: 'correct' },
      { score: 1, reason: 'correct' },
      { score: 0, reason: 'no_answer' },
    ]);
    expect(jsonLines(cli(['score', '--mode', 'strict', '--format-score', '0.2'], input).stdout)).toEqual([
      { score: 1, reason: 'correct' },
      { score: 0.2, reason: 'invalid' },
      { score: 0, reason: 'no_answer' },
    ]);
  });

  it('a malformed line is reported with its number on stderr, the rest are scored, exit code 1', () => {
    const good = JSON.stringify({
      solution_str: 'Assistant: <answer>2*3*4</answer>',
      ground_truth: { target: 24, numbers: [2, 3, 4] },
    });
    const input = [good, '{not json', JSON.stringify({ solution_str: 'x' }), '', good].join('\n');
    const r = cli(['score'], input);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('line 2: not valid JSON');
    expect(r.stderr).toMatch(/line 3: .*ground_truth/);
    const out = jsonLines(r.stdout) as { score: number | null; reason: string }[];
    expect(out.map((o) => o.reason)).toEqual(['correct', 'malformed_input', 'malformed_input', 'correct']);
  });

  it('a missing input file is a clear error', () => {
    const r = cli(['score', '--in', '/nonexistent/file.jsonl']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/habits-lab: .*no such file/i);
  });
});
