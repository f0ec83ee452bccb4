/** The page's handle on the analysis worker (src/workers). */
import * as Comlink from 'comlink';
import type { AnalysisWorkerApi } from '../../workers/protocol';

export type AnalysisClient = Comlink.Remote<AnalysisWorkerApi>;

export function createAnalysisClient(): { client: AnalysisClient; worker: Worker } {
  const worker = new Worker(new URL('../../workers/analysis-worker.ts', import.meta.url), {
    type: 'module',
    name: 'roadcam-analysis',
  });
  return { client: Comlink.wrap<AnalysisWorkerApi>(worker), worker };
}
