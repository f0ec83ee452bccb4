/**
 * The analysis worker: decoding, resizing, inference and CAM, off the main thread. One model,
 * loaded once and kept warm; the page reaches it through comlink (protocol.ts).
 */
import * as Comlink from 'comlink';
import type { CamMethodName } from '../explain/cam/compute-cam';
import { photoQuality, type PhotoQuality, type QualityThresholds } from '../image/photo-quality';
import { preparePhoto } from '../image/prepare-photo';
import type { CamGrid } from '../store/survey-record';
import { failureOf, liveTensors, renderHeatmap } from './analysis';
import { startBackend } from './backend';
// The bundled models' reader (and the compiled ops it runs) in the worker's own code: on demand
// it came only after the script ran, fetched and parsed in a chain of chunks.
import '../explain/compiled/layers-json-adapter';
import { analyseFrame } from './frame-analysis';
import { loadFieldAnalyser, type FieldAnalyser } from './field-analyser';
import { PhotosToKeep } from './photos-to-keep';
import { StageClock } from './stage-clock';
import {
  explanationBitmaps,
  type AnalysisWorkerApi,
  type EngineInfo,
  type Explanation,
  type FrameAnalysis,
  type ModelStatus,
  type Outcome,
  type PhotoAnalysis,
  type WorkerConfig,
} from './protocol';

let config: WorkerConfig | null = null;
let engine: Promise<EngineInfo> | null = null;
let analyser: Promise<FieldAnalyser> | null = null;
let status: ModelStatus = { state: 'loading' };
// Photos are analysed one at a time: the model is shared and wasm runs one graph at a time.
let queue: Promise<unknown> = Promise.resolve();

function serial<T>(job: () => Promise<T>): Promise<T> {
  const run = queue.then(job, job);
  queue = run.catch(() => undefined);
  return run;
}

const photosToKeep = new PhotosToKeep();

/**
 * Photos and frames asked for and not yet answered. When one is waiting as the model comes
 * up, the warm-up pass is skipped, and one that comes during it stops it at its next stage:
 * that photo's own pass sets the rest of the kernels up, and it is what the engineer waits for
 * (a cold start on a slow phone, where the warm-up takes most of a second).
 */
let waiting = 0;
async function counted<T>(job: Promise<T>): Promise<T> {
  waiting += 1;
  try {
    return await job;
  } finally {
    waiting -= 1;
  }
}
const warmUpUnlessWaited = () => waiting === 0;

function loadModel(): Promise<FieldAnalyser> {
  if (!config || !engine) throw new Error('start() first');
  const { modelUrl, fallbackModelUrl } = config;
  const started = performance.now();
  status = { state: 'loading' };
  let fallbackReason: string | undefined;
  const ready = engine;
  // The files download while wasm starts; the model is built once the backend runs.
  const loading = (async () => {
    try {
      return await loadFieldAnalyser(modelUrl, ready, warmUpUnlessWaited);
    } catch (error) {
      if (!fallbackModelUrl || fallbackModelUrl === modelUrl) throw error;
      // An installed model that no longer loads: the app's own model, and the engineer is told.
      fallbackReason = failureOf(error, 'model').message;
      return loadFieldAnalyser(fallbackModelUrl, ready, warmUpUnlessWaited);
    }
  })();
  loading.then(
    (a) => {
      status = {
        state: 'ready',
        model: a.info,
        loadMs: performance.now() - started,
        warmUpMs: a.warmUpMs,
        ...(fallbackReason ? { fallbackReason } : {}),
      };
    },
    (error) => {
      const f = failureOf(error, 'model');
      status = {
        state: 'failed',
        message: modelFailureMessage(f.message),
        detail: f.detail ?? f.message,
      };
    },
  );
  return loading;
}

function modelFailureMessage(reason: string): string {
  return `The road model could not be loaded, so photos are kept without a verdict for now. ${reason}`;
}

async function settledStatus(): Promise<ModelStatus> {
  if (analyser) await analyser.catch(() => undefined);
  return status;
}

/**
 * Too dark, too blurred: measured on the photo the model input is drawn from (the photo as
 * saved, or a large JPEG's preview; both reduced to 256 px first: src/image/photo-quality.ts),
 * against the model's thresholds when its manifest sets them.
 */
function qualityOf(canvas: OffscreenCanvas, thresholds?: QualityThresholds): PhotoQuality | null {
  try {
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) return null;
    const { width, height } = canvas;
    return photoQuality(
      { width, height, data: ctx.getImageData(0, 0, width, height).data },
      thresholds,
    );
  } catch {
    // A hint, never a reason to lose the photo: without it the verdict stands alone.
    return null;
  }
}

