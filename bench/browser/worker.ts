// One browser benchmark configuration, in a Web Worker as the lab's trainer runs: the backend (wasm
// on 1 thread or on every thread, or webgpu), then nano decode and train rates (bench/rates.ts).
import * as tf from '@tensorflow/tfjs';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { modelConfig, Transformer } from '../../src/model';
import { decodeRate, tok, TRAIN_BATCH, trainRate } from '../rates';

export interface BrowserCase {
  backend: 'wasm' | 'webgpu';
  /** wasm threads (0: every core). */
  threads: number;
  newTokens: number;
  trainSteps: number;
}

self.onmessage = async (e: MessageEvent<BrowserCase>) => {
  const c = e.data;
  try {
    let threads: number | undefined;
    let multithread: boolean | undefined;
    if (c.backend === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths({
        'tfjs-backend-wasm.wasm': wasmPlain,
        'tfjs-backend-wasm-simd.wasm': wasmSimd,
        'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
      });
      // tfjs's own default is half the cores (at most 4): name every core to measure them all.
      wasm.setThreadsCount(c.threads > 0 ? c.threads : navigator.hardwareConcurrency);
      if (!(await tf.setBackend('wasm'))) throw new Error('wasm did not start');
      threads = wasm.getThreadsCount();
      multithread = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean;
    } else {
      await import('@tensorflow/tfjs-backend-webgpu');
      if (!(await tf.setBackend('webgpu'))) throw new Error('webgpu did not start');
    }
    await tf.ready();
    const model = Transformer.init(modelConfig(tok.size, 'nano'), 1);
    await decodeRate(model, true, 4); // compiles the GPU backends' shaders
    const decode = await decodeRate(model, true, c.newTokens);
    const train = await trainRate(model, TRAIN_BATCH, c.trainSteps);
    model.dispose();
    self.postMessage({
      ok: true,
      threads,
      multithread,
      cores: navigator.hardwareConcurrency,
      isolated: self.crossOriginIsolated,
      decode,
      train,
    });
  } catch (err) {
    self.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
};
