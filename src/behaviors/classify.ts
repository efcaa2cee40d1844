// A local, deterministic classifier for the four behaviors, following the paper's definitions
// (paper-facts.md §2). It reads a response sentence by sentence, parses the arithmetic in it, and
// combines three kinds of evidence:
//
//   equations  "5 + 3 = 8" is a forward step; "16 = 8 * 2" or "16 / 2 = 8" (the target, or a number
//              we still need, on the left) is a backward step
//   structure  a forward step that does not use the previous step's result is a new combination of
//              numbers, which the paper counts as backtracking in Countdown
//   cues       phrases such as "not 16", "too high", "that works" (verification), "let's try
//              another way" (backtracking), "first, make 8" (subgoal), "working backwards" and
//              "so we need 8" (backward chaining)
//
// Counting units: one verification and one subgoal at most per sentence; one backward-chaining
// count per backward equation (or per "working backwards" sentence without one); one backtrack per
// new attempt, where a cue and the forward step that follows it are the same backtrack.
// Every count comes with the span of text it was read from, for highlighting.

import { BEHAVIORS, zeroCounts, type Behavior, type BehaviorCounts, type BehaviorSpan } from './types';

export interface ProblemContext {
  numbers: readonly number[];
  target: number;
}

export interface Classification {
  counts: BehaviorCounts;
  spans: BehaviorSpan[];
}

/** Longer inputs are classified on their first MAX_CHARS characters (bounded time on any input). */
export const MAX_CHARS = 20_000;

// ---------------------------------------------------------------------------------------------
// Sentences

interface Sentence {
  start: number;
  end: number;
  text: string;
}

/** Split at . ! ? ; followed by a space or the end, at newlines and at the think/answer tags. */
export function splitSentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  const boundary = /[.!?;]+(?=\s|$|<)|\n+|<\/?(?:think|answer)>/g;
  let start = 0;
  const push = (end: number): void => {
    let s = start;
    let e = end;
    while (s < e && /\s/.test(text[s])) s++;
    while (e > s && /\s/.test(text[e - 1])) e--;
    if (e > s) out.push({ start: s, end: e, text: text.slice(s, e) });
  };
  for (const m of text.matchAll(boundary)) {
    const isTag = m[0].startsWith('<');
    push(isTag ? m.index : m.index + m[0].length);
    start = m.index + m[0].length;
  }
  push(text.length);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Arithmetic in a sentence

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

