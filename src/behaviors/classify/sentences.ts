// A response read as sentences: the unit the classifier counts verification and subgoals in.

import { BACKTRACK_RE } from './cues';

export interface Sentence {
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

/**
 * A sentence whose steps run into a backtracking cue ("3 + 2 = 5, let's try another way.") as two:
 * the steps, then the cue, so that the cue waits for the next attempt instead of the steps before it.
 */
export function splitAtBacktrackCue(sentence: Sentence): Sentence[] {
  const cue = BACKTRACK_RE.exec(sentence.text.toLowerCase());
  if (!cue || cue.index === 0) return [sentence];
  const comma = sentence.text.lastIndexOf(',', cue.index);
  if (
    comma < 0 ||
    !sentence.text.slice(0, comma).includes('=') ||
    sentence.text.slice(comma + 1, cue.index).trim()
  )
    return [sentence];
  return [
    { start: sentence.start, end: sentence.start + comma + 1, text: sentence.text.slice(0, comma + 1) },
    { start: sentence.start + cue.index, end: sentence.end, text: sentence.text.slice(cue.index) },
  ];
}
