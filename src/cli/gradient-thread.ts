// The worker side of gradient-worker.ts: a replica of the model that, told the weights and the rows
// of half a batch, answers with that half's loss and gradients (the caller's optimizer steps).
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../model/backend';
import { Transformer, type ModelConfig } from '../model/transformer';
import type { Sequence } from '../rl/batch';
import { batchGradients } from '../rl/sft';

export interface GradientRequest {
  weights: Record<string, Float32Array>;
  rows: Sequence[];
  padId: number;
  limit: number;
}
export type GradientReply =
  { ok: true; loss: number; grads: Record<string, Float32Array> } | { ok: false; message: string };

const port = parentPort;
if (!port) throw new Error('gradient-thread.ts runs as a worker thread (gradient-worker.ts starts it)');
await selectBackend('wasm');
const model = Transformer.init(workerData.config as ModelConfig, 0, false);

port.on('message', async ({ weights, rows, padId, limit }: GradientRequest) => {
  try {
    for (const [name, data] of Object.entries(weights)) {
      const v = model.params.get(name);
      if (!v) throw new Error(`the replica has no weight ${name}`);
      tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
    }
    const { loss, grads } = batchGradients(model, rows, padId, limit);
    const out: Record<string, Float32Array> = {};
    for (const [name, g] of grads) out[name] = (await g.data()) as Float32Array;
    const value = (await loss.data())[0];
    tf.dispose([loss, ...grads.values()]);
    const reply: GradientReply = { ok: true, loss: value, grads: out };
    port.postMessage(
      reply,
      Object.values(out).map((a) => a.buffer as ArrayBuffer),
    );
  } catch (err) {
    port.postMessage({ ok: false, message: (err as Error).stack ?? String(err) } satisfies GradientReply);
  }
});
port.postMessage('ready');
