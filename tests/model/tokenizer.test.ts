import { PreTrainedTokenizer } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { CONDITIONS, primeData } from '../../src/behaviors';
import { tinyzeroPrompt } from '../../src/countdown';
import { pretokenize, Tokenizer } from '../../src/model';
import { labTokenizer } from '../../src/behaviors/vocabulary';

const tok = labTokenizer();
const texts: string[] = [];
for (const preset of ['paper', 'easy', 'tinyzero'] as const) {
  for (const condition of CONDITIONS) {
    for (const e of primeData({ condition, n: 60, seed: 11, preset })) {
      texts.push(e.query + e.completion, tinyzeroPrompt(e) + e.completion);
    }
  }
}

describe('tokenizer', () => {
  it('round-trips prompts and traces of every condition and problem preset (60 each), with no unknown tokens', () => {
    for (const t of texts) {
      expect(tok.covers(t)).toBe(true);
      expect(tok.decode(tok.encode(t))).toBe(t);
    }
  });

  it('has digits as single tokens and whole words for the trace vocabulary', () => {
    expect(pretokenize(' 125 = 5 * 25')).toEqual([' 1', '2', '5', ' =', ' 5', ' *', ' 2', '5']);
    const ids = tok.encode(" Let's try another way.");
    expect(ids.map((i) => tok.vocab[i])).toEqual(
      ["Let's", ' try', ' another', ' way', '.'].map((t, i) => (i === 0 ? ` ${t}` : t)),
    );
    expect(tok.encode('<think></think><answer></answer>')).toEqual([3, 4, 5, 6]);
    expect(tok.size).toBeLessThan(400);
  });

  it('maps unknown words to <unk> and drops special tokens when decoding', () => {
    const ids = tok.encode('zebra 5');
    expect(ids[0]).toBe(tok.unkId);
    expect(tok.decode([tok.padId, ...tok.encode('5'), tok.eosId])).toBe('5');
    expect(tok.decode([tok.eosId], true)).toBe('<eos>');
    expect(() => tok.decode([99999])).toThrow(/outside the vocabulary/);
  });

  it('@huggingface/transformers loads our tokenizer.json and encodes to the same ids', () => {
    const hf = new PreTrainedTokenizer(
      tok.toHuggingFace() as never,
      { clean_up_tokenization_spaces: false } as never,
    );
    for (const t of texts.slice(0, 600)) {
      expect(hf.encode(t, { add_special_tokens: false })).toEqual(tok.encode(t));
      expect(hf.decode(tok.encode(t), { skip_special_tokens: false })).toBe(t);
    }
  });

  it('reads back its own tokenizer.json and refuses foreign ones', () => {
    const again = Tokenizer.fromHuggingFace(JSON.parse(JSON.stringify(tok.toHuggingFace())));
    expect(again.vocab).toEqual(tok.vocab);
    expect(() => Tokenizer.fromHuggingFace({ model: { type: 'BPE' } })).toThrow(/WordLevel/);
    expect(() => Tokenizer.fromHuggingFace('nope')).toThrow(/JSON object/);
    const bad = JSON.parse(JSON.stringify(tok.toHuggingFace()));
    bad.pre_tokenizer.pattern.Regex = '.';
    expect(() => Tokenizer.fromHuggingFace(bad)).toThrow(/pre-tokenizer/);
  });
});
