// Priming on two cores (data parallel). tfjs-wasm computes on one thread, so a worker thread holds a
// replica of the model and computes the gradients of half of each batch while this thread computes
// the other half; weighted by their counted tokens, the two sum to the whole batch's gradient, on
// which the caller's optimizer steps as before (the same steps; sums in another order, so not bit-identical).
import * as tf from '@tensorflow/tfjs';
import { Worker } from 'node:worker_threads';
import type { Transformer } from '../model/transformer';
import { countedTokens, type Sequence } from '../rl/batch';
import { batchGradients, type BatchGradients } from '../rl/sft';
import type { GradientReply, GradientRequest } from './gradient-thread';

export class GradientWorker {
  private pending: { resolve: (r: GradientReply) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly model: Transformer,
  ) {
    const fail = (err: Error) => {
      this.failure ??= err;
      this.pending?.reject(this.failure);
      this.pending = null;
    };
    worker.on('message', (r: GradientReply) => {
      this.pending?.resolve(r);
      this.pending = null;
    });
    worker.on('error', (err) => fail(new Error(`the gradient thread failed: ${err.message}`)));
    worker.on('exit', (code) => fail(new Error(`the gradient thread ended (exit code ${code})`)));
  }

  /** A worker thread with a replica of `model` (its weights are sent with each batch). */
  static async start(model: Transformer): Promise<GradientWorker> {
    const worker = new Worker(new URL('./gradient-thread.mjs', import.meta.url), {
      workerData: { config: model.config },
    });
    // Only these listeners go afterwards: a Worker's own ones start its message port.
    let ready = () => {};
    let failed: (err: Error) => void = () => {};
    const ended = (code: number) =>
      failed(new Error(`the gradient thread ended as it started (exit code ${code})`));
    await new Promise<void>((resolve, reject) => {
      [ready, failed] = [resolve, reject];
      worker.on('message', ready).on('error', failed).on('exit', ended);
    }).finally(() => worker.off('message', ready).off('error', failed).off('exit', ended));
    return new GradientWorker(worker, model);
  }

  /** batchGradients of `rows`, half of them computed on the worker thread. */
  async gradients(rows: readonly Sequence[], padId: number, limit: number): Promise<BatchGradients> {
    if (this.failure) throw this.failure;
    if (rows.length < 2) return batchGradients(this.model, rows, padId, limit);
    const half = Math.ceil(rows.length / 2);
    const [mine, theirs] = [rows.slice(0, half), rows.slice(half)];
    const count = (part: readonly Sequence[]) => part.reduce((n, r) => n + countedTokens(r), 0);
    const tokens = count(rows);
    const total = Math.max(1, tokens);
    const weights: Record<string, Float32Array> = {};
    for (const [name, v] of this.model.params)
      if (!name.startsWith('value_head')) weights[name] = (await v.data()) as Float32Array;
    const reply = new Promise<GradientReply>((resolve, reject) => (this.pending = { resolve, reject }));
    const request: GradientRequest = { weights, rows: theirs, padId, limit };
    this.worker.postMessage(
      request,
      Object.values(weights).map((a) => a.buffer as ArrayBuffer),
    );
    const own = batchGradients(this.model, mine, padId, limit);
    let r: GradientReply;
    try {
      r = await reply;
      if (!r.ok) throw new Error(`the gradient thread failed: ${r.message}`);
    } catch (err) {
      tf.dispose([own.loss, ...own.grads.values()]);
      throw err;
    }
    const [a, b] = [count(mine) / total, count(theirs) / total];
    const done = r;
    const grads = new Map(
      [...own.grads].map(([name, g]) => [
        name,
        tf.tidy(() => tf.add(tf.mul(g, a), tf.mul(tf.tensor(done.grads[name], g.shape), b))),
      ]),
    );
    const loss = tf.tidy(() => tf.add(tf.mul(own.loss, a), b * done.loss)) as tf.Scalar;
    tf.dispose([own.loss, ...own.grads.values()]);
    return { loss, grads, tokens };
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error('the gradient thread ended (terminated)');
    await this.worker.terminate();
  }
}
