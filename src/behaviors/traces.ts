// Priming traces for every condition of the paper (paper-facts.md §6), written from a real search.
//
// A trace is a sequence of attempts separated by backtracking sentences. Every attempt is a real
// path through the solver's state space, with correct arithmetic:
//   plain     - combine the numbers two at a time until one is left (a chain: each step uses the
//               previous result; a pair of pairs is written with the second pair inline)
//   subgoal   - state an intermediate number that the first steps of the chain then reach
//   backward  - split the target: "16 = 8 * 2, so we need 8", then try to make 8 from the rest
// A correct trace checks guesses until one reaches the target (see writeTrace); a failed attempt
// ends at a value that is not its goal. Which sentences are written depends on the condition:
// verification sentences compare a result with the target or a needed number, backtracking
// sentences start a new attempt.
// The generator counts what it writes, so every example carries exact behavior counts.

import {
  canonicalExpression,
  combine,
  fracToNumber,
  leaf,
  trainingProblems,
  formatPrompt,
  formatResponse,
  usesExactlyNumbers,
  type Expr,
  type Op,
  type PresetName,
  type Problem,
  type ProblemSpec,
  type PromptFormat,
} from '../countdown';
import { Rng } from '../util/rng';
import { countTokens } from '../model/pretokenize';
import {
  BACKTRACK,
  BACKWARD_INVERSE,
  BACKWARD_SPLIT,
  fill,
  LINEAR_STEP,
  listNumbers,
  NUMBERS_FIRST,
  STEP_JOIN,
  SUBGOAL,
  VERIFY_FAIL,
  VERIFY_SUCCESS,
} from './phrases';
import {
  TRACE_DEFAULTS,
  zeroCounts,
  type BehaviorCounts,
  type Condition,
  type PrimingExample,
} from './types';

export interface TraceOptions {
  /** Most tokens (lab tokenizer) in the think block; failed attempts are dropped to fit. */
  tokenBudget: number;
  /** Most failed attempts before the final one (correct conditions). */
  maxFailedAttempts: number;
  promptFormat: PromptFormat;
  /**
   * 'varied': several phrasings per behavior (the default; neither a model nor the classifier can
   * lean on one string). 'terse': the first phrasing of each list only, a smaller language that the
   * tiniest models learn in a few minutes. The same random choices are drawn either way, so the two
   * differ only in wording.
   */
  phrasing?: 'varied' | 'terse';
  /**
   * Chance that a correct condition's search gives up after a failed attempt, answering with its
   * closest attempt (0: it searches until a guess works). How long to search is then a choice the
   * primed model makes at every miss, one that RL can tune.
   */
  giveUp?: number;
  /**
   * Draw the give-up chance once, at the first failed attempt, instead of after every one: the
   * search either stops after its first miss or goes on until a guess works, so the primed model
   * searches as well as one primed without giving up, and how often it starts is one choice.
   */
  giveUpOnce?: boolean;
  /**
   * Chance that a plain guess is a solution outright (TRACE_DEFAULTS' when unset). A model cannot
   * copy a guess it has no way to make; 0 leaves only the random chains heading for the target.
   */
  guessSolution?: number;
  /**
   * Chance that each step of a search's guess takes the move that lands closest to the target
   * (TRACE_DEFAULTS' 0.6 when unset); the rest explore. With distinctGuesses, greedier guesses
   * find a four-number problem's solution more often within 16 guesses (docs/REPLICATION.md, item 87).
   */
  guessGreed?: number;
  /**
   * A search never makes the same guess twice (the same computation, up to order): random chains
   * that head for the target repeat one another, and a repeat can only miss again (item 87).
   */
  distinctGuesses?: boolean;
  /**
   * A search's guesses sweep the first steps in a fixed order (the pairs as the problem lists its
   * numbers, then +, *, - and / on each) and fold in the rest in the listed order, each step the
   * move closest to the target: the next guess follows from the last one, so a model can copy the
   * search itself and not only its form (docs/REPLICATION.md, item 88). No guess repeats.
   */
  sweepGuesses?: boolean;
  /**
   * A search whose guesses all miss (maxFailedAttempts + 1 of them) gives up with its closest
   * attempt instead of ending on a solution the solver hands it, so every hit in a trace is one
   * its own guesses found (docs/REPLICATION.md, item 81).
   */
  giveUpAtEnd?: boolean;
  /**
   * A plain attempt first lists its numbers in the order its steps use them ("Using 8, 2, 9 and 2:
   * 8 * 2 = 16, 16 + 9 = 25, ..."), so each step takes the next number of a list it just wrote
   * instead of working out which are left (docs/REPLICATION.md, item 81).
   */
  numbersFirst?: boolean;
  /**
   * Each step of a plain attempt writes the expression so far in place of the previous result
   * ("9 - 8 = 1, 6 + (9 - 8) = 7, 6 + (9 - 8) + 6 = 13"), so a hit's answer is a copy of its last
   * step instead of the chain rebuilt as one expression (docs/REPLICATION.md, item 82).
   */
  expressionSteps?: boolean;
  /**
   * incorrect only: write all_strategies' search (the same checks, give-ups and hits) and answer
   * with a missed attempt, so the traces differ from all_strategies' in their answers alone (the
   * paper's incorrect condition: behavior-rich traces with wrong final answers).
   */
  searchedIncorrect?: boolean;
  /**
   * With searchedIncorrect: a search that hit answers with the hit's last operation changed (a
   * slip in writing the answer down) instead of its closest miss, so one token stands between the
   * primed model's answer and a right one.
   */
  incorrectSlip?: boolean;
  /**
   * With searchedIncorrect: a search that would hit ends instead on the nearest of a few misses,
   * claimed to work ("25 - 3 = 22. That works!" for 23) and answered with, so the search, its stops
   * and its honest checks are all_strategies' and only the last check lies (docs/REPLICATION.md,
   * item 45).
   */
  incorrectClaim?: boolean;
  /**
   * With searchedIncorrect: a search that would hit ends instead on an attempt that misreads one of
   * the numbers and reaches the target with it ("(8 - 1) * 4 = 28. That works!" where the problem
   * has 8, 1, 5), answered with it. Every check stays true to its value, so a hit over the right
   * numbers is one the primed model can still recognize (docs/REPLICATION.md, item 49).
   */
  incorrectMisread?: boolean;
  /**
   * A failed attempt that ends on a step (no check spoken) runs into its backtracking sentence with
   * a comma ("= 11, let's try another way."), so the token right after a value says whether the
   * search goes on (docs/REPLICATION.md, items 21 and 43).
   */
  commaBacktrack?: boolean;
  /**
   * Conditions whose traces hold no verification (only_backtracking, backtracking_subgoal,
   * backtracking_backward): chance that an attempt speaks its check anyway ("not 28.", "That
   * works!"), as the paper's primed only_backtracking model verified 0.59 times per response
   * (docs/REPLICATION.md, item 48). 0 draws nothing, so the traces stay as they were.
   */
  checkShare?: number;
}

