import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  computeScore,
  evalStrict,
  extractAnswer,
  pyStrip,
  scoreResponse,
  type GroundTruth,
  type RewardMode,
} from '../../src/countdown';
import { pyEval, pyRepr } from '../../src/countdown/pyexpr';
import { parseJsonExact } from '../../src/cli/io';
import { randomCases, type RewardCase } from './tinyzero-cases';
import { optionalTool, skipNote } from '../optional-tools';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const A = 'Assistant: Let me solve this step by step.\n<think>';
const T: GroundTruth = { target: 24, numbers: [2, 3, 4] };
const tz = (s: string, truth: GroundTruth = T) => computeScore(s, truth, { mode: 'tinyzero' });

describe('tinyzero reward: the 16 reference cases of paper-facts.md §4', () => {
  const cases: [string, string, number, string][] = [
    ['C01', A + ' 2*3=6, 6*4=24 </think>\n<answer> (2*3)*4 </answer>', 1.0, 'correct'],
    ['C02', A + ' ok </think>\n<answer>(2*3)*4</answer><|endoftext|>', 1.0, 'correct'],
    ['C03', A + ' ok </think>\n<answer>(2*3)*4</answer>\n', 0, 'no_answer'],
    ['C04', '<think> ok </think>\n<answer>(2*3)*4</answer>', 0, 'no_answer'],
    [
      'C05',
      '<|im_start|>assistant\nLet me solve this step by step.\n<think> ok </think>\n<answer>(2*3)*4</answer>',
      1.0,
      'correct',
    ],
    ['C06', A + ' 2*3*4=24 </think>', 0, 'no_answer'],
    ['C07', A + ' </think>\n<answer>2+3+4</answer>', 0.1, 'wrong_value'],
    ['C08', A + ' </think>\n<answer>2*3*4*2/2</answer>', 0.1, 'wrong_numbers'],
    ['C09', A + ' </think>\n<answer>4*6</answer>', 0.1, 'wrong_numbers'],
    ['C10', A + ' </think>\n<answer>2*3*4 = 24</answer>', 0.1, 'wrong_numbers'],
    ['C11', A + ' </think>\n<answer>2 x 3 x 4</answer>', 0.1, 'invalid'],
    ['C12', A + ' </think> <answer>2+3+4</answer> <answer>2*3*4</answer>', 1.0, 'correct'],
    ['C13', A + ' </think> <answer>2*3*4</answer> <answer>2+3+4</answer>', 0.1, 'wrong_value'],
    ['C14', A + ' </think>\n<answer>2*3*4</answer>\nDone.', 0, 'no_answer'],
    ['C15', A + ' </think>\n<answer>\n2*3*4\n</answer>', 0, 'no_answer'],
    ['C16', A + ' </think>\n<answer></answer>', 0.1, 'wrong_numbers'],
  ];
  for (const [id, s, score, reason] of cases) {
    it(`${id}: ${score} (${reason})`, () => {
      const r = tz(s);
      expect(r.score).toBe(score);
      expect(r.reason).toBe(reason);
    });
  }
});

describe('tinyzero reward: one case per rule, scored by the real TinyZero function', () => {
  // tests/fixtures/tinyzero-hand.json comes from tests/fixtures/tinyzero_hand_cases.py, which
  // runs TinyZero's own compute_score (tests/fixtures/tinyzero_reward.py) on each answer.
  const hand = JSON.parse(readFileSync(`${fixtures}tinyzero-hand.json`, 'utf8')) as {
    answer: string;
    target: number;
    numbers: number[];
    score: number;
  }[];
  it('has cases for powers, floor division, floats, leading zeros, unary signs, unicode, nesting, complex', () => {
    expect(hand.length).toBeGreaterThanOrEqual(60);
  });
  for (const c of hand) {
    it(`${JSON.stringify(c.answer).slice(0, 60)} with target ${c.target} -> ${c.score}`, () => {
      const s = `${A} x </think>\n<answer>${c.answer}</answer>`;
      expect(tz(s, { target: c.target, numbers: c.numbers }).score).toBe(c.score);
    });
  }
});

