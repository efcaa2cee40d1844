import type { LabEvent } from '../../src/lab';

/** Events without wall-clock fields, for comparing runs. */
export function timeless(events: readonly LabEvent[]): unknown[] {
  return events
    .filter((e) => e.type !== 'status' && e.type !== 'checkpoint')
    .map((e) => {
      if (e.type === 'step') {
        const { stepSeconds: _a, sampleTokensPerSecond: _b, trainTokensPerSecond: _c, ...rest } = e.metrics;
        return { type: 'step', metrics: rest };
      }
      if (e.type === 'prime') {
        const { tokensPerSecond: _d, ...rest } = e.progress;
        return { type: 'prime', progress: rest };
      }
      if (e.type === 'done') {
        const { seconds: _e, ...rest } = e.summary;
        return { type: 'done', summary: rest };
      }
      return e;
    });
}