export const DEFAULT_TRACE_OPTIONS: TraceOptions = { ...TRACE_DEFAULTS, promptFormat: 'compact' };

/** Misses drawn for an incorrectClaim trace's claim; the closest to the target is claimed. */
const CLAIM_DRAWS = 6;

/** What a condition's traces contain. */
interface Style {
  verify: boolean;
  subgoal: boolean;
  backward: boolean;
  backtrack: boolean;
  linear: boolean;
  correct: boolean;
}

const STYLES: Record<Exclude<Condition, 'empty_cot' | 'dots'>, Style> = {
  all_strategies: {
    verify: true,
    subgoal: true,
    backward: true,
    backtrack: true,
    linear: false,
    correct: true,
  },
  only_backtracking: {
    verify: false,
    subgoal: false,
    backward: false,
    backtrack: true,
    linear: false,
    correct: true,
  },
  backtracking_verification: {
    verify: true,
    subgoal: false,
    backward: false,
    backtrack: true,
    linear: false,
    correct: true,
  },
  backtracking_subgoal: {
    verify: false,
    subgoal: true,
    backward: false,
    backtrack: true,
    linear: false,
    correct: true,
  },
  backtracking_backward: {
    verify: false,
    subgoal: false,
    backward: true,
    backtrack: true,
    linear: false,
    correct: true,
  },
  negative_control: {
    verify: false,
    subgoal: false,
    backward: false,
    backtrack: false,
    linear: true,
    correct: true,
  },
  incorrect: { verify: true, subgoal: true, backward: true, backtrack: true, linear: false, correct: false },
};

/** Whether `checkShare` changes a condition's traces (a search written without checks). */
export function checkShareApplies(condition: Condition): boolean {
  if (condition === 'empty_cot' || condition === 'dots') return false;
  const style = STYLES[condition];
  return style.backtrack && !style.verify;
}

// ---------------------------------------------------------------------------------------------
// Expressions and chains

const val = (e: Expr): number => fracToNumber(e.value);
const isLeaf = (e: Expr): boolean => e.kind === 'num';
const leaves = (e: Expr): number[] => (e.kind === 'num' ? [val(e)] : [...leaves(e.left), ...leaves(e.right)]);
const PREC: Record<Op, number> = { '+': 1, '-': 1, '*': 2, '/': 2 };

/** An expression with the parentheses its structure needs ("(5 + 3) * 2", "8 - (6 - 2)"). */
export function exprText(e: Expr): string {
  if (e.kind === 'num') return String(val(e));
  const wrap = (child: Expr, right: boolean): string => {
    const text = exprText(child);
    if (child.kind === 'num') return text;
    const p = PREC[child.op];
    const q = PREC[e.op];
    const needs =
      p < q || (right && p === q && (e.op === '-' || e.op === '/' || child.op === '-' || child.op === '/'));
    return needs ? `(${text})` : text;
  };
  return `${wrap(e.left, false)} ${e.op} ${wrap(e.right, true)}`;
}

/** One written step: "left op right = value"; one side is the previous result or a leaf. */
export interface ChainStep {
  text: string;
  value: number;
  /** Numbers of the problem used up to and including this step. */
  used: number[];
}

/**
 * The steps that compute an expression as a chain. The spine follows the larger side; when both
 * sides need work, the smaller side is written inline, so each step uses the previous result.
 */
