// The arithmetic in a sentence: numbers in words and symbols rewritten to + - * / =, then parsed
// into forward steps ("5 + 3 = 8") and decompositions ("16 = 8 * 2"). Every scan is linear in the
// sentence's length: model output is untrusted and may be long.

const UNIT_WORDS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TEN_WORDS = ['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const NUMBER_WORD = new RegExp(
  `\\b(?:(?:(a|one|two|three|four|five|six|seven|eight|nine)\\s+hundred)(?:\\s+(?:and\\s+)?)?)?` +
    `(?:(${TEN_WORDS.join('|')})(?:[-\\s](one|two|three|four|five|six|seven|eight|nine))?|(${UNIT_WORDS.join('|')}))?\\b`,
  'gi',
);

/** "sixty-six" -> "66", "a hundred and five" -> "105": models often write numbers in words. */
export function numberWordsToDigits(s: string): string {
  if (!/[a-z]/i.test(s)) return s;
  return s.replace(
    NUMBER_WORD,
    (match, hundreds?: string, tens?: string, tensUnit?: string, unit?: string) => {
      if (!match.trim()) return match;
      if (!tens && !unit && !hundreds) return match;
      let value = 0;
      if (hundreds)
        value += 100 * (hundreds.toLowerCase() === 'a' ? 1 : UNIT_WORDS.indexOf(hundreds.toLowerCase()));
      if (tens)
        value +=
          10 * (TEN_WORDS.indexOf(tens.toLowerCase()) + 2) +
          (tensUnit ? UNIT_WORDS.indexOf(tensUnit.toLowerCase()) : 0);
      if (unit) value += UNIT_WORDS.indexOf(unit.toLowerCase());
      if (hundreds && !tens && !unit && /\s$/.test(match)) return `${value} `;
      return String(value);
    },
  );
}

/**
 * What replacing the regex \s*(?:->|=>|→|⇒)\s* (global) with ' = ' does, in one pass: that regex
 * retries from every space of a run of spaces that no arrow follows, which is quadratic in the run's
 * length.
 */
function arrowsToEquals(s: string): string {
  const parts = s.split(/->|=>|→|⇒/);
  if (parts.length === 1) return s;
  const last = parts.length - 1;
  return parts.map((p, i) => (i === 0 ? p.trimEnd() : i === last ? p.trimStart() : p.trim())).join(' = ');
}