describe('tinyzero reward: differential against TinyZero on random cases', () => {
  it('matches the committed golden scores of 2,000 random cases', () => {
    const lines = readFileSync(`${fixtures}tinyzero-golden.jsonl`, 'utf8').trim().split('\n');
    expect(lines.length).toBe(2000);
    const mismatches: string[] = [];
    for (const line of lines) {
      // Read integers exactly, as Python's json module (and `habits-lab score`) does.
      const c = parseJsonExact(line) as RewardCase & { expected: number };
      const got = tz(c.solution_str, c.ground_truth).score;
      if (got !== c.expected) mismatches.push(`${line} -> ${got}`);
    }
    expect(mismatches).toEqual([]);
  });

  const python = optionalTool(
    'python3',
    ['python3', '--version'],
    "the check against TinyZero's Python function on 3,000 fresh random cases",
  );
  it.runIf(python)(`matches live Python on 3,000 fresh random cases${skipNote(python, 'python3')}`, () => {
    // Fresh each run (by the clock), and named in the failure so that a mismatch can be replayed.
    const seed = Date.now() % 1_000_000;
    const cases = randomCases(seed, 3000);
    const out = execFileSync('python3', [`${fixtures}tinyzero_reward.py`], {
      input: cases.map((c) => JSON.stringify(c)).join('\n') + '\n',
      maxBuffer: 1 << 28,
    })
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { score: number });
    const exact = cases.map((c) => parseJsonExact(JSON.stringify(c)) as RewardCase);
    const mismatches = exact.filter((c, i) => tz(c.solution_str, c.ground_truth).score !== out[i].score);
    expect(
      mismatches.map((c) => JSON.stringify(c)),
      `randomCases(${seed}, 3000)`,
    ).toEqual([]);
  });
});

describe('tinyzero reward: extraction details', () => {
  it('uses the first "Assistant:" and ignores answers in the prompt', () => {
    const s = 'User: example <answer> (1 + 2) / 3 </answer>\nAssistant: x </think>\n<answer>2*3*4</answer>';
    expect(tz(s).score).toBe(1);
    expect(tz('Assistant: Assistant: <answer>2*3*4</answer>').score).toBe(1);
  });
  it('takes the last line and the last answer on it', () => {
    expect(extractAnswer('a\n<answer> 1 </answer> <answer> 2 </answer>')).toBe('2');
    expect(extractAnswer('<answer> 1 </answer>\nno tags here')).toBeNull();
    expect(extractAnswer('<answer><answer>5</answer>')).toBe('<answer>5');
    expect(extractAnswer('<answer>5</answer></answer>')).toBe('5');
  });
  it('"." in the answer pattern matches \\r and \\u2028 (only \\n ends a line)', () => {
    expect(extractAnswer('<answer>2*3\r*4</answer>')).toBe('2*3\r*4');
    expect(tz(`${A}</think>\n<answer>(2*3\u2028*4)</answer>`).score).toBe(0.1); // U+2028 is not a Python newline in eval
    expect(tz(`${A}</think>\n<answer>(2*3\r*4)</answer>`).score).toBe(1);
  });
  it('strips Python whitespace, including \\x1c-\\x1f and NBSP, but not zero-width space', () => {
    expect(pyStrip('\u001c\u00a0 2*3 \u3000\u0085')).toBe('2*3');
    expect(pyStrip('\u200b2')).toBe('\u200b2');
  });
  it('reads digit runs of any script and any length, as re.findall(r"\\d+") does', () => {
    // Arabic-Indic ٢ ٣ ٤ are the numbers 2, 3, 4 to Python's \d and int(); the character filter passes them.
    expect(tz(`${A}<answer>\u0662*\u0663*\u0664</answer>`).reason).not.toBe('wrong_numbers');
    expect(tz(`${A}<answer>2*3*44</answer>`).reason).toBe('wrong_numbers');
    // Eight million non-ASCII digits: V8's /\p{Nd}+/gu overflowed the stack on this.
    const huge = tz(`${A}<answer>${'\u0669'.repeat(8_000_000)}</answer>`);
    expect(huge.reason).toBe('wrong_numbers');
  });
  it('custom format_score and score are used', () => {
    expect(computeScore(`${A}<answer>2+3+4</answer>`, T, { mode: 'tinyzero', formatScore: 0.25 }).score).toBe(
      0.25,
    );
    expect(computeScore(`${A}<answer>2*3*4</answer>`, T, { mode: 'tinyzero', score: 2 }).score).toBe(2);
  });
  it('reads huge integer targets exactly (bigint) and huge float targets as floats', () => {
    expect(tz(`${A}<answer>12**16</answer>`, { target: 184884258895036416n, numbers: [12, 16] }).score).toBe(
      1,
    );
    expect(tz(`${A}<answer>12**16</answer>`, { target: 184884258895036400n, numbers: [12, 16] }).score).toBe(
      0.1,
    );
    expect(
      tz(`${A}<answer>(32*76)**21</answer>`, { target: 1.2741923185463177e71, numbers: [32, 76, 21] }).score,
    ).toBe(1);
  });
});