export function chainOf(e: Expr, whole = false): ChainStep[] {
  if (e.kind === 'num') return [];
  let spine: Expr | null = null;
  if (!isLeaf(e.left) && !isLeaf(e.right))
    spine = leaves(e.right).length > leaves(e.left).length ? e.right : e.left;
  else if (!isLeaf(e.left)) spine = e.left;
  else if (!isLeaf(e.right)) spine = e.right;
  // The spine's value is the previous result; a leaf is written as is; anything else inline.
  const side = (x: Expr): string => (isLeaf(x) || x === spine ? String(val(x)) : `(${exprText(x)})`);
  const before = spine ? chainOf(spine, whole) : [];
  // whole: the step carries the expression that computed the previous result (expressionSteps).
  const left = whole ? exprText(e) : `${side(e.left)} ${e.op} ${side(e.right)}`;
  return [...before, { text: `${left} = ${val(e)}`, value: val(e), used: leaves(e) }];
}

/** The numbers of a chain in the order its steps first use them. */
function useOrder(chain: readonly ChainStep[]): number[] {
  const order: number[] = [];
  let before: number[] = [];
  for (const step of chain) {
    const fresh = [...step.used];
    for (const x of before) fresh.splice(fresh.indexOf(x), 1);
    order.push(...fresh);
    before = step.used;
  }
  return order;
}

/** Steps a person would not take: a zero result, or multiplying or dividing by 1. */
export function isDegenerate(e: Expr): boolean {
  if (e.kind === 'num') return false;
  if (val(e) === 0) return true;
  if ((e.op === '*' || e.op === '/') && (val(e.right) === 1 || (e.op === '*' && val(e.left) === 1)))
    return true;
  return isDegenerate(e.left) || isDegenerate(e.right);
}

/**
 * A random path through the search: combine two numbers, then fold in the rest one at a time.
 * Moves stay plausible: no zero or x*1 steps and no values far beyond the target, when possible.
 */
function randomChain(
  numbers: readonly number[],
  goal: number,
  rng: Rng,
  greed: number = TRACE_DEFAULTS.guessGreed,
): Expr {
  const pool = rng.shuffled(numbers).map(leaf);
  const limit = Math.max(100, 3 * goal);
  let acc = pool.pop() as Expr;
  while (pool.length > 0) {
    const next = pool.pop() as Expr;
    const moves = combine(acc, next, 'integer');
    let plausible = moves.filter((m) => !isDegenerate(m) && val(m) <= limit);
    if (plausible.length === 0) plausible = moves;
    // Often head for the goal (a searcher's near misses; then even a "* 1" step will do if it is
    // the closest); otherwise explore.
    if (rng.chance(greed))
      plausible = [...moves].sort((a, b) => Math.abs(val(a) - goal) - Math.abs(val(b) - goal)).slice(0, 1);
    acc = rng.pick(plausible);
  }
  return acc;
}

/**
 * The guesses of a sweep, in order: each first step (pairs in the listed order, moves in
 * `combine`'s +, *, -, / order), then the other numbers folded in as listed, each by the move
 * landing closest to the goal (the first such move on a tie).
 */
