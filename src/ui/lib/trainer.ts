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
  const api = Comlink.wrap<TrainerApi>(worker);
  // Tests only: `?fault=<name>` in the page's URL installs a fault in the worker (workers/faults.ts).
  const fault = new URLSearchParams(location.search).get('fault');
  if (fault) void api.setFault(fault).catch((err: unknown) => onCrash(String(err)));
  return { api, terminate: () => worker.terminate() };
}

export const proxy = Comlink.proxy;
