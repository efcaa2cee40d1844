import { describe, expect, it } from 'vitest';
import {
  compactPrompt,
  formatPrompt,
  formatResponse,
  pythonList,
  scoreResponse,
  tinyzeroPrompt,
} from '../../src/countdown';
import { computeScore } from '../../src/countdown/reward';

const p = { numbers: [44, 19, 35], target: 98 };

describe('prompts', () => {
  it("TinyZero's base prompt is reproduced verbatim", () => {
    expect(tinyzeroPrompt(p)).toBe(
      'A conversation between User and Assistant. The user asks a question, and the Assistant solves it. The assistant first thinks about the reasoning process in the mind and then provides the user with the answer.\n' +
        'User: Using the numbers [44, 19, 35], create an equation that equals 98. You can use basic arithmetic operations (+, -, *, /) and each number can only be used once. Show your work in <think> </think> tags. And return the final answer in <answer> </answer> tags, for example <answer> (1 + 2) / 3 </answer>.\n' +
        'Assistant: Let me solve this step by step.\n<think>',
    );
    expect(pythonList([1])).toBe('[1]');
  });

  it('the compact prompt is short and ends at <think>', () => {
    expect(compactPrompt(p)).toBe('Numbers: 44, 19, 35. Target: 98.\n<think>');
    expect(formatPrompt(p, 'compact')).toBe(compactPrompt(p));
    expect(() => formatPrompt(p, 'chat' as 'compact')).toThrow(/unknown prompt format/);
  });

  it('a formatted response puts the answer alone on the last line, where both rewards find it', () => {
    const response = formatResponse('44 + 35 = 79, 79 + 19 = 98', '44 + 35 + 19');
    expect(response).toBe(' 44 + 35 = 79, 79 + 19 = 98 </think>\n<answer> 44 + 35 + 19 </answer>');
    expect(scoreResponse(response, p).score).toBe(1);
    expect(computeScore(tinyzeroPrompt(p) + response, p, { mode: 'tinyzero' }).score).toBe(1);
    // The compact prompt has no "Assistant:", so TinyZero's function gives it 0; the lab scores the response.
    expect(computeScore(compactPrompt(p) + response, p, { mode: 'tinyzero' }).score).toBe(0);
    expect(formatResponse('', '1')).toBe(' </think>\n<answer> 1 </answer>');
  });
});
