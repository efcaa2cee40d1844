// One request to a test's dedicated worker and its one answer, shared by the browser tests and
// their workers. The test makes the worker itself (`new Worker(new URL(...), { type: 'module' })`
// must stay at the call site for Vite to bundle it).

type Reply<T> = { ok: true; result: T } | { ok: false; error: string };

/** Send `message`, resolve with the worker's result (reject with its error), then end the worker. */
export function callWorker<T>(worker: Worker, message: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<Reply<T>>) => {
      worker.terminate();
      if (e.data.ok) resolve(e.data.result);
      else reject(new Error(e.data.error));
    };
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage(message);
  });
}

/** In the worker: answer each message with `run`'s result, or its error with the stack. */
export function answerWith<M, T>(run: (message: M) => Promise<T>): void {
  self.onmessage = async (e: MessageEvent<M>) => {
    let reply: Reply<T>;
    try {
      reply = { ok: true, result: await run(e.data) };
    } catch (err) {
      reply = { ok: false, error: err instanceof Error ? `${err.message}\n${err.stack}` : String(err) };
    }
    self.postMessage(reply);
  };
}
