// The lab's vocabulary: every word its prompts and priming traces use, collected from the templates
// themselves (./phrases and the Countdown prompts), so a new phrase is covered by the tokenizer
// without a second list to keep.

import { compactPrompt, tinyzeroPrompt } from '../countdown/prompt';
import { pretokenize } from '../model/pretokenize';
import { buildVocab, Tokenizer } from '../model/tokenizer';
import * as phrases from './phrases';

/** Every word the lab's prompts and traces use, sorted. */
export function labWords(): string[] {
  const texts: string[] = [];
  for (const value of Object.values(phrases)) {
    if (Array.isArray(value)) texts.push(...(value as string[]));
  }
  texts.push(tinyzeroPrompt({ numbers: [1, 2], target: 3 }), compactPrompt({ numbers: [1, 2], target: 3 }));
  texts.push('high low and'); // words filled into templates ("Too {high}", listNumbers)
  const words = new Set<string>();
  for (const t of texts) {
    for (const piece of pretokenize(t.replace(/\{\w+\}/g, ' '))) {
      const w = piece.trim();
      if (/^[A-Za-z]/.test(w)) words.add(w);
    }
  }
  return [...words].sort();
}

/** The token list of the lab's tokenizer. */
export function labVocab(): string[] {
  return buildVocab(labWords());
}

/** The tokenizer a lab model made from scratch uses. */
export function labTokenizer(): Tokenizer {
  return new Tokenizer(labVocab());
}
