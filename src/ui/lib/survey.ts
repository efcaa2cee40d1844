// The page's handle on the survey worker (Comlink), with crash reporting.
import * as Comlink from 'comlink';
import type { SurveyApi } from '../../../workers/survey.worker';

export interface SurveyWorker {
  api: Comlink.Remote<SurveyApi>;
  terminate(): void;
}

export function createSurveyWorker(onCrash: (message: string) => void): SurveyWorker {
  const worker = new Worker(new URL('../../../workers/survey.worker.ts', import.meta.url), {
    type: 'module',
    name: 'survey',
  });
  worker.addEventListener('error', (e) => onCrash(e.message || 'the survey worker stopped unexpectedly'));
  return { api: Comlink.wrap<SurveyApi>(worker), terminate: () => worker.terminate() };
}
