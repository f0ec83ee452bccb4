/**
 * The lab's worker: any model a model builder opens, filter grids, per-class heatmaps, the drawn
 * digit, the region audit and the re-analysis of stored surveys, all off the main thread. A
 * separate worker from the field one, so that the field model stays loaded and warm.
 */
import * as Comlink from 'comlink';
import type { CamMethodName } from '../../../explain/cam/compute-cam';
import type { RgbaImage } from '../../../explain/heatmap/scalar-map';
import { drawModelInput, WHOLE_PHOTO, type PhotoRegion } from '../../../image/model-input';
import { checkPhotoBytes, heicNotSupported } from '../../../image/prepare-photo';
import { PhotoError } from '../../../image/photo-error';
import { ModelLoadError, type LoadedModel } from '../../../model/load-model';
import { disposeNotRoadScorer } from '../../../model/damage-forward';
import { liveTensors, PotholeAnalyser, renderHeatmap } from '../../../workers/analysis';
import { DamageAnalyser, fetchNotRoadScorer } from '../../../workers/damage-analysis';
import { startBackend } from '../../../workers/backend';
import { explainTopClasses, labGrid, pixelsToInput, type InputExplanation } from './lab-analysis';
import {
  describeModel,
  failureOf,
  loadLabModel,
  pickedFilesFetch,
  releaseFailedGradientTape,
} from './lab-models';
import { hasNotRoadFiles, notRoadFileNames } from '../../../model/not-road-files';
import { PICKED_FOLDER } from '../shared/picked-files';
import type {
  ExplainRequest,
  GridProgress,
  GridResult,
  GridTileResult,
  ImageExplanation,
  LabWorkerApi,
  ModelSource,
  Outcome,
  RgbaPixels,
} from '../shared/lab-protocol';
import type { EngineInfo } from '../../../workers/protocol';

/** Long side of the photo the explorer shows (the heatmaps are drawn over it). */
const DISPLAY_LONG_SIDE = 640;
/** Progress messages at most this often: the page redraws its bar, nothing more. */
const PROGRESS_EVERY_MS = 120;

interface OpenModel {
  loaded: LoadedModel;
  source: ModelSource;
  /** What re-analyses survey photos with it, made on the first one. */
  analyser: Promise<SurveyAnalyser> | null;
  /** Frees what the analyser loaded beside the model (a road-damage model's not-a-road check). */
  release?: () => void;
}

type SurveyAnalyser = Pick<PotholeAnalyser, 'explain'>;

/**
 * The field app's own analyser for this model: a pothole model's, or a road-damage model's with
 * its not-a-road check, whose files are read beside the manifest: from the model's folder URL,
 * or among the files kept with it (picked as its whole folder).
 */
async function surveyAnalyserOf(model: OpenModel): Promise<SurveyAnalyser> {
  const { loaded, source } = model;
  const manifest = loaded.manifest;
  if (manifest.task !== 'road-damage') return PotholeAnalyser.fromModel(loaded);
  if (source.kind === 'answers') {
    throw new ModelLoadError(
      'model-missing',
      `${manifest.name} is a road-damage model: open it with its manifest to re-analyse surveys.`,
    );
  }
  if (
    source.kind === 'files' &&
    !hasNotRoadFiles(
      manifest,
      source.files.map((f) => f.name),
    )
  ) {
    throw new ModelLoadError(
      'model-missing',
      `${manifest.name} is a road-damage model, and its "not a road" files were not kept with ` +
        `it (${notRoadFileNames(manifest).join(', ')}). Open its whole folder with "Open a ` +
        'model folder…", keep it again, then re-analyse.',
    );
  }
  const scorer =
    source.kind === 'url'
      ? await fetchNotRoadScorer(manifest, new URL(source.manifestUrl, self.location.href).href)
      : await fetchNotRoadScorer(
          manifest,
          `${PICKED_FOLDER}manifest.json`,
          pickedFilesFetch(source.files),
        );
  model.release = () => disposeNotRoadScorer(scorer);
  // No warm-up: the first survey's photo sets the kernels up.
  return DamageAnalyser.load(
    Promise.resolve(loaded as LoadedModel & { manifest: typeof manifest }),
    Promise.resolve(scorer),
    () => false,
  );
}