const api: AnalysisWorkerApi = {
  async start(next) {
    if (!engine) {
      config = next;
      engine = startBackend(next.wasmUrl, next.backend, next.threads);
      analyser = loadModel();
      analyser.catch(() => undefined);
    }
    return engine;
  },

  modelStatus: settledStatus,

  async reloadModel() {
    await settledStatus();
    if (status.state === 'failed') {
      analyser = loadModel();
      analyser.catch(() => undefined);
    }
    return settledStatus();
  },

  switchModel(manifestUrl: string, version?: string) {
    return serial(async (): Promise<Outcome<ModelStatus>> => {
      if (!engine || !config) return { ok: false, error: failureOf(new Error('start() first')) };
      const started = performance.now();
      let next: FieldAnalyser;
      try {
        next = await engine.then(() => loadFieldAnalyser(manifestUrl));
      } catch (error) {
        return { ok: false, error: failureOf(error, 'model') };
      }
      if (version !== undefined && next.info.version !== version) {
        next.dispose();
        return {
          ok: false,
          error: {
            source: 'model',
            code: 'model-mismatch',
            message: `The downloaded files hold model ${next.info.version}, not ${version}.`,
          },
        };
      }
      const previous = analyser ? await analyser.catch(() => null) : null;
      config = { ...config, modelUrl: manifestUrl };
      analyser = Promise.resolve(next);
      status = {
        state: 'ready',
        model: next.info,
        loadMs: performance.now() - started,
        warmUpMs: next.warmUpMs,
      };
      // No photo is being analysed (this runs in the queue), so the old model can go now.
      previous?.dispose();
      return { ok: true, value: status };
    });
  },

  analysePhoto(file: Blob, method?: CamMethodName) {
    return counted(
      serial(async (): Promise<Outcome<PhotoAnalysis>> => {
        const started = performance.now();
        const clock = new StageClock();
        let prepared;
        try {
          prepared = await preparePhoto(file, clock.time);
        } catch (error) {
          return { ok: false, error: failureOf(error) };
        }
        const prepareMs = performance.now() - started;
        const canvas = prepared.canvas;
        const model = analyser ? await analyser.catch(() => null) : null;
        const quality = await clock.time('quality', () =>
          qualityOf(canvas, model?.info.photoQuality),
        );
        let explanation: Explanation | null = null;
        let analysisError = null;
        try {
          if (!analyser) throw new Error('start() first');
          if (!model) {
            analysisError = {
              source: 'model' as const,
              code: 'model-unavailable',
              message: status.state === 'failed' ? status.message : 'The road model is not loaded.',
              detail: status.state === 'failed' ? status.detail : undefined,
            };
          } else {
            // Only the heatmap shown first: the page asks for another type's when it is chosen.
            explanation = await model.explain(canvas, method, clock, 'first');
          }
        } catch (error) {
          analysisError = failureOf(error, 'model');
        }
        const display = canvas.transferToImageBitmap();
        // The photo kept: decoded at its size after the answer when the verdict came from a
        // preview, else a second handle on the same pixels (no copy), since `display` goes to
        // the page.
        const keepTicket = photosToKeep.encodeLater(
          prepared.decodeToKeep ?? (await createImageBitmap(display)),
        );
        const value: PhotoAnalysis = {
          keepTicket,
          display,
          exifPosition: prepared.exifPosition,
          adjustments: prepared.adjustments,
          quality,
          explanation,
          analysisError,
          timings: { prepareMs, stages: clock.stages },
        };
        const transfers: Transferable[] = [display, ...explanationBitmaps(explanation)];
        return Comlink.transfer({ ok: true, value }, transfers);
      }),
    );
  },

  photoToKeep: async (ticket: number) => photosToKeep.take(ticket),

  explainPhoto(jpeg: Blob, method?: CamMethodName) {
    return counted(
      serial(async (): Promise<Outcome<Explanation>> => {
        try {
          if (!analyser) throw new Error('start() first');
          const model = await analyser;
          const bitmap = await createImageBitmap(jpeg);
          try {
            const explanation = await model.explain(bitmap, method);
            return Comlink.transfer(
              { ok: true as const, value: explanation },
              explanationBitmaps(explanation),
            );
          } finally {
            bitmap.close();
          }
        } catch (error) {
          return { ok: false, error: failureOf(error, 'model') };
        }
      }),
    );
  },

  analyseFrame(frame: ImageBitmap) {
    return counted(
      serial(async (): Promise<Outcome<FrameAnalysis>> => {
        try {
          if (!analyser) throw new Error('start() first');
          const model = await analyser.catch(() => null);
          if (!model) {
            frame.close();
            return {
              ok: false,
              error: {
                source: 'model',
                code: 'model-unavailable',
                message:
                  status.state === 'failed' ? status.message : 'The road model is not loaded.',
                detail: status.state === 'failed' ? status.detail : undefined,
              },
            };
          }
          return { ok: true, value: await analyseFrame(model, frame) };
        } catch (error) {
          return { ok: false, error: failureOf(error, 'model') };
        }
      }),
    );
  },

  async renderHeatmap(cam: CamGrid) {
    const bitmap = renderHeatmap(cam);
    return bitmap ? Comlink.transfer(bitmap, [bitmap]) : null;
  },

  liveTensors: async () => liveTensors(),
};

Comlink.expose(api);
