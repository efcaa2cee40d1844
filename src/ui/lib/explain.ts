// Words for what the trainer reports: the backend it runs on, and errors that say what to do.

/** Turn a raw error into a message that says what to do. */
export function explain(msg: string): string {
  if (/out of memory|OOM|allocat/i.test(msg))
    return `The GPU ran out of memory (${msg}). Choose a smaller model, fewer problems per step or a shorter token budget, and train again.`;
  if (/device (was )?lost|DeviceLost/i.test(msg))
    return `The GPU device was lost (${msg}). Reload the page; if it happens again choose the wasm backend.`;
  if (/backend/i.test(msg))
    return `${msg}. Pick another backend in the setup (wasm always works, more slowly).`;
  return msg;
}

/** The message of anything thrown. */
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A share as a whole percent, or a dash when there is none. */
export const fmtPct = (x: number | undefined): string => (x === undefined ? '–' : `${(100 * x).toFixed(0)}%`);