describe('python expression evaluator', () => {
  const value = (s: string) => pyRepr(pyEval(s));
  it('follows Python precedence, associativity and numeric types', () => {
    expect(value('2**3**2')).toBe('512');
    expect(value('-2**2')).toBe('-4');
    expect(value('2**-1')).toBe('0.5');
    expect(value('7//2')).toBe('3');
    expect(value('-7//2')).toBe('-4');
    expect(value('7.//2')).toBe('3.0');
    expect(value('-7.5//2')).toBe('-4.0');
    expect(value('1/3*3')).toBe('1.0');
    expect(value('10-2-3')).toBe('5');
    expect(value('2*3+4*5')).toBe('26');
    expect(value('00')).toBe('0');
    expect(value('.5+1.')).toBe('1.5');
    expect(value('99**9')).toBe('913517247483640899');
    expect(value('(-8)**(1/3)')).toBe('(1.0000000000000002+1.7320508075688772j)');
    expect(value('(-2)**3.')).toBe('-8.0');
  });
  it('int / int is correctly rounded even beyond 2**53', () => {
    expect(value('(2**60+1)/3')).toBe(String((2 ** 60 + 1) / 3));
    expect(value('10**400/10**399')).toBe('10.0');
    expect(value('1/10**400')).toBe('0.0');
    expect(value('(10**30+1)/10**30')).toBe('1.0');
  });
  it('raises what Python raises', () => {
    const kind = (s: string) => {
      try {
        pyEval(s);
        return 'ok';
      } catch (e) {
        return (e as { kind: string }).kind;
      }
    };
    expect(kind('012')).toBe('SyntaxError');
    expect(kind('1..5')).toBe('SyntaxError');
    expect(kind('2 3')).toBe('SyntaxError');
    expect(kind('2***3')).toBe('SyntaxError');
    expect(kind('('.repeat(201) + '1' + ')'.repeat(201))).toBe('SyntaxError');
    expect(kind('('.repeat(200) + '1' + ')'.repeat(200))).toBe('ok');
    expect(kind('2(3)')).toBe('TypeError');
    expect(kind('()')).toBe('TypeError');
    expect(kind('1/0')).toBe('ZeroDivisionError');
    expect(kind('1//0')).toBe('ZeroDivisionError');
    expect(kind('0**-1')).toBe('ZeroDivisionError');
    expect(kind('2.**1024')).toBe('OverflowError');
    expect(kind('10**400*1.')).toBe('OverflowError');
    expect(kind('9**9**9')).toBe('LimitError');
    expect(kind('٣')).toBe('SyntaxError');
  });
  it('long sign chains evaluate without recursion', () => {
    expect(value('-'.repeat(5000) + '3')).toBe('3');
    expect(value('-'.repeat(5001) + '3')).toBe('-3');
  });
});

describe('strict reward', () => {
  const strict = (answer: string, truth: GroundTruth = T) =>
    scoreResponse(` x </think>\n<answer> ${answer} </answer>`, truth);
  it('is the default mode and scores plain correct answers 1', () => {
    expect(strict('(2*3)*4').score).toBe(1);
    expect(strict('4 * 3 * 2').reason).toBe('correct');
    expect(strict('24 / 2 * 2', { target: 24, numbers: [24, 2, 2] }).score).toBe(1);
  });
  it('compares exactly: fractions count, float tolerance does not', () => {
    expect(strict('8 / (3 - 8 / 3)', { target: 24, numbers: [8, 3, 8, 3] }).score).toBe(1);
    expect(strict('1 / 3 * 3', { target: 1, numbers: [1, 3, 3] }).score).toBe(1);
    expect(strict('2*3*4', { target: 24.000001, numbers: [2, 3, 4] }).reason).toBe('wrong_value');
    expect(evalStrict('7 / 2')).toEqual({ n: 7n, d: 2n });
  });
  it('rejects what the tinyzero mode lets through', () => {
    const cases: [string, GroundTruth, RegExp][] = [
      ['2**3*3', { target: 24, numbers: [2, 3, 3] }, /power/],
      ['48//2', { target: 24, numbers: [48, 2] }, /floor division/],
      ['2.5*4+14', { target: 24, numbers: [2, 5, 4, 14] }, /decimals/],
      ['-2+26', { target: 24, numbers: [2, 26] }, /unary/],
      ['+2*3*4', T, /unary/],
      ['2*-3*-4', T, /unary/],
      ['02*3*4', T, /leading zeros/],
      ['2(3)*4', T, /unexpected/],
      ['(2*3*4', T, /missing '\)'/],
      ['2*3*4)', T, /unmatched/],
      ['2*3*4/0', { target: 24, numbers: [2, 3, 4, 0] }, /division by zero/],
      ['٢*3*4', T, /unexpected/],
    ];
    for (const [answer, truth, why] of cases) {
      const r = strict(answer, truth);
      expect(r.reason, answer).toBe('invalid');
      expect(r.score).toBe(0.1);
      expect(r.detail).toMatch(why);
      // ...while the TinyZero-exact mode scores them as Python would.
      expect(['correct', 'invalid', 'wrong_value']).toContain(
        scoreResponse(`<answer>${answer}</answer>`, truth, { mode: 'tinyzero' as RewardMode }).reason,
      );
    }
  });
  it('returns the reasons for the UI: no answer, wrong numbers, wrong value', () => {
    expect(strict('2+3+4')).toMatchObject({ score: 0.1, reason: 'wrong_value', value: '9' });
    expect(strict('4*6')).toMatchObject({ score: 0.1, reason: 'wrong_numbers' });
    expect(scoreResponse('no answer here', T)).toMatchObject({ score: 0, reason: 'no_answer', answer: null });
  });
});