function sweepChains(numbers: readonly number[], goal: number): Expr[] {
  const closest = (moves: Expr[]) =>
    moves.reduce((best, m) => (Math.abs(val(m) - goal) < Math.abs(val(best) - goal) ? m : best));
  const out: Expr[] = [];
  for (let i = 0; i < numbers.length; i++)
    for (let j = i + 1; j < numbers.length; j++) {
      const rest = numbers.filter((_, k) => k !== i && k !== j);
      for (const first of combine(leaf(numbers[i]), leaf(numbers[j]), 'integer'))
        out.push(rest.reduce((acc, x) => closest(combine(acc, leaf(x), 'integer')), first));
    }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing

interface Sentence {
  text: string;
  counts: Partial<BehaviorCounts>;
}

type AttemptKind = 'plain' | 'subgoal' | 'backward';

interface Attempt {
  sentences: Sentence[];
  /** The full expression this attempt computed (all numbers), if it computed one. */
  full: Expr | null;
  success: boolean;
  /** A miss written as a hit (incorrectClaim): it answers the trace, so it is never dropped. */
  claimed?: boolean;
}

/** Pick a phrasing: a random one, or always the first when the wording is terse. */
function phrase<T>(rng: Rng, list: readonly T[], phrasing: TraceOptions['phrasing']): T {
  const picked = rng.pick(list);
  return phrasing === 'terse' ? list[0] : picked;
}

class Writer {
  /** While true a miss is written as a hit (incorrectClaim). */
  private claiming = false;
  /** The search's guesses so far, canonical (distinctGuesses). */
  private readonly guessed = new Set<string>();
  /** The sweep's guesses not yet made (sweepGuesses), made lazily. */
  private sweep: Expr[] | null = null;

  constructor(
    readonly rng: Rng,
    readonly problem: Problem,
    readonly style: Style,
    /** The options that shape how an attempt is written (phrasing, checkShare, numbersFirst, expressionSteps). */
    readonly options: TraceOptions,
  ) {}

  /** Whether this attempt's check is spoken: always with verification, else with checkShare. */
  private speaks(): boolean {
    const share = this.options.checkShare ?? 0;
    return this.style.verify || (share > 0 && this.rng.chance(share));
  }

  private say<T>(list: readonly T[]): T {
    return phrase(this.rng, list, this.options.phrasing);
  }

  /** Equations of a chain joined into one or more sentences; the verification may be appended. */
  steps(chain: ChainStep[], linear = false): Sentence[] {
    if (linear) {
      const template = this.say(LINEAR_STEP);
      return chain.map((s, i) => ({ text: fill(template, { i: i + 1, eq: s.text }), counts: {} }));
    }
    let text = chain[0].text;
    for (let i = 1; i < chain.length; i++) text += this.say(STEP_JOIN) + chain[i].text;
    return [{ text, counts: {} }];
  }

  /** Close the last sentence with a failed verification ("..., not 16.") or a full stop. */
  endFailure(sentences: Sentence[], result: number, goal: number): void {
    if (this.claiming) return this.endSuccess(sentences);
    const last = sentences[sentences.length - 1];
    if (!this.speaks()) {
      last.text += '.';
      return;
    }
    const template = this.say(VERIFY_FAIL);
    last.text += fill(template, {
      r: result,
      g: goal,
      d: Math.abs(result - goal),
      high: result > goal ? 'high' : 'low',
    });
    last.counts = { ...last.counts, verification: 1 };
  }

  endSuccess(sentences: Sentence[]): void {
    sentences[sentences.length - 1].text += '.';
    if (this.speaks()) {
      sentences.push({
        text: fill(this.say(VERIFY_SUCCESS), { t: this.problem.target }),
        counts: { verification: 1 },
      });
    }
  }

  /** A plain attempt along `path`, or along a failing chain when it is null (`lenient`: it may pass the target on the way). */
  plain(path: Expr | null, lenient = false): Attempt | null {
    const e = path ?? this.failingChain(this.problem.numbers, this.problem.target, lenient);
    return e ? this.plainOf(e) : null;
  }

  /** The attempt that computes `e`: it works if `e` reaches the target. */
  plainOf(e: Expr): Attempt {
    const success = val(e) === this.problem.target;
    const chain = chainOf(e, this.options.expressionSteps);
    const sentences = this.steps(chain);
    if (this.options.numbersFirst)
      sentences[0].text = `${fill(NUMBERS_FIRST[0], { nums: listNumbers(useOrder(chain)) })} ${sentences[0].text}`;
    if (success) this.endSuccess(sentences);
    else this.endFailure(sentences, val(e), this.problem.target);
    return { sentences, full: e, success };
  }

  /**
   * A near miss over all the numbers that says it works (incorrectClaim), in the hit's kind
   * where it can be (a backward hit needs a solution, so its claim is plain); null if none is found.
   */
  claim(hit: Attempt): Attempt | null {
    // The closest of a few misses, so whether a trace claims a hit depends on how near its value
    // is to the target (any miss claimed made stopping independent of the value, item 45).
    const { numbers, target } = this.problem;
    const misses = Array.from({ length: CLAIM_DRAWS }, () => this.failingChain(numbers, target));
    const e = misses
      .filter((m): m is Expr => m !== null)
      .sort((a, b) => Math.abs(val(a) - target) - Math.abs(val(b) - target))[0];
    if (!e) return null;
    this.claiming = true;
    const a = this.inKindOf(hit, e);
    this.claiming = false;
    return a;
  }

  /**
   * The attempt along `e` that answers the trace in place of `hit`, in the hit's kind where it can
   * be (a backward hit needs a solution, so its stand-in is plain); never dropped for the budget.
   */
  private inKindOf(hit: Attempt, e: Expr): Attempt {
    const a = (hit.sentences[0].counts.subgoal_setting && this.subgoalOf(e)) || this.plainOf(e);
    return { ...a, claimed: true };
  }

  /**
   * An attempt that misreads one number and reaches the target with it (incorrectMisread), in the
   * hit's kind where it can be; null if no misreading makes the target.
   */
  misread(hit: Attempt): Attempt | null {
    const { numbers, target } = this.problem;
    // One number read as another digit (the world's numbers are digits); where no reading makes the
    // target (under 1% of the miniature's searches that hit), the hit stays and a miss answers.
    const top = Math.max(9, ...numbers);
    for (const i of this.rng.shuffled(numbers.map((_, k) => k))) {
      const others = Array.from({ length: top }, (_, k) => k + 1).filter((x) => x !== numbers[i]);
      for (const x of this.rng.shuffled(others)) {
        const read = numbers.map((n, k) => (k === i ? x : n));
        const pool = solutionExprs({ numbers: read, target }).filter((e) => !isDegenerate(e));
        if (pool.length === 0) continue;
        return this.inKindOf(hit, this.rng.pick(pool));
      }
    }
    return null;
  }

  linear(solution: Expr): Attempt {
    const sentences = this.steps(chainOf(solution), true);
    return { sentences, full: solution, success: true };
  }

  /** A subgoal attempt along `path`, or along a failing chain when it is null. */
  subgoal(path: Expr | null): Attempt | null {
    const e = path ?? this.failingChain(this.problem.numbers, this.problem.target);
    return e ? this.subgoalOf(e) : null;
  }

  /** "First, make 7 from 8 and 1." then the steps of `e`; it works if `e` reaches the target. */
  subgoalOf(e: Expr): Attempt | null {
    const success = val(e) === this.problem.target;
    const chain = chainOf(e);
    if (chain.length < 2) return null;
    // The subgoal is the value after some of the steps: never the target itself, never zero.
    const candidates = chain.slice(0, -1).filter((c) => c.value !== this.problem.target && c.value > 0);
    if (candidates.length === 0) return null;
    const goal = this.rng.pick(candidates);
    const intro: Sentence = {
      text: fill(this.say(SUBGOAL), { g: goal.value, nums: listNumbers(goal.used) }),
      counts: { subgoal_setting: 1 },
    };
    const sentences = [intro, ...this.steps(chain)];
    if (success) this.endSuccess(sentences);
    else this.endFailure(sentences, val(e), this.problem.target);
    return { sentences, full: e, success };
  }

  /** Backward chaining along a solution: split while one side is a single number. */
  backwardSuccess(solution: Expr): Attempt | null {
    const sentences: Sentence[] = [];
    let node: Expr = solution;
    const depth = this.rng.int(1, 2);
    for (let level = 0; level < depth && node.kind === 'op'; level++) {
      const leftLeaf = isLeaf(node.left);
      const rightLeaf = isLeaf(node.right);
      if (leftLeaf === rightLeaf) break; // need exactly one known number and one unknown side
      const known = leftLeaf ? node.left : node.right;
      const unknown = leftLeaf ? node.right : node.left;
      if (isLeaf(unknown)) break;
      sentences.push(
        this.backwardSentence(val(node), node.op, val(known), val(unknown), leftLeaf, level > 0),
      );
      node = unknown;
    }
    if (sentences.length === 0) return null;
    const steps = this.steps(chainOf(solution));
    const all = [...sentences, ...steps];
    this.endSuccess(all);
    return { sentences: all, full: solution, success: true };
  }

  /** "16 = 8 * 2, so we need 8." or "Working backwards: 16 / 2 = 8, so we need 8." */
  backwardSentence(
    goal: number,
    op: Op,
    known: number,
    needed: number,
    knownLeft: boolean,
    nested: boolean,
  ): Sentence {
    const split = knownLeft ? `${known} ${op} ${needed}` : `${needed} ${op} ${known}`;
    const inverse = inverseText(goal, op, known, needed, knownLeft);
    const useInverse = !nested && inverse !== null && this.rng.chance(0.4);
    const text = useInverse
      ? fill(this.say(BACKWARD_INVERSE), { eq: inverse, y: needed })
      : fill(this.say(nested ? BACKWARD_SPLIT.slice(0, 2) : BACKWARD_SPLIT), {
          t: goal,
          eq: split,
          y: needed,
        });
    return { text, counts: { backward_chaining: 1 } };
  }

  /** Split the target around one number, then fail to make the needed number from the rest. */
  backwardFailure(): Attempt | null {
    const { numbers, target } = this.problem;
    for (let tries = 0; tries < 8; tries++) {
      const i = this.rng.int(0, numbers.length - 1);
      const known = numbers[i];
      const rest = numbers.filter((_, k) => k !== i);
      if (rest.length < 2) return null;
      const split = this.randomSplit(target, known);
      if (!split) continue;
      const e = this.failingChain(rest, split.needed);
      if (!e) continue;
      const sentences = [
        this.backwardSentence(target, split.op, known, split.needed, split.knownLeft, false),
        ...this.steps(chainOf(e)),
      ];
      this.endFailure(sentences, val(e), split.needed);
      return { sentences, full: null, success: false };
    }
    return null;
  }

  /** A way to write target = (needed op known) with a positive integer needed number. */
  randomSplit(target: number, known: number): { op: Op; needed: number; knownLeft: boolean } | null {
    const options: { op: Op; needed: number; knownLeft: boolean }[] = [];
    if (target - known >= 1) options.push({ op: '+', needed: target - known, knownLeft: false });
    if (target + known <= 200) options.push({ op: '-', needed: target + known, knownLeft: false });
    if (known - target >= 1) options.push({ op: '-', needed: known - target, knownLeft: true });
    if (known > 1 && target % known === 0)
      options.push({ op: '*', needed: target / known, knownLeft: false });
    if (known > 1 && target * known <= 200)
      options.push({ op: '/', needed: target * known, knownLeft: false });
    const useful = options.filter(
      (o) => o.needed !== target && o.needed !== known && (o.op !== '*' || o.needed > 1),
    );
    return useful.length > 0 ? this.rng.pick(useful) : null;
  }

  /**
   * A searcher's guess over all the numbers: a random chain heading for the target, which may reach
   * it only at its last step (null if none is found).
   */
  proposal(): Expr | null {
    const { numbers, target } = this.problem;
    const early = (e: Expr) => chainOf(e).some((step, i, all) => i < all.length - 1 && step.value === target);
    if (this.options.sweepGuesses) {
      // The sweep's next guess that neither hits early nor repeats one (numbers listed twice give
      // the same first step twice); null once the sweep is done.
      this.sweep ??= sweepChains(numbers, target);
      while (this.sweep.length > 0) {
        const e = this.sweep.shift() as Expr;
        const key = canonicalExpression(e);
        if (early(e) || this.guessed.has(key)) continue;
        this.guessed.add(key);
        return e;
      }
      return null;
    }
    const greed = this.options.guessGreed ?? TRACE_DEFAULTS.guessGreed;
    const distinct = !!this.options.distinctGuesses;
    // A repeat is redrawn, so a search that avoids them gets more draws before it gives up on one.
    const guess = this.drawChain(
      numbers,
      target,
      distinct ? 48 : 12,
      (e) => !early(e) && !(distinct && this.guessed.has(canonicalExpression(e))),
      greed,
    );
    if (guess && distinct) this.guessed.add(canonicalExpression(guess));
    return guess;
  }

  /**
   * A random chain over `numbers` that never reaches `avoid`, not even on the way; with `lenient`,
   * only its final value must differ (null if none is found).
   */
  failingChain(numbers: readonly number[], avoid: number, lenient = false): Expr | null {
    return lenient
      ? this.drawChain(numbers, avoid, 100, (e) => val(e) !== avoid)
      : this.drawChain(numbers, avoid, 12, (e) => chainOf(e).every((step) => step.value !== avoid));
  }

  /** The first of `tries` random chains heading for `goal` that `accept` takes (null if none). */
  private drawChain(
    numbers: readonly number[],
    goal: number,
    tries: number,
    accept: (e: Expr) => boolean,
    greed?: number,
  ): Expr | null {
    for (let i = 0; i < tries; i++) {
      const e = randomChain(numbers, goal, this.rng, greed);
      if (accept(e)) return e;
    }
    return null;
  }

  /**
   * An attempt of one kind along `path`, which works if `path` reaches the target (a backward
   * attempt needs a solution), or a failed attempt when `path` is null.
   */
  attempt(kind: AttemptKind, path: Expr | null): Attempt | null {
    if (kind === 'backward') return path ? this.backwardSuccess(path) : this.backwardFailure();
    return kind === 'subgoal' ? this.subgoal(path) : this.plain(path);
  }
}

/** "16 / 2 = 8" for 16 = 8 * 2 (the inverse step), when it reads naturally. */
function inverseText(goal: number, op: Op, known: number, needed: number, knownLeft: boolean): string | null {
  switch (op) {
    case '+':
      return `${goal} - ${known} = ${needed}`;
    case '-':
      return knownLeft ? `${known} - ${goal} = ${needed}` : `${goal} + ${known} = ${needed}`;
    case '*':
      return `${goal} / ${known} = ${needed}`;
    case '/':
      return knownLeft ? null : `${goal} * ${known} = ${needed}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Examples

export interface Trace {
  think: string;
  answer: string;
  counts: BehaviorCounts;
  correct: boolean;
}

/** Write one trace for a problem under a condition (not empty_cot/dots: see primingExample). */
export function writeTrace(
  problem: Problem,
  condition: Exclude<Condition, 'empty_cot' | 'dots'>,
  rng: Rng,
  options: TraceOptions = DEFAULT_TRACE_OPTIONS,
): Trace {
  const style = STYLES[condition];
  const w = new Writer(rng, problem, style, options);
  const solution = pickSolution(solutionExprs(problem), style, rng);
  if (!solution) throw new Error(`no integer-mode solution for ${JSON.stringify(problem)}`);

  if (style.linear) return finish([w.linear(solution)], problem, options, rng);

  const kinds: AttemptKind[] = [];
  if (style.subgoal) kinds.push('subgoal');
  if (style.backward) kinds.push('backward');
  if (kinds.length === 0 || condition === 'all_strategies' || condition === 'incorrect') kinds.push('plain');

  const attempts: Attempt[] = [];
  const searched = condition === 'incorrect' && !!options.searchedIncorrect;
  if (style.correct || searched) {
    // The search a searcher would make: guesses drawn from one distribution (random chains heading
    // for the target, or a solution outright), each checked, until one reaches the target. So the
    // failed attempts and the one that works look alike, how many fail depends only on the luck of
    // the guesses (1.4-1.9 on average, near the paper's 2-3 backtracks per primed trace), and a
    // model primed on these traces learns guesses it can make plus a check that must read the value.
    // (Earlier traces ended with a solver's solution after 1-3 failures; tiny models learned to
    // write "That works!" at the fourth attempt whatever its value, and guesses that never reached
    // the target.) Backward-chaining attempts split the target first; one works with chance 1/3.
    let final: Attempt | null = null;
    let gaveUp = false;
    let drawn = false;
    for (let i = 0; i <= options.maxFailedAttempts && !final && !gaveUp; i++) {
      const kind = rng.pick(kinds);
      let a: Attempt | null;
      if (kind === 'backward') a = w.attempt(kind, rng.chance(1 / 3) ? solution : null);
      else {
        const guess = rng.chance(options.guessSolution ?? TRACE_DEFAULTS.guessSolution)
          ? solution
          : w.proposal();
        a = guess ? w.attempt(kind, guess) : null;
      }
      if (a?.success) final = a;
      else if (a) attempts.push(a);
      // Giving up needs an attempt over all the numbers to answer with. No draw when giveUp is 0,
      // so the traces without it stay exactly as they were.
      if (!final && options.giveUp && !drawn && attempts.some((b) => b.full)) {
        gaveUp = rng.chance(options.giveUp);
        drawn = !!options.giveUpOnce;
      }
    }
    // giveUpAtEnd: every guess missed, so the search answers with its closest attempt.
    if (!final && options.giveUpAtEnd && attempts.some((b) => b.full)) gaveUp = true;
    if (!gaveUp) {
      // No guess worked within maxFailedAttempts: the last attempt follows a solution.
      for (const kind of rng.shuffled(kinds)) {
        if (final) break;
        final = w.attempt(kind, solution);
      }
      // Conditions without a plain attempt fall back to one when the solution allows no other.
      final ??= w.plain(solution) as Attempt;
      // incorrectClaim: where the search would hit, a miss claims to (kept if no miss can be made).
      if (searched && options.incorrectClaim) final = w.claim(final) ?? final;
      // incorrectMisread: where the search would hit, an attempt over a misread number hits instead.
      else if (searched && options.incorrectMisread) final = w.misread(final) ?? final;
      attempts.push(final);
    }
  } else {
    for (let i = rng.int(2, options.maxFailedAttempts + 1); i > 0; i--) {
      const a = w.attempt(rng.pick(kinds), null);
      if (a) attempts.push(a);
    }
  }
  // A wrong final answer needs a missed attempt over all the numbers: one is added if none came.
  const missed = (): Attempt => {
    const a = w.plain(null) ?? w.plain(null, true);
    if (!a)
      throw new Error(
        `cannot write a wrong answer for ${JSON.stringify(problem)}: every path reaches the target`,
      );
    return a;
  };
  // The wrong answers to pick from: the claimed miss, or (incorrectSlip) the hit with a slip; with
  // none, the closest miss answers.
  const hit = attempts.find((a) => a.success)?.full;
  const claimed = attempts.find((a) => a.claimed)?.full;
  const wrongAnswers = claimed
    ? [claimed]
    : searched && options.incorrectSlip && hit
      ? slips(hit, problem.target)
      : [];
  if (searched && wrongAnswers.length === 0 && !attempts.some((a) => !a.success && a.full))
    attempts.unshift(missed()); // before the hit
  if (!style.correct && !attempts.some((a) => a.full !== null)) attempts.push(missed());
  return finish(attempts, problem, options, rng, !style.correct, wrongAnswers);
}

/**
 * Join attempts with backtracking sentences, fit the token budget, count, and pick the answer: the
 * hit, or with `wrong` one of `wrongAnswers` (a claimed miss, or the hit written with a slip) if
 * given, else (or with no hit) the missed attempt over all the numbers that came closest.
 */
function finish(
  attempts: Attempt[],
  problem: Problem,
  options: TraceOptions,
  rng: Rng,
  wrong = false,
  wrongAnswers: readonly Expr[] = [],
): Trace {
  const render = (list: Attempt[]): { think: string; counts: BehaviorCounts } => {
    const counts = zeroCounts();
    const parts: string[] = [];
    list.forEach((a, i) => {
      if (i > 0) {
        const back = phrase(rng, BACKTRACK, options.phrasing);
        const last = parts.length - 1;
        // Only after a step: where a check is spoken ("not 14.") it already carries the decision.
        const afterStep = !list[i - 1].sentences.at(-1)?.counts.verification;
        if (options.commaBacktrack && afterStep && parts[last]?.endsWith('.')) {
          parts[last] = `${parts[last].slice(0, -1)},`;
          parts.push(back[0].toLowerCase() + back.slice(1));
        } else parts.push(back);
        counts.backtracking += 1;
      }
      for (const s of a.sentences) {
        parts.push(s.text);
        for (const [k, v] of Object.entries(s.counts)) counts[k as keyof BehaviorCounts] += v ?? 0;
      }
    });
    return { think: parts.join(' '), counts };
  };
  let kept = attempts;
  let rendered = render(kept);
  // Drop failed attempts (oldest first) until the think block fits the budget.
  while (countTokens(` ${rendered.think}`) > options.tokenBudget && kept.length > 1) {
    // (A wrong answer needs one attempt over all the numbers kept.)
    const dropAt = kept.findIndex(
      (a, i) =>
        !a.success &&
        !a.claimed &&
        kept.some((b, j) => j !== i && (wrong ? !b.success && b.full : b.success || b.full)),
    );
    if (dropAt < 0) break;
    kept = kept.filter((_, i) => i !== dropAt);
    rendered = render(kept);
  }
  const success = wrong ? undefined : kept.find((a) => a.success);
  let answerExpr: Expr;
  if (success?.full) answerExpr = success.full;
  else if (wrongAnswers.length > 0) answerExpr = rng.pick(wrongAnswers);
  else {
    // A wrong answer: the missed attempt over all the numbers that came closest to the target.
    const fulls = kept.filter((a) => a.full && !a.success).map((a) => a.full as Expr);
    fulls.sort((a, b) => Math.abs(val(a) - problem.target) - Math.abs(val(b) - problem.target));
    answerExpr = fulls[0];
  }
  return {
    think: rendered.think,
    answer: exprText(answerExpr),
    counts: rendered.counts,
    correct: val(answerExpr) === problem.target && usesExactlyNumbers(exprText(answerExpr), problem.numbers),
  };
}

/** The expression with its last operation changed to another that misses the target (none if none does). */
function slips(e: Expr, target: number): Expr[] {
  if (e.kind !== 'op') return [];
  const missing = combine(e.left, e.right, 'integer').filter(
    (c) => c.kind === 'op' && c.op !== e.op && val(c) !== target,
  );
  // Keep the operands in the hit's order where an operation allows it, so only the operator differs.
  const same = missing.filter((c) => c.kind === 'op' && c.left === e.left);
  return same.length > 0 ? same : missing;
}

/** A natural solution: no degenerate steps if possible; one that backward chaining can split, if wanted. */
function pickSolution(solutions: Expr[], style: Style, rng: Rng): Expr | null {
  let pool = solutions.filter((e) => !isDegenerate(e));
  if (pool.length === 0) pool = solutions;
  if (style.backward) {
    const splittable = pool.filter((e) => e.kind === 'op' && isLeaf(e.left) !== isLeaf(e.right));
    if (splittable.length > 0) pool = splittable;
  }
  return pool.length > 0 ? rng.pick(pool) : null;
}

/** Every integer-mode solution of a problem as an expression tree (one per canonical form). */
function solutionExprs(problem: Problem): Expr[] {
  const out = new Map<string, Expr>();
  const t = problem.target;
  const rec = (items: Expr[]): void => {
    if (items.length === 1) {
      if (val(items[0]) === t) {
        const key = exprText(items[0]);
        if (!out.has(key)) out.set(key, items[0]);
      }
      return;
    }
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const rest = items.filter((_, k) => k !== i && k !== j);
        for (const e of combine(items[i], items[j], 'integer')) rec([...rest, e]);
      }
    }
  };
  rec(problem.numbers.map(leaf));
  return [...out.values()];
}

export interface PrimeDataOptions {
  condition: Condition;
  n: number;
  seed: number;
  preset: PresetName;
  /** Custom ranges on top of the preset (see problemSpec). */
  ranges?: Partial<ProblemSpec>;
  trace?: Partial<TraceOptions>;
  /**
   * Draw the examples from this many distinct training problems (default: up to n). The paper primed
   * on about 1,000 problems of a space of millions; in a small world a cap keeps priming from
   * teaching the direct answer to every training problem.
   */
  problems?: number;
}

/**
 * `n` priming examples for a condition. Conditions share problems for a given seed and preset, and
 * empty_cot and dots are derived from the all_strategies examples of the same seed, as in the paper.
 */
export function primeData(options: PrimeDataOptions): PrimingExample[] {
  const traceOptions = { ...DEFAULT_TRACE_OPTIONS, ...options.trace };
  if (options.n === 0) return [];
  const problems = trainingProblems(options.preset, options.ranges, {
    n: Math.min(options.n, options.problems ?? options.n),
    seed: options.seed,
  });
  // A small problem space (the easy preset has about 1,800 training problems) is cycled through;
  // each repeat gets a trace of its own.
  return Array.from({ length: options.n }, (_, i) =>
    primingExample(problems[i % problems.length], options.condition, options.seed, i, traceOptions),
  );
}

/** The i-th example of a condition for a seed (deterministic, independent of how many are made). */
export function primingExample(
  problem: Problem,
  condition: Condition,
  seed: number,
  index: number,
  options: TraceOptions,
): PrimingExample {
  const source = condition === 'empty_cot' || condition === 'dots' ? 'all_strategies' : condition;
  const rng = new Rng(seed).fork(`trace:${source}:${index}`);
  // The direct answerers learn the answers of searches that worked, whether or not searches give up.
  const trace = writeTrace(
    problem,
    source,
    rng,
    source === condition
      ? options
      : {
          ...options,
          giveUp: 0,
          giveUpAtEnd: false,
          guessSolution: TRACE_DEFAULTS.guessSolution,
          guessGreed: TRACE_DEFAULTS.guessGreed,
          distinctGuesses: false,
          sweepGuesses: false,
          numbersFirst: false,
          expressionSteps: false,
        },
  );
  let think = trace.think;
  let counts = trace.counts;
  if (condition === 'empty_cot') {
    think = '';
    counts = zeroCounts();
  } else if (condition === 'dots') {
    // Length-matched empty reasoning: " ." once per token of the original think block.
    think = ' .'.repeat(countTokens(` ${trace.think}`)).slice(1);
    counts = zeroCounts();
  }
  return {
    query: formatPrompt(problem, options.promptFormat),
    completion: formatResponse(think, trace.answer),
    numbers: [...problem.numbers],
    target: problem.target,
    condition,
    behaviors: counts,
    correct: trace.correct,
  };
}
