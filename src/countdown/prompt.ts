// Prompt formats. Both end right after "<think>", so a response is
//   " <reasoning> </think>\n<answer> <expression> </answer>"
// with the answer tag alone on the final line, which is where the reward looks for it.

import type { Problem } from './problems';

export type PromptFormat = 'tinyzero' | 'compact';
export const PROMPT_FORMATS: PromptFormat[] = ['tinyzero', 'compact'];

/** Python's repr of a list of ints, as TinyZero writes `{numbers}`: "[44, 19, 35]". */
export function pythonList(numbers: readonly number[]): string {
  return `[${numbers.join(', ')}]`;
}

/** TinyZero's base-model prompt, verbatim (paper-facts.md §3). */
export function tinyzeroPrompt(p: Problem): string {
  return (
    'A conversation between User and Assistant. The user asks a question, and the Assistant solves it. ' +
    'The assistant first thinks about the reasoning process in the mind and then provides the user with the answer.\n' +
    `User: Using the numbers ${pythonList(p.numbers)}, create an equation that equals ${p.target}. ` +
    'You can use basic arithmetic operations (+, -, *, /) and each number can only be used once. ' +
    'Show your work in <think> </think> tags. And return the final answer in <answer> </answer> tags, ' +
    'for example <answer> (1 + 2) / 3 </answer>.\n' +
    'Assistant: Let me solve this step by step.\n<think>'
  );
}

/** A short prompt for the lab's tiny models: every token of it carries information. */
export function compactPrompt(p: Problem): string {
  return `Numbers: ${p.numbers.join(', ')}. Target: ${p.target}.\n<think>`;
}

export function formatPrompt(p: Problem, format: PromptFormat): string {
  switch (format) {
    case 'tinyzero':
      return tinyzeroPrompt(p);
    case 'compact':
      return compactPrompt(p);
    default:
      throw new Error(
        `unknown prompt format "${String(format)}"; choose one of ${PROMPT_FORMATS.join(', ')}`,
      );
  }
}

/** A well-formed response: reasoning in the think block, the answer alone on the last line. */
export function formatResponse(think: string, answer: string): string {
  const body = think.trim();
  return `${body ? ` ${body}` : ''} </think>\n<answer> ${answer.trim()} </answer>`;
}
