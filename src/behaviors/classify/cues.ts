// The phrases that signal each behavior ("too high", "let's try another way", "first, make 8",
// "working backwards"), as regular expressions over a lower-cased sentence.

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
export const SUBGOAL_NUMBER_CUES = [
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
export const REPORTED_RESULT =
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
export const NEED_CUE = new RegExp(
  `\\b(?:we|i|you|i'd|we'd)\\s+(?:would\\s+|will\\s+|still\\s+)?(?:need|needs|require)\\s+(?:a\\s+|an\\s+|the\\s+number\\s+|to\\s+${GOAL_VERB}\\s+)?${NUM}`,
);
/** "9 over", "5 more than 61", "just 1 off": how far a result is from the target. */
export const DIFFERENCE =
  /\b(?:just\s+|only\s+|exactly\s+)?(\d+)\s+(?:more|less|over|under|above|below|short|off|too\s+(?:many|much|high|low|big|small))\b/g;
/** Words that say the next computation continues a plan rather than starting over. */
export const CONTINUES_PLAN =
  /\b(?:remaining|the rest|left\s*over|leftover|other two|other numbers|the others)\b/;

export const NOT_NUMBER = new RegExp(`\\bnot\\s+(?:equal\\s+to\\s+|quite\\s+|exactly\\s+)?${NUM}`, 'g');
export const NOT_EQUAL = new RegExp(`${NUM}\\s*(?:≠|!=|=/=)\\s*${NUM}`);
export const EQUALS_NUMBER = new RegExp(
  `\\b(?:which|that|this|it)\\s+(?:is|equals|gives(?:\\s+us)?|makes)\\s+(?:exactly\\s+)?(?:our\\s+)?${NUM}\\b`,
);
/** "that's the 10 I need", "there's the 13", "the 70 I was aiming for". */
export const THE_GOAL_NUMBER = new RegExp(
  `\\b(?:that's|that is|there's|there is|here's|gives|giving|got|get|have)\\s+(?:exactly\\s+)?(?:the|our)\\s+${NUM}\\b`,
);
// "way more than 18" compares; "3 less than 100" (a number before it) is arithmetic, not a check.
export const THAN_NUMBER = new RegExp(
  `(?<!\\d\\s*)\\b(?:more|less|greater|smaller|bigger|higher|lower|larger)\\s+than\\s+${NUM}`,
  'g',
);
/** "14 - 5 = 9!": reaching a goal number, with an exclamation. */
export const EXCLAIMED_RESULT = new RegExp(`=\\s*${NUM}\\s*!`, 'g');
export const GOAL_NUMBER_AIMED = new RegExp(
  `\\bthe\\s+${NUM}\\s+(?:i|we)\\s+(?:need|needed|want|wanted|was\\s+aiming|were\\s+aiming)`,
);

/** One alternation per list, so each sentence is scanned once per kind of cue. */
const joined = (patterns: RegExp[]): RegExp => new RegExp(patterns.map((p) => `(?:${p.source})`).join('|'));
export const BACKTRACK_RE = joined(BACKTRACK_CUES);
export const WEAK_BACKTRACK_RE = joined(WEAK_BACKTRACK_CUES);
export const VERIFY_RE = joined(VERIFY_CUES);
export const SUBGOAL_RE = joined(SUBGOAL_CUES);
export const BACKWARD_RE = joined(BACKWARD_CUES);

/** Could this sentence hold an equation (a "=" or a word that normalizeArithmetic turns into one)? */
export const MAYBE_EQUATION =
  /=|->|→|⇒|\b(?:equals?|is|gives|makes|results|yields|factors|written|expressed|made|split|broken|add|adding|subtract|subtracting|multiply|multiplying|divide|dividing)\b/;
