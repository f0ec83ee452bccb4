/** The lab page's handle on the lab worker (src/workers/lab-worker.ts). */
import * as Comlink from 'comlink';
import type { LabWorkerApi } from '../shared/lab-protocol';

export type LabClient = Comlink.Remote<LabWorkerApi>;

export function createLabClient(): { client: LabClient; worker: Worker } {
  const worker = new Worker(new URL('./lab-worker.ts', import.meta.url), {
    type: 'module',
    name: 'roadcam-lab',
  });
  return { client: Comlink.wrap<LabWorkerApi>(worker), worker };
}
