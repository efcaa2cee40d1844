// The page's handle on the trainer worker (Comlink), with crash reporting.
import * as Comlink from 'comlink';
import type { TrainerApi } from '../../../workers/trainer.worker';

export interface Trainer {
  api: Comlink.Remote<TrainerApi>;
  terminate(): void;
}

export function createTrainer(onCrash: (message: string) => void): Trainer {
  const worker = new Worker(new URL('../../../workers/trainer.worker.ts', import.meta.url), {
    type: 'module',
    name: 'trainer',
  });
  worker.addEventListener('error', (e) => onCrash(e.message || 'the trainer worker stopped unexpectedly'));
  worker.addEventListener('messageerror', () =>
    onCrash('a message from the trainer worker could not be read'),
  );
  return { api: Comlink.wrap<TrainerApi>(worker), terminate: () => worker.terminate() };
}

export const proxy = Comlink.proxy;
