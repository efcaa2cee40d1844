import { describe, expect, it } from 'vitest';
import {
  judgePrompt,
  llmJudge,
  localJudge,
  parseJudgeCount,
  summarizeBehaviors,
  classify,
} from '../../src/behaviors';

const item = { text: '5 + 3 = 8. 8 * 2 = 16. That works!', numbers: [5, 3, 2], target: 16 };

describe('behavior judges', () => {
  it('the local judge answers through the same interface as the classifier', async () => {
    expect(await localJudge.classify([item])).toEqual([classify(item.text, item).counts]);
  });

  it('an LLM judge asks one question per behavior and reads <count> back; unreadable replies count 0', async () => {
    const asked: string[] = [];
    const judge = llmJudge('fake', async (prompt) => {
      asked.push(prompt);
      if (prompt.includes('answer-verification')) return 'Found one. <count>1</count>';
      if (prompt.includes('backtracking')) return '<count> 3 </count>';
      if (prompt.includes('subgoal')) return 'I am not sure.';
      return '<count>two</count>';
    });
    expect(await judge.classify([item])).toEqual([
      { verification: 1, backtracking: 3, subgoal_setting: 0, backward_chaining: 0 },
    ]);
    expect(asked).toHaveLength(4);
    expect(asked[0]).toContain('[5, 3, 2]');
    expect(asked[0]).toContain('target number 16');
    expect(judgePrompt('backtracking', item)).toContain(
      'does not directly use the result of the previous computation',
    );
  });

  it('parseJudgeCount is bounded and strict', () => {
    expect(parseJudgeCount('<count>12</count>')).toBe(12);
    expect(parseJudgeCount('<count>-1</count>')).toBe(0);
    expect(parseJudgeCount('x'.repeat(100_000) + '<count>5</count>')).toBe(0);
  });

  it('batch metrics: average count per response and share with at least one', () => {
    const s = summarizeBehaviors([
      { verification: 2, backtracking: 0, subgoal_setting: 1, backward_chaining: 0 },
      { verification: 0, backtracking: 0, subgoal_setting: 3, backward_chaining: 1 },
    ]);
    expect(s.n).toBe(2);
    expect(s.mean).toEqual({ verification: 1, backtracking: 0, subgoal_setting: 2, backward_chaining: 0.5 });
    expect(s.present).toEqual({
      verification: 0.5,
      backtracking: 0,
      subgoal_setting: 1,
      backward_chaining: 0.5,
    });
    expect(summarizeBehaviors([]).mean.verification).toBe(0);
  });
});
