// One interface for whatever counts behaviors: the local rule-based classifier today, an LLM judge
// (as the paper used, gpt-4o-mini) tomorrow. Both take a batch and answer asynchronously.

import { classify } from './classify';
import { BEHAVIORS, zeroCounts, type Behavior, type BehaviorCounts } from './types';

export interface JudgeItem {
  text: string;
  numbers: readonly number[];
  target: number;
}

export interface BehaviorJudge {
  readonly name: string;
  classify(items: readonly JudgeItem[]): Promise<BehaviorCounts[]>;
}

/** The local, deterministic classifier behind the judge interface. */
export const localJudge: BehaviorJudge = {
  name: 'local-rules',
  classify: (items) => Promise.resolve(items.map((item) => classify(item.text, item).counts)),
};

/** The question the paper asks its LLM judge for each behavior (paraphrased from its classifier prompts). */
export function judgePrompt(behavior: Behavior, item: JudgeItem): string {
  const intro =
    `Here is a chain-of-reasoning that a language model generated while trying to play the game of Countdown ` +
    `with the numbers [${item.numbers.join(', ')}]. The goal is to reach the target number ${item.target}.\n\n` +
    `Chain-of-reasoning:\n${item.text}\n\n`;
  const questions: Record<Behavior, string> = {
    verification:
      'Evaluate whether the chain-of-reasoning contains any answer-verification steps, where the model checks the ' +
      'current result against the target, explicitly ("This sequence results in 1, which is not equal to 22") or ' +
      'implicitly ("Too high!", "This works!").',
    backtracking:
      'Evaluate whether the chain-of-reasoning contains any backtracking, where the model realizes a path will not ' +
      'work and goes back to try a different approach. In Countdown, any attempt at a new combination of numbers ' +
      'that does not directly use the result of the previous computation counts as backtracking.',
    subgoal_setting:
      'Evaluate whether the chain-of-reasoning contains any explicit subgoal setting, where the model breaks the ' +
      'problem into smaller, intermediate goals ("First, I will try to get close to 12, then ...").',
    backward_chaining:
      'Evaluate whether the chain-of-reasoning contains any backward chaining, where the model starts from the target ' +
      'number and works backwards to the given numbers ("24 / 2 = 12, so we need 12").',
  };
  return `${intro}${questions[behavior]} Count the instances and give the count between <count> and </count>. If there are none, answer <count>0</count>.`;
}

/** Read "<count>n</count>" from a judge's reply; an unreadable reply counts 0, as in the paper. */
export function parseJudgeCount(reply: string): number {
  const m = /<count>\s*(\d{1,4})\s*<\/count>/.exec(reply.slice(0, 10_000));
  return m ? Number(m[1]) : 0;
}

/** Build a judge from any text-completion function (for example a local or remote LLM). */
export function llmJudge(name: string, complete: (prompt: string) => Promise<string>): BehaviorJudge {
  return {
    name,
    async classify(items) {
      const out: BehaviorCounts[] = [];
      for (const item of items) {
        const counts = zeroCounts();
        for (const b of BEHAVIORS) counts[b] = parseJudgeCount(await complete(judgePrompt(b, item)));
        out.push(counts);
      }
      return out;
    },
  };
}
