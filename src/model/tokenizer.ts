// The lab's tokenizer: a word-level vocabulary over the pre-tokens of ./pretokenize.
//
//   ids 0-2     <pad> <eos> <unk>          (special: never produced by encode)
//   ids 3-6     <think> </think> <answer> </answer>
//   then        the ten digits and the punctuation, each with and without a leading space,
//               " ", "\n", and every word of a word list (the lab's: every word of its prompts
//               and traces, src/behaviors/vocabulary.ts), with and without a leading space
//
// With the lab's words every prompt and trace the lab writes is covered, so decode(encode(x)) === x.
// Unknown pre-tokens (a word the lab never writes) map to <unk>. The same tokenizer is written out as a
// Hugging Face tokenizer.json (WordLevel model, Split pre-tokenizer with the same regex, Fuse
// decoder), which @huggingface/transformers loads and encodes to the same ids.

import { PRETOKEN_PATTERN, pretokenize, TAGS } from './pretokenize';

export const PAD = '<pad>';
export const EOS = '<eos>';
export const UNK = '<unk>';
export const SPECIAL_TOKENS = [PAD, EOS, UNK] as const;

const PUNCTUATION = [...'+-*/=().,!?:;\'"[]<>%'];

export interface TokenizerSpec {
  /** Token strings in id order. */
  vocab: string[];
}

/**
 * A vocabulary over `words` (letters only: the lab's is src/behaviors/vocabulary.ts): the special
 * tokens and tags, digits and punctuation, then each word, all with and without a leading space.
 */
export function buildVocab(words: readonly string[]): string[] {
  const vocab: string[] = [...SPECIAL_TOKENS, ...TAGS];
  const pieces = [...'0123456789', ...PUNCTUATION];
  for (const p of pieces) vocab.push(p, ` ${p}`);
  vocab.push(' ', '\n');
  for (const w of words) vocab.push(w, ` ${w}`);
  return vocab;
}

export class Tokenizer {
  readonly vocab: readonly string[];
  private readonly ids: Map<string, number>;
  readonly padId: number;
  readonly eosId: number;
  readonly unkId: number;

  constructor(vocab: readonly string[]) {
    this.vocab = vocab;
    this.ids = new Map(vocab.map((t, i) => [t, i]));
    if (this.ids.size !== vocab.length) throw new Error('tokenizer vocabulary has duplicate tokens');
    for (const t of [...SPECIAL_TOKENS, ...TAGS]) {
      if (!this.ids.has(t)) throw new Error(`tokenizer vocabulary lacks ${t}`);
    }
    this.padId = this.ids.get(PAD) as number;
    this.eosId = this.ids.get(EOS) as number;
    this.unkId = this.ids.get(UNK) as number;
  }

  get size(): number {
    return this.vocab.length;
  }

  /** Text to ids. Unknown pieces become <unk>. */
  encode(text: string): number[] {
    return pretokenize(text).map((p) => this.ids.get(p) ?? this.unkId);
  }

  /** Ids to text; special tokens (<pad>, <eos>, <unk>) are dropped unless `keepSpecial`. */
  decode(ids: readonly number[], keepSpecial = false): string {
    let out = '';
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocab.length)
        throw new Error(`token id ${id} is outside the vocabulary (size ${this.vocab.length})`);
      if (!keepSpecial && (id === this.padId || id === this.eosId || id === this.unkId)) continue;
      out += this.vocab[id];
    }
    return out;
  }

  /** Does this tokenizer represent the text exactly (no <unk>)? */
  covers(text: string): boolean {
    return pretokenize(text).every((p) => this.ids.has(p));
  }

  idOf(token: string): number | undefined {
    return this.ids.get(token);
  }

  /** A Hugging Face tokenizer.json (tokenizers library format) with the same behavior. */
  toHuggingFace(): object {
    const special = new Set<string>(SPECIAL_TOKENS);
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [...SPECIAL_TOKENS, ...TAGS].map((content) => ({
        id: this.ids.get(content),
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: special.has(content),
      })),
      normalizer: null,
      pre_tokenizer: {
        type: 'Split',
        pattern: { Regex: PRETOKEN_PATTERN.source },
        behavior: 'Isolated',
        invert: false,
      },
      post_processor: null,
      decoder: { type: 'Fuse' },
      model: {
        type: 'WordLevel',
        vocab: Object.fromEntries(this.vocab.map((t, i) => [t, i])),
        unk_token: UNK,
      },
    };
  }

  /** Read a tokenizer.json written by toHuggingFace (validated: a clear error for anything else). */
  static fromHuggingFace(json: unknown): Tokenizer {
    const fail = (why: string): never => {
      throw new Error(`tokenizer.json: ${why}`);
    };
    if (typeof json !== 'object' || json === null) fail('not a JSON object');
    const model = (json as { model?: { type?: unknown; vocab?: unknown } }).model;
    if (!model || model.type !== 'WordLevel') fail('expected a WordLevel model (a Habits Lab tokenizer)');
    const vocabObj = model?.vocab;
    if (typeof vocabObj !== 'object' || vocabObj === null) fail('model.vocab must be an object');
    const entries = Object.entries(vocabObj as Record<string, unknown>);
    const vocab: string[] = new Array(entries.length);
    for (const [token, id] of entries) {
      if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= entries.length)
        fail(`bad id for token ${JSON.stringify(token)}`);
      if (vocab[id as number] !== undefined) fail(`id ${id} is used twice`);
      vocab[id as number] = token;
    }
    const pattern = (json as { pre_tokenizer?: { pattern?: { Regex?: unknown } } }).pre_tokenizer?.pattern
      ?.Regex;
    if (pattern !== PRETOKEN_PATTERN.source)
      fail('pre-tokenizer pattern differs from this version of Habits Lab');
    return new Tokenizer(vocab);
  }
}
