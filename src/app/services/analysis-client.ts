/** The page's handle on the analysis worker (src/workers), and its start. */
import * as Comlink from 'comlink';
import { withInstalledModel } from '../../features/model-update/client/start-model';
import type { AnalysisWorkerApi, EngineInfo } from '../../workers/protocol';
import { workerConfigFrom } from '../../workers/worker-config';

export type AnalysisClient = Comlink.Remote<AnalysisWorkerApi>;

export function createAnalysisClient(): { client: AnalysisClient; worker: Worker } {
  const worker = new Worker(new URL('../../workers/analysis-entry.ts', import.meta.url), {
    type: 'module',
    name: 'roadcam-analysis',
  });
  return { client: Comlink.wrap<AnalysisWorkerApi>(worker), worker };
}

export interface StartedAnalysis {
  client: AnalysisClient;
  /** The app's own model (the installed one, when there is one, falls back to it). */
  bundledModelUrl: string;
  /** The worker's answer to start(): the backend runs (the model loads on). */
  engine: Promise<EngineInfo>;
}

/** A new worker, asked at once to start its backend and load the model this page calls for. */
export function startAnalysis(location: Location): StartedAnalysis {
  performance.mark('roadcam:engine-start');
  const { client } = createAnalysisClient();
  const config = workerConfigFrom(location);
  const engine = client.start(withInstalledModel(config, location));
  // Observed by whoever takes the handle; never an unhandled rejection meanwhile.
  engine.catch(() => undefined);
  return { client, bundledModelUrl: config.modelUrl, engine };
}

/** Started by the app's first module (src/main.ts), until the app's services take it. */
let early: StartedAnalysis | null = null;

/**
 * Starts the worker before the shell's code is even fetched: on a cold start of the installed
 * app, the wasm and the model are what the engineer waits for. The app's services take it
 * (takeEarlyAnalysis) instead of starting their own.
 */
export function startAnalysisEarly(location: Location): void {
  early ??= startAnalysis(location);
}

/** The worker started early, handed over once; null when none was. */
export function takeEarlyAnalysis(): StartedAnalysis | null {
  const taken = early;
  early = null;
  return taken;
}