const near = (a: number, b: number): boolean => Math.abs(a - b) < 1e-6;
interface Equation {
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

// ---------------------------------------------------------------------------------------------
// Cues

const NUM = '(-?\\d+(?:\\.\\d+)?)';

const BACKTRACK_CUES = [
  /\b(?:let's|let me|let us|i'll|we'll|we can|i can|now|so|maybe|perhaps)\s+try\s+(?:another|a different|something else|again|other|different|a new)\b/,
  /\btry(?:ing)?\s+(?:another|a different|something else|again|a new|other)\b/,
  /\b(?:another|different|new|other)\s+(?:way|approach|combination|combo|option|idea|attempt|possibility|sequence|strategy|path|order|grouping|method|pairing|factorization)s?\b/,
  /\b(?:doesn't|does not|didn't|did not|won't|will not|wouldn't|isn't|is not|not)\s+(?:work|working|help|helpful|lead)\b/,
  /\bdead[ -]end\b/,
  /\b(?:go|going|went)\s+back\b(?!\s+from)/,
  /\bback\s*track/,
  /\bback\s+up\b/,
  /\bstart(?:ing)?\s+(?:over|again|fresh)\b/,
  /\bscrap\s+that\b/,
  /\b(?:instead|alternatively|on second thought|no luck|let me reconsider|let's reconsider|reconsider|rethink)\b/,
  /\bwhat\s+if\s+(?:we|i|you)\b/,

  /\bthat\s+(?:fails|failed)\b/,
  /\bother\s+way\b/,
  /\b(?:option|attempt|approach|try)\s*#?\s*(?:[2-9]|two|three|four)\b/,
  /\b(?:second|third|fourth|next)\s+(?:option|attempt|approach|try|idea)\b/,
];

/**
 * Weaker signs of a new attempt ("Let's try 46 - 15", "Option 2:", "Wait, ..."): they only count when
 * the step that follows is a new combination, not a repeat, a fix of the same one, or a planned goal.
 */
const WEAK_BACKTRACK_CUES = [
  /\b(?:let's|let me|let us|now|next|so|then|maybe|i'll|we'll|i\s+could|we\s+could|you\s+could)\s+try\s+(?=\(?\d)/,
  /^\s*try\s+(?=\(?\d)/,
  /\b(?:what|how)\s+about\s+(?=\(?\d)/,

  /^\s*wait\b(?![^.]*\b(?:check|verify|confirm)\b)/,
];

const VERIFY_CUES = [
  /\btoo\s+(?:high|low|big|small|large|much|little|many|few)\b/,
  /\b(?:over|under|short|off)\s+by\s+\d/,
  /\b(?:overshoot|undershoot|overshot|undershot)s?\b/,
  // "27 is close to 28", "close, but"; not a plan to "get close to 12" (a subgoal).
  /(?<!\b(?:get|getting|come|coming)\s+)\bclose(?:\s+to|,?\s+but)\b/,
  /\bnot\s+(?:the|our)\s+target\b/,
  /\bnot\s+(?:equal|enough|exact(?:ly)?|quite|it|right|correct)\b/,
  /\b(?:doesn't|does not|didn't|did not|won't|wouldn't|can't)\s+(?:work|equal|reach|match|give|hit|get\s+us)\b/,
  /\b(?:more|less|greater|smaller|bigger|higher|lower|larger)\s+than\s+(?:the\s+target|our\s+target|needed|the\s+goal)\b/,
  /\b(?:this|that|it)\s+(?:works|worked)\b/,
  /\b(?:that's|that is|this is|it's|it is)\s+(?:it|correct|right|the answer|the target|our target|exactly)\b/,
  /\bgot\s+it\b/,
  // A result reported as the target; not the task stated ("we need to reach the target 15",
  // "can we hit the target?").
  /(?<!\b(?:to|can|could|will|would|should|must|might|cannot)\s+)\b(?:reach|reached|reaches|hit|hits|match|matches|equals|equal\s+to|gives\s+us|get|got|makes|made|is|are)\s+(?:exactly\s+|indeed\s+|precisely\s+)?(?:the|our)\s+(?:target|goal)\b/,
  /\bthe\s+target!/,
  /[✓✔✅❌✗✘]|\\checkmark/,
  /\b(?:correct|perfect|bingo|success|excellent|great|yes|yay)\s*!/,
  /^\s*(?:yes|correct|perfect)\s*\.?\s*$/,
  /^\s*(?:great|perfect|excellent|nice|yes|yep|bingo)\b\s*[,.!]/,
  /\b(?:confirmed|matches|that matches)\b/,
  /\bexactly\s+(?:what|the\s+\d+)\s+(?:we|i)\s+(?:need|needed|want|wanted)\b/,
  /\bwrong\b/,
  /\b(?:let me|let's|let us|i'll|we should|i should|to)\s+(?:double[- ]?check|check|verify|confirm)\b/,
  /\b(?:double[- ]?check(?:ing)?|verif(?:y|ying|ication)|sanity\s+check)\b/,
  /\bcheck(?:ing)?\s*:/,
  /\b(?:is|does)\s+(?:that|this|it)\s+(?:correct|right|work|equal)\b/,
];

// A verb that sets a goal, and a number after it: "make 8", "get to 75", "build 8 out of".
const GOAL_VERB = '(?:make|get|reach|obtain|create|form|find|produce|build|hit)';
const SUBGOAL_NUMBER_CUES = [
  new RegExp(
    `\\b(?:first|firstly|to start|start by|begin by|initially)\\b[^.]*?\\b(?:${GOAL_VERB}|aim for|aim to ${GOAL_VERB})\\s+(?:to\\s+)?(?:a\\s+number\\s+)?(?:close\\s+to\\s+|near\\s+|around\\s+)?${NUM}`,
  ),
  new RegExp(
    `\\baim(?:ing)?\\s+(?:for|at|to\\s+${GOAL_VERB})\\s+(?:a\\s+number\\s+)?(?:close\\s+to\\s+|near\\s+|around\\s+)?${NUM}`,
  ),
  new RegExp(`\\b${GOAL_VERB}\\s+(?:to\\s+)?${NUM}\\b[^.]*?\\bfirst\\b`),
  new RegExp(`\\bget\\s+(?:close\\s+to|near)\\s+${NUM}`),
  new RegExp(
    `\\b(?:need|want|try|trying|going|plan\\s+is|suffices|enough|have|has)\\s+to\\s+${GOAL_VERB}\\s+(?:a\\s+|another\\s+)?${NUM}`,
  ),
  new RegExp(
    `\\b(?:need|have|like|want)\\s+to\\s+(?:subtract|add|multiply\\s+by|divide\\s+by|take\\s+away)\\s+(?:a\\s+|another\\s+)?${NUM}`,
  ),
  new RegExp(
    `\\b(?:if|can|could)\\s+(?:i|we|you)\\s+(?:can\\s+|could\\s+)?${GOAL_VERB}\\s+(?:a\\s+|an\\s+)?${NUM}`,
  ),
  new RegExp(
    `\\b(?:i|we|you)\\s+(?:can|could|might)\\s+${GOAL_VERB}\\s+(?:a\\s+|an\\s+)?${NUM}\\s+(?:from|out\\s+of|using|with)\\b`,
  ),
  new RegExp(
    `\\b(?:need|needs|needed|want|wants|require)\\s+(?:to\\s+${GOAL_VERB}\\s+)?(?:another\\s+|a\\s+|an\\s+)?(?:[\\d\\s+\\-*/]+=\\s*)?${NUM}\\s+(?:more\\s+)?(?:from|out\\s+of|using|with)\\b`,
  ),
  new RegExp(
    `\\bneed\\s+(?:them|it|these|those|the\\s+rest|the\\s+others)\\s+to\\s+${GOAL_VERB}\\s+(?:a\\s+)?${NUM}`,
  ),
  new RegExp(`\\b${GOAL_VERB}\\s+(?:a|an|another)\\s+${NUM}\\s+(?:from|out\\s+of|using|with)\\b`),
  new RegExp(`\\bto\\s+(?:get|make|reach|build|form)\\s+${NUM}\\s*:`),
  new RegExp(`\\b(?:sub-?goal|intermediate\\s+(?:goal|target|result|value)|goal)s?\\s*:?[^.]*?${NUM}`),
];
const SUBGOAL_CUES = [
  /\bsub-?goals?\b/,
  /\bintermediate\s+(?:goal|target|step|result|value)s?\b/,
  /\bbreak\s+(?:it|this|the problem|this problem|the task)\s+(?:down|into)\b/,
  /\bplan\s*:/,
];
/** "add 38 and 27 to get 65" reports a computation; it is not a goal. */
const REPORTED_RESULT =
  /\b(?:add|adding|subtract|subtracting|multiply|multiplying|divide|dividing|combine|combining|sum|take|taking)\b[^.]*?\bto\s+(?:get|make|reach|obtain)\b/;

const BACKWARD_CUES = [
  /\bwork(?:ing|ed)?\s+back(?:wards?)?\s+from\b/,
  /\bwork(?:ing|ed)?\s+backwards?\b/,
  /\b(?:reason(?:ing)?|think(?:ing)?|go(?:ing)?|start(?:ing)?)\s+backwards?\b/,
  /\bbackward(?:s)?\s+(?:chaining|from|reasoning)\b/,
  /\bstart(?:ing)?\s+(?:from|with|at)\s+the\s+(?:target|goal|end|answer)\b/,
  /\b(?:from|factor|factoring|look\s+at)\s+the\s+target\b/,
  /\breverse[- ]engineer/,
  /\bwhat\s+(?:number\s+)?(?:times|plus|minus|multiplied\s+by|divided\s+by|added\s+to)\b[^.?]*\?/,
];
const NEED_CUE = new RegExp(
  `\\b(?:we|i|you|i'd|we'd)\\s+(?:would\\s+|will\\s+|still\\s+)?(?:need|needs|require)\\s+(?:a\\s+|an\\s+|the\\s+number\\s+|to\\s+${GOAL_VERB}\\s+)?${NUM}`,
);
/** "9 over", "5 more than 61", "just 1 off": how far a result is from the target. */
const DIFFERENCE =
  /\b(?:just\s+|only\s+|exactly\s+)?(\d+)\s+(?:more|less|over|under|above|below|short|off|too\s+(?:many|much|high|low|big|small))\b/g;
/** Words that say the next computation continues a plan rather than starting over. */
const CONTINUES_PLAN = /\b(?:remaining|the rest|left\s*over|leftover|other two|other numbers|the others)\b/;

const NOT_NUMBER = new RegExp(`\\bnot\\s+(?:equal\\s+to\\s+|quite\\s+|exactly\\s+)?${NUM}`, 'g');
const NOT_EQUAL = new RegExp(`${NUM}\\s*(?:≠|!=|=/=)\\s*${NUM}`);
const EQUALS_NUMBER = new RegExp(
  `\\b(?:which|that|this|it)\\s+(?:is|equals|gives(?:\\s+us)?|makes)\\s+(?:exactly\\s+)?(?:our\\s+)?${NUM}\\b`,
);
/** "that's the 10 I need", "there's the 13", "the 70 I was aiming for". */
const THE_GOAL_NUMBER = new RegExp(
  `\\b(?:that's|that is|there's|there is|here's|gives|giving|got|get|have)\\s+(?:exactly\\s+)?(?:the|our)\\s+${NUM}\\b`,
);
// "way more than 18" compares; "3 less than 100" (a number before it) is arithmetic, not a check.
const THAN_NUMBER = new RegExp(
  `(?<!\\d\\s*)\\b(?:more|less|greater|smaller|bigger|higher|lower|larger)\\s+than\\s+${NUM}`,
  'g',
);
/** "14 - 5 = 9!": reaching a goal number, with an exclamation. */
const EXCLAIMED_RESULT = new RegExp(`=\\s*${NUM}\\s*!`, 'g');
const GOAL_NUMBER_AIMED = new RegExp(
  `\\bthe\\s+${NUM}\\s+(?:i|we)\\s+(?:need|needed|want|wanted|was\\s+aiming|were\\s+aiming)`,
);

/** One alternation per list, so each sentence is scanned once per kind of cue. */
const joined = (patterns: RegExp[]): RegExp => new RegExp(patterns.map((p) => `(?:${p.source})`).join('|'));
const BACKTRACK_RE = joined(BACKTRACK_CUES);
const WEAK_BACKTRACK_RE = joined(WEAK_BACKTRACK_CUES);
const VERIFY_RE = joined(VERIFY_CUES);
const SUBGOAL_RE = joined(SUBGOAL_CUES);
const BACKWARD_RE = joined(BACKWARD_CUES);

/** Could this sentence hold an equation (a "=" or a word that normalizeArithmetic turns into one)? */
const MAYBE_EQUATION =
  /=|->|→|⇒|\b(?:equals?|is|gives|makes|results|yields|factors|written|expressed|made|split|broken|add|adding|subtract|subtracting|multiply|multiplying|divide|dividing)\b/;

// ---------------------------------------------------------------------------------------------
// The classifier

/** Count the four behaviors in a response to a Countdown problem, with the spans they come from. */
export function classify(text: string, problem: ProblemContext): Classification {
  const input = text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text;
  const counts = zeroCounts();
  const spans: BehaviorSpan[] = [];
  const add = (behavior: Behavior, start: number, end: number): void => {
    counts[behavior]++;
    spans.push({ behavior, start, end });
  };

  const T = problem.target;
  const available = new Set<number>(problem.numbers); // given numbers and results computed so far
  const needed = new Set<number>(); // numbers that backward steps said we need
  const subgoals = new Set<number>();
  const seen = new Set<string>(); // combinations already tried
  let prev: { result: number; leaves: number[] } | null = null; // the previous forward step
  let pendingBacktrack: { start: number; weak: boolean } | null = null; // a cue waiting for the next step
  let goalDeclared = false; // a subgoal or needed number was named since the previous step
  let sawEquation = false; // any equation so far (an attempt to move on from)
  // A step that did not use the previous result, decided at the next step: if that step combines
  // both results, the two were a planned pair ("14 * 5 = 70, 9 * 2 = 18, 70 + 18 = 88").
  let candidate: { other: number; result: number; start: number; end: number } | null = null;

  let previousGaps: number[] = []; // differences to the target named in the previous sentence
  const solves = (step: { result: number; leaves: number[] }): boolean =>
    near(step.result, T) && sameNumbers(step.leaves, problem.numbers);
  const isGoal = (x: number): boolean => near(x, T) || needed.has(x) || subgoals.has(x);
  const leavesOf = new Map<number, number[]>();

  for (const sent of splitSentences(input)) {
    const raw = sent.text;
    if (!/[A-Za-z0-9✓✔✅❌✗✘]/.test(raw)) continue; // punctuation only (e.g. the dots condition)
    const converted = numberWordsToDigits(raw);
    // Cues are read without LaTeX delimiters ("so can I get \\(9\\) from ...").
    const s = converted
      .toLowerCase()
      .replace(/\\[()[\]]/g, '  ')
      .replace(/[$*_]{1,2}(?=\S)|(?<=\S)[$*_]{1,2}/g, (m) => ' '.repeat(m.length));
    const exact = converted.length === raw.length; // offsets inside the sentence are reliable
    const at = (i: number): number => (exact ? sent.start + i : sent.start);
    const hasWords = /[a-z]/.test(s);
    const needMatch = /need|require/.test(s) ? NEED_CUE.exec(s) : null;
    const backwardCue = hasWords ? BACKWARD_RE.exec(s) : null;
    const hasBackwardContext = backwardCue !== null || needMatch !== null;
    const checkCue = /\b(?:check|verify|confirm|verification)\b/.test(s);
    const continuesPlan = CONTINUES_PLAN.test(s);
    const strongCue = hasWords ? BACKTRACK_RE.exec(s) : null;
    const backtrackCue = strongCue ?? (hasWords ? WEAK_BACKTRACK_RE.exec(s) : null);
    if (
      backtrackCue &&
      (prev !== null || sawEquation) &&
      (!pendingBacktrack || (pendingBacktrack.weak && strongCue))
    ) {
      pendingBacktrack = { start: at(backtrackCue.index), weak: strongCue === null };
    }

    const goalBefore = goalDeclared; // a goal named in an earlier sentence since the last step
    // Subgoals named in this sentence (known before its equations are read).
    // The first cue that names a real goal: not the target itself (unless "close to" it), and not a
    // computation being reported ("add 38 and 27 to get 65").
    let subNumber: number | null = null;
    if (hasWords) {
      for (const pattern of SUBGOAL_NUMBER_CUES) {
        const m = pattern.exec(s);
        if (!m || REPORTED_RESULT.test(m[0])) continue;
        if (near(Number(m[1]), T) && !/close\s+to|near|around/.test(m[0])) continue;
        subNumber = Number(m[1]);
        break;
      }
    }
    const isSubgoal = subNumber !== null;
    if (isSubgoal) {
      subgoals.add(subNumber as number);
      goalDeclared = true;
    }

    let backwardHere = 0;
    for (const eq of MAYBE_EQUATION.test(s) ? findEquations(converted) : []) {
      // "So 24 = 6 * 4 * (3 - 2)" right after a full solution reached 24 restates that answer with
      // every given number: not a new attempt. ("11 = 16 - 1" after a full solution the model
      // rejected, or "23 = 41 - 18" after a path that hit 23 without every number, is one.)
      const restates =
        eq.kind === 'decomposition' &&
        prev !== null &&
        solves(prev) &&
        near(eq.value, T) &&
        sameNumbers(eq.operands, problem.numbers);
      if (restates) continue;
      const goalOperand = eq.operands.some((o) => (near(o, T) || needed.has(o)) && !available.has(o));
      const backward =
        eq.kind === 'decomposition'
          ? near(eq.result, T) || needed.has(eq.result) || subgoals.has(eq.result)
          : goalOperand || (hasBackwardContext && eq.operands.some((o) => near(o, T) || needed.has(o)));
      if (backward) {
        backwardHere++;
        add('backward_chaining', at(eq.start), at(eq.end));
        // Turning to the target after a forward path that did not reach it starts a new attempt
        // (unless the step builds on that path's result: "98 - 79 = 19" after "44 + 35 = 79").
        const buildsOnPrevious = prev !== null && eq.operands.some((o) => near(o, prev!.result));
        const afterCue =
          pendingBacktrack !== null &&
          (!pendingBacktrack.weak || !buildsOnPrevious || (prev !== null && near(prev.result, T)));
        const turnsBack = prev !== null && !goalBefore && !buildsOnPrevious;
        if (afterCue || turnsBack) {
          if (candidate) add('backtracking', candidate.start, candidate.end);
          candidate = null;
          add('backtracking', pendingBacktrack?.start ?? at(eq.start), at(eq.end));
          pendingBacktrack = null;
        }
        if (eq.kind === 'decomposition') {
          for (const o of eq.operands) if (!available.has(o)) needed.add(o);
        } else if (!available.has(eq.result)) needed.add(eq.result);
        goalDeclared = true;
        sawEquation = true;
        continue;
      }
      // A false "N = a op b" that is not about a goal is a misreading of prose ("adding 21 gives 40 + 21").
      if (eq.kind === 'decomposition' && !near(eq.value, eq.result)) continue;
      // A forward step. Its leaves: the numbers it combines, with earlier results expanded.
      const leaves = eq.operands.flatMap((o) =>
        available.has(o) && leavesOf.has(o) && !problem.numbers.includes(o)
          ? (leavesOf.get(o) as number[])
          : [o],
      );
      if (candidate) {
        const pairs =
          eq.operands.some((o) => near(o, candidate!.other)) &&
          eq.operands.some((o) => near(o, candidate!.result));
        if (!pairs) add('backtracking', candidate.start, candidate.end);
        candidate = null;
      }
      if (prev !== null) {
        const p = prev;
        const usesPrevious =
          eq.operands.some((o) => near(o, p.result)) ||
          (p.leaves.length >= 2 && leaves.length > p.leaves.length && containsAll(leaves, p.leaves));
        const restatement = near(eq.result, p.result) || checkCue;
        const reachesGoal = (needed.has(eq.result) || subgoals.has(eq.result)) && !near(eq.result, T);
        const newCombination = !usesPrevious && !seen.has(eq.key) && !restatement;
        if (pendingBacktrack && (!pendingBacktrack.weak || (newCombination && !reachesGoal))) {
          add('backtracking', pendingBacktrack.start, at(eq.end));
        } else if (pendingBacktrack) {
          // A weak cue before a repeat or a planned step: no new attempt.
        } else if (newCombination && !goalDeclared && !reachesGoal && !continuesPlan) {
          candidate = { other: p.result, result: eq.result, start: at(eq.start), end: at(eq.end) };
        }
      }
      pendingBacktrack = null;
      goalDeclared = false;
      prev = { result: eq.result, leaves };
      available.add(eq.result);
      leavesOf.set(eq.result, leaves);
      seen.add(eq.key);
      sawEquation = true;
    }

    if (needMatch) {
      needed.add(Number(needMatch[1]));
      goalDeclared = true;
    }
    // "109, which is 9 over. Can I get 9 from 4 and 3?": a number needed because of the gap to the
    // target is found by reasoning back from the target.
    const gaps = [...s.matchAll(DIFFERENCE)].map((m) => Number(m[1]));
    const wanted = [isSubgoal ? (subNumber as number) : null, needMatch ? Number(needMatch[1]) : null].filter(
      (x): x is number => x !== null,
    );
    const closesGap = wanted.some((w) => gaps.includes(w) || previousGaps.includes(w));
    if (backwardHere === 0 && closesGap) {
      backwardHere++;
      add('backward_chaining', sent.start, sent.end);
    }
    previousGaps = gaps;
    if (backwardHere === 0 && backwardCue)
      add('backward_chaining', at(backwardCue.index), at(backwardCue.index + backwardCue[0].length));

    if (isSubgoal || (hasWords && SUBGOAL_RE.test(s))) add('subgoal_setting', sent.start, sent.end);

    // Verification: a comparison with a goal, or an explicit check.
    const notGoal = [...s.matchAll(NOT_NUMBER)].some((m) => isGoal(Number(m[1])));
    const equalsGoal = EQUALS_NUMBER.exec(s);
    const positiveGoal =
      equalsGoal !== null && isGoal(Number(equalsGoal[1])) && /!|target|goal|exactly/.test(s);
    const theGoal = THE_GOAL_NUMBER.exec(s) ?? GOAL_NUMBER_AIMED.exec(s);
    const reachedGoal = theGoal !== null && isGoal(Number(theGoal[1]));
    const thanGoal = [...s.matchAll(THAN_NUMBER)].some((m) => isGoal(Number(m[1])));
    const exclaimGoal = [...s.matchAll(EXCLAIMED_RESULT)].some((m) => isGoal(Number(m[1])));
    if (
      notGoal ||
      thanGoal ||
      exclaimGoal ||
      NOT_EQUAL.test(s) ||
      positiveGoal ||
      reachedGoal ||
      VERIFY_RE.test(s)
    )
      add('verification', sent.start, sent.end);
  }
  if (candidate) add('backtracking', candidate.start, candidate.end);
  if (pendingBacktrack)
    add('backtracking', pendingBacktrack.start, Math.min(input.length, pendingBacktrack.start + 40));
  spans.sort((a, b) => a.start - b.start || BEHAVIORS.indexOf(a.behavior) - BEHAVIORS.indexOf(b.behavior));
  return { counts, spans };
}

/** Does `all` contain every element of `part` (as multisets)? */
/** The same numbers, each as often (a multiset). */
function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && containsAll(a, b);
}

function containsAll(all: readonly number[], part: readonly number[]): boolean {
  const pool = [...all];
  for (const x of part) {
    const i = pool.findIndex((y) => near(x, y));
    if (i < 0) return false;
    pool.splice(i, 1);
  }
  return true;
}