let engine: Promise<EngineInfo> | null = null;
const models = new Map<string, OpenModel>();
let nextKey = 1;
let runningGrid: { abort: AbortController; done: Promise<unknown> } | null = null;

function modelOf(key: string): OpenModel {
  const model = models.get(key);
  if (!model) {
    throw new ModelLoadError(
      'model-missing',
      'This model is no longer open in the lab. Open it again.',
      `no open model ${key}`,
    );
  }
  return model;
}

function fail<T>(error: unknown): Outcome<T> {
  const failure = failureOf(error);
  if (failure.code === 'no-gradient') releaseFailedGradientTape();
  return { ok: false, error: failure };
}

function buffersOf(tiles: GridTileResult[]): Transferable[] {
  return tiles.flatMap((t) => [t.image.data.buffer, t.startImage.data.buffer]);
}

/** A picked photo, upright and at most DISPLAY_LONG_SIDE, with the same clear errors as the
 * field app for files that are not photos. */
async function decodePhoto(file: Blob): Promise<ImageBitmap> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const checked = checkPhotoBytes(bytes);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch (error) {
    if (checked.kind === 'heic') throw heicNotSupported(String(error));
    throw new PhotoError(
      'undecodable',
      'This photo could not be read: the file is damaged.',
      `createImageBitmap: ${String(error)}`,
    );
  }
  const scale = Math.min(1, DISPLAY_LONG_SIDE / Math.max(bitmap.width, bitmap.height));
  if (scale === 1) return bitmap;
  const reduced = await createImageBitmap(bitmap, {
    resizeWidth: Math.max(1, Math.round(bitmap.width * scale)),
    resizeHeight: Math.max(1, Math.round(bitmap.height * scale)),
    resizeQuality: 'high',
  });
  bitmap.close();
  return reduced;
}

async function explanationOf(
  result: InputExplanation,
  photo: ImageBitmap,
  region: PhotoRegion,
  started: number,
): Promise<{ value: ImageExplanation; transfers: Transferable[] }> {
  const classes = result.classes.map((c) => ({
    label: c.label,
    classIndex: c.classIndex,
    probability: c.probability,
    heatmap: c.empty ? null : renderHeatmap(c.map),
    empty: c.empty,
    grid: { width: c.map.width, height: c.map.height, data: Float32Array.from(c.map.data) },
    regions: c.regions,
  }));
  const transfers: Transferable[] = [photo];
  for (const c of classes) if (c.heatmap) transfers.push(c.heatmap);
  return {
    value: {
      photo,
      region,
      classes,
      layer: result.layer,
      method: result.method,
      elapsedMs: performance.now() - started,
    },
    transfers,
  };
}

async function explainImage(
  model: OpenModel,
  image: RgbaImage,
  request: ExplainRequest,
): Promise<InputExplanation> {
  const x = pixelsToInput(model.loaded, image);
  try {
    return await explainTopClasses(model.loaded, x, {
      method: request.method as CamMethodName,
      layer: request.layer,
      topK: request.topK,
      regions: request.regions,
    });
  } finally {
    x.dispose();
  }
}