/** Rewrite symbols and words for arithmetic into + - * / = so equations can be parsed. */
export function normalizeArithmetic(s: string): string {
  const symbols = s
    .replace(/\\frac\{\s*(\d+)\s*\}\{\s*(\d+)\s*\}/g, '$1 / $2')
    .replace(/\\[()[\]]/g, ' ')
    .replace(/\\times|\\cdot|[×✕⋅·∗]/g, '*')
    .replace(/\\div|[÷∕]/g, '/')
    .replace(/[−–]/g, '-');
  return (
    arrowsToEquals(symbols)
      .replace(/(\d)\s*[xX]\s*(?=\(?\d)/g, '$1 * ')
      .replace(/(\d|\))\s+plus\s+/gi, '$1 + ')
      .replace(/(\d|\))\s+minus\s+/gi, '$1 - ')
      .replace(/(\d|\))\s+(?:times|multiplied\s+by)\s+/gi, '$1 * ')
      .replace(/(\d|\))\s+divided\s+by\s+/gi, '$1 / ')
      .replace(
        /\badd(?:ing)?\s+(\d+)\s+(?:and|to)\s+(\d+),?\s+(?:to\s+get|gives(?:\s+us)?|which\s+gives|giving|makes|=)\s+(?=\d)/gi,
        '$1 + $2 = ',
      )
      .replace(
        /\bsubtract(?:ing)?\s+(\d+)\s+from\s+(\d+),?\s+(?:to\s+get|gives(?:\s+us)?|which\s+gives|giving|leaves|=)\s+(?=\d)/gi,
        '$2 - $1 = ',
      )
      .replace(
        /\bmultiply(?:ing)?\s+(\d+)\s+(?:by|and|with)\s+(\d+),?\s+(?:to\s+get|gives(?:\s+us)?|which\s+gives|giving|makes|=)\s+(?=\d)/gi,
        '$1 * $2 = ',
      )
      .replace(
        /\bdivid(?:e|ing)\s+(\d+)\s+by\s+(\d+),?\s+(?:to\s+get|gives(?:\s+us)?|which\s+gives|giving|makes|=)\s+(?=\d)/gi,
        '$1 / $2 = ',
      )
      // (?<!\d): a number is tried from its first digit only; from every digit of a long run, each
      // rule below was quadratic in the run's length (the match can only start there anyway).
      .replace(/(?<!\d)(\d+)\s+is\s+(\d+)\s+(?:less|fewer|smaller|lower)\s+than\s+(\d+)/gi, '$1 = $3 - $2')
      .replace(
        /(?<!\d)(\d+)\s+is\s+(\d+)\s+(?:more|greater|bigger|larger|higher)\s+than\s+(\d+)/gi,
        '$1 = $3 + $2',
      )
      .replace(/(?<!\d)(\d+)\s+factors\s+(?:nicely\s+)?(?:as|into)\s+(?=\d)/gi, '$1 = ')
      .replace(
        /(?<!\d)(\d+)\s+(?:can\s+be\s+(?:written|expressed|made|split|broken\s+down)|is\s+the\s+same)\s+as\s+(?=\(?\d)/gi,
        '$1 = ',
      )
      .replace(
        /(\d|\))\s+(?:equals|is\s+equal\s+to|gives(?:\s+us)?|makes|results\s+in|yields|is(?:\s+indeed|\s+exactly)?)\s+(?=\(?-?\d)/gi,
        '$1 = ',
      )
  );
}

interface Term {
  value: number;
  leaves: number[];
  ops: string;
}

/** Parse "+ - * / ( ) numbers" (unary minus allowed) to a value with its leaves; null if not arithmetic. */
function parseTerm(src: string): Term | null {
  let i = 0;
  const leaves: number[] = [];
  let ops = '';
  const ws = (): void => {
    while (src[i] === ' ' || src[i] === '\t') i++;
  };
  const expr = (): number => {
    let v = term();
    for (ws(); src[i] === '+' || src[i] === '-'; ws()) {
      const op = src[i++];
      ops += op;
      const r = term();
      v = op === '+' ? v + r : v - r;
    }
    return v;
  };
  const term = (): number => {
    let v = factor();
    for (ws(); src[i] === '*' || src[i] === '/'; ws()) {
      const op = src[i++];
      ops += op;
      const r = factor();
      v = op === '*' ? v * r : v / r;
    }
    return v;
  };
  const factor = (): number => {
    ws();
    if (src[i] === '-') {
      i++;
      return -factor();
    }
    if (src[i] === '(') {
      i++;
      const v = expr();
      ws();
      if (src[i] !== ')') throw new Error('unbalanced');
      i++;
      return v;
    }
    const m = /^\d+(?:\.\d+)?/.exec(src.slice(i, i + 32));
    if (!m) throw new Error('number expected');
    i += m[0].length;
    const v = Number(m[0]);
    leaves.push(v);
    return v;
  };
  try {
    const value = expr();
    ws();
    if (i !== src.length || leaves.length === 0 || !Number.isFinite(value)) return null;
    return { value, leaves, ops };
  } catch {
    return null;
  }
}

export const near = (a: number, b: number): boolean => Math.abs(a - b) < 1e-6;
export interface Equation {
  kind: 'forward' | 'decomposition';
  /** Numbers the equation combines (forward) or splits into (decomposition). */
  operands: number[];
  /** What the operands make: the stated result (forward) or the number split (decomposition). */
  result: number;
  /** The value the operands really make (differs from result when the text's arithmetic is off). */
  value: number;
  key: string;
  start: number;
  end: number;
}

