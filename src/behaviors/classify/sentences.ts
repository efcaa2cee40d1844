// A response read as sentences: the unit the classifier counts verification and subgoals in.

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