const api: LabWorkerApi = {
  async start(config) {
    engine ??= startBackend(config.wasmUrl, config.backend);
    return engine;
  },

  async openModel(source) {
    try {
      if (!engine) throw new Error('start() first');
      await engine;
      const started = performance.now();
      const loaded = await loadLabModel(source);
      const key = `m${nextKey++}`;
      try {
        const info = await describeModel(loaded, key, performance.now() - started);
        models.set(key, { loaded, source, analyser: null });
        return { ok: true, value: info };
      } catch (error) {
        loaded.dispose();
        throw error;
      }
    } catch (error) {
      return fail(error);
    }
  },

  async closeModel(key) {
    const model = models.get(key);
    if (!model) return;
    if (runningGrid) {
      runningGrid.abort.abort();
      await runningGrid.done.catch(() => undefined);
    }
    models.delete(key);
    model.release?.();
    model.loaded.dispose();
  },

  async filterGrid(request, onProgress) {
    if (runningGrid) {
      runningGrid.abort.abort();
      await runningGrid.done.catch(() => undefined);
    }
    const abort = new AbortController();
    const started = performance.now();
    let lastSent = 0;
    let pending: GridTileResult[] = [];
    let latest = { done: 0, total: 0 };
    const send = (force: boolean) => {
      const now = performance.now();
      if (!force && now - lastSent < PROGRESS_EVERY_MS && pending.length === 0) return;
      lastSent = now;
      const progress: GridProgress = { ...latest, tiles: pending };
      pending = [];
      // Not awaited: the page draws while the next steps run.
      Promise.resolve(onProgress(Comlink.transfer(progress, buffersOf(progress.tiles)))).catch(
        () => undefined,
      );
    };
    const job = (async (): Promise<Outcome<GridResult>> => {
      try {
        const model = modelOf(request.modelKey);
        const { grid, tiles } = await labGrid(model.loaded, request, {
          signal: abort.signal,
          onProgress: (done, total) => {
            latest = { done, total };
            send(false);
          },
          onTiles: (tiles) => {
            // The tiles travel with the final result too; progress gets copies.
            pending.push(
              ...tiles.map((t) => ({
                ...t,
                image: { ...t.image, data: t.image.data.slice() },
                startImage: { ...t.startImage, data: t.startImage.data.slice() },
              })),
            );
            send(true);
          },
        });
        const value: GridResult = {
          tiles,
          columns: grid.columns,
          layer: request.layer,
          kind: request.kind,
          settings: request.settings,
          elapsedMs: performance.now() - started,
        };
        return Comlink.transfer({ ok: true as const, value }, buffersOf(tiles));
      } catch (error) {
        return fail(error);
      }
    })();
    const current = { abort, done: job };
    runningGrid = current;
    try {
      return await job;
    } finally {
      if (runningGrid === current) runningGrid = null;
    }
  },

  async cancelGrid() {
    runningGrid?.abort.abort();
  },

  async explainPhoto(file, request) {
    let photo: ImageBitmap | null = null;
    try {
      const started = performance.now();
      const model = modelOf(request.modelKey);
      photo = await decodePhoto(file);
      const { input } = model.loaded.manifest;
      const { image, region } = drawModelInput(photo, input.width, input.height, input.resize);
      const result = await explainImage(model, image, request);
      const { value, transfers } = await explanationOf(result, photo, region, started);
      photo = null;
      return Comlink.transfer({ ok: true as const, value }, transfers);
    } catch (error) {
      photo?.close();
      return fail(error);
    }
  },

  async explainPixels(pixels: RgbaPixels, request) {
    try {
      const started = performance.now();
      const model = modelOf(request.modelKey);
      const result = await explainImage(model, pixels, request);
      const photo = await createImageBitmap(
        new ImageData(new Uint8ClampedArray(pixels.data), pixels.width, pixels.height),
      );
      const { value, transfers } = await explanationOf(result, photo, WHOLE_PHOTO, started);
      return Comlink.transfer({ ok: true as const, value }, transfers);
    } catch (error) {
      return fail(error);
    }
  },

  async reanalysePhoto(modelKey, jpeg) {
    let bitmap: ImageBitmap | null = null;
    try {
      const model = modelOf(modelKey);
      model.analyser ??= surveyAnalyserOf(model);
      const analyser = await model.analyser.catch((error) => {
        model.analyser = null;
        throw error;
      });
      bitmap = await createImageBitmap(jpeg);
      // The CAM grid is kept, not a colour heatmap: none is drawn.
      const e = await analyser.explain(bitmap, undefined, undefined, 'none');
      return {
        ok: true,
        value: {
          verdict: e.verdict,
          probabilities: e.probabilities,
          cam: e.cam,
          model: e.model,
          ...(e.damage ? { typesFound: e.damage.found } : {}),
        },
      };
    } catch (error) {
      return fail(error);
    } finally {
      bitmap?.close();
    }
  },

  liveTensors: async () => liveTensors(),
};

Comlink.expose(api);
