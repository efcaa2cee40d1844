// How the lab's text is cut into tokens, before any vocabulary lookup. Shared by the tokenizer and
// by the `dots` priming condition (which needs token counts before a vocabulary exists).
//
//   "<think> 5 + 13 = 18, not 20.</think>" ->
//   ["<think>", " 5", " +", " 1", "3", " =", " 1", "8", ",", " not", " 2", "0", ".", "</think>"]
//
// Tags are whole tokens; a word, a single digit or a single other character may carry one leading
// space; any other whitespace character is a token of its own. Digits are single tokens so that a
// tiny model sees the place-value structure of every number.

export const TAGS = ['<think>', '</think>', '<answer>', '</answer>'] as const;

export const PRETOKEN_PATTERN =
  /<\/?(?:think|answer)>| ?[A-Za-z]+(?:'[A-Za-z]+)?| ?[0-9]| ?(?!<\/?(?:think|answer)>)[^\sA-Za-z0-9]|\s/gu;

/** Cut text into pre-tokens. Concatenating them gives the text back exactly. */
export function pretokenize(text: string): string[] {
  return text.match(PRETOKEN_PATTERN) ?? [];
}

/** Number of pre-tokens: the length of a text in the lab's tokens. */
export function countTokens(text: string): number {
  return pretokenize(text).length;
}