const ARITHMETIC_CHAR = /[\d\s+\-*/().=]/;

/**
 * The stretches of arithmetic in a text: each maximal run of digits, spaces, operators, brackets
 * and "=", from its first digit or "(" to its last digit or ")". The same stretches as
 * /[(\d][\d\s+\-*\/().=]*[\d)]/g, found in one pass: that regex retries from every "(" of a run
 * that does not end in a digit, which is quadratic in the run's length.
 */
export function arithmeticRuns(text: string): { index: number; text: string }[] {
  const out: { index: number; text: string }[] = [];
  let i = 0;
  while (i < text.length) {
    if (!ARITHMETIC_CHAR.test(text[i])) {
      i++;
      continue;
    }
    let end = i;
    while (end < text.length && ARITHMETIC_CHAR.test(text[end])) end++;
    let first = i;
    while (first < end && !/[(\d]/.test(text[first])) first++;
    let last = end - 1;
    while (last > first && !/[\d)]/.test(text[last])) last--;
    if (last > first) out.push({ index: first, text: text.slice(first, last + 1) });
    i = end;
  }
  return out;
}

/** The equations of a sentence, with offsets relative to the sentence. */
export function findEquations(sentence: string): Equation[] {
  const norm = normalizeArithmetic(sentence);
  const scale = sentence.length === norm.length; // offsets are exact only when nothing was rewritten
  const out: Equation[] = [];
  for (const m of arithmeticRuns(norm)) {
    const run = m.text;
    if (!run.includes('=')) continue;
    const start = scale ? m.index : 0;
    const end = scale ? m.index + run.length : sentence.length;
    const parts = run.split('=').map((p) => parseTerm(p.trim()));
    let left: Term | null = parts[0];
    for (let k = 1; k < parts.length; k++) {
      const right = parts[k];
      if (!left || !right) {
        left = right;
        continue;
      }
      const leftIsNumber = left.ops === '' && left.leaves.length === 1;
      const rightIsNumber = right.ops === '' && right.leaves.length === 1;
      if (!leftIsNumber && rightIsNumber) {
        out.push(equation('forward', left.leaves, right.value, left.value, left.ops, start, end));
        left = right;
      } else if (
        leftIsNumber &&
        !rightIsNumber &&
        near(right.leaves[0], left.value) &&
        !near(right.value, left.value)
      ) {
        // "23 + 17 -> 40 -> 40 * 4 -> 160": the chain continues from the number just reached.
        left = right;
      } else if (leftIsNumber && !rightIsNumber) {
        out.push(equation('decomposition', right.leaves, left.value, right.value, right.ops, start, end));
        left = right;
      } else if (!leftIsNumber && !rightIsNumber) {
        if (near(left.value, right.value)) {
          // "(78 - 20) - (11 - 7) = 58 - 4 = 54": the middle is a simplification of the left.
          continue;
        }
        // "5 + 3 = 8 * 2 = 16": the right starts a new step from the left's value.
        out.push(equation('forward', left.leaves, left.value, left.value, left.ops, start, end));
        left = right;
      } else {
        left = right;
      }
    }
  }
  return out;
}

function equation(
  kind: Equation['kind'],
  operands: number[],
  result: number,
  value: number,
  ops: string,
  start: number,
  end: number,
): Equation {
  const key = `${[...operands].sort((a, b) => a - b).join(',')}|${[...ops].sort().join('')}`;
  return { kind, operands, result, value, key, start, end };
}

/** The same numbers, each as often (a multiset). */
export function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && containsAll(a, b);
}

/** Does `all` contain every element of `part` (as multisets)? */
export function containsAll(all: readonly number[], part: readonly number[]): boolean {
  const pool = [...all];
  for (const x of part) {
    const i = pool.findIndex((y) => near(x, y));
    if (i < 0) return false;
    pool.splice(i, 1);
  }
  return true;
}
