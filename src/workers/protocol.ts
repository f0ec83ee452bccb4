/**
 * What the page and the analysis worker say to each other (through comlink). Failures come back
 * as values, not thrown errors, so that their code and detail survive the trip.
 */
import type { CamMethodName } from '../explain/cam/compute-cam';
import type { PhotoQuality, QualityThresholds } from '../image/photo-quality';
import type { PhotoAdjustment } from '../image/prepare-photo';
import type { PhotoVerdictKind, TypeVerdict } from '../model/damage-verdict';
import type { PhotoRegion } from '../image/model-input';
import type { Position, SurveyVerdict } from '../schema/survey';
import type { CamGrid, PhotoMeta } from '../store/survey-record';

/** Which tfjs-backend-wasm binary runs, or the cpu fallback. */
export type BackendFlavour = 'threaded-simd' | 'simd' | 'plain' | 'cpu';
/**
 * 'auto' picks the fastest the browser allows: threaded SIMD when more than one thread would
 * run, SIMD when only one would (the threaded build then gains nothing and starts ~5x slower).
 * The others force a binary (benchmarks, diagnosis); 'threaded-simd' falls back to SIMD only when
 * the page is not cross-origin isolated.
 */
export type BackendPreference = 'auto' | 'threaded-simd' | 'simd' | 'plain' | 'cpu';

export interface WorkerConfig {
  /** Absolute URL of the model's manifest.json (an installed model's: installed-model.ts). */
  modelUrl: string;
  /** The model the app came with, loaded instead when `modelUrl` (an installed model) fails. */
  fallbackModelUrl?: string;
  /** Absolute URL of the folder holding the three tfjs wasm binaries, ending in '/'. */
  wasmUrl: string;
  backend: BackendPreference;
  /** Threads of the threaded wasm build (set before it starts); unset: tfjs's own choice. */
  threads?: number;
}

export interface EngineInfo {
  /** tfjs backend name: 'wasm' or 'cpu'. */
  backend: string;
  flavour: BackendFlavour;
  threads: number;
  crossOriginIsolated: boolean;
  /** Why a faster backend could not start, when it could not. */
  fallbackReason?: string;
  /** Milliseconds the backend took to start (wasm fetch, compile, thread pool). */
  startMs: number;
}

export interface ModelInfo {
  /** 'pothole': one pothole / good road verdict; 'road-damage': damage types and not-a-road. */
  task: 'pothole' | 'road-damage';
  id: string;
  version: string;
  name: string;
  labels: string[];
  camLayer: string;
  camMethod: CamMethodName;
  inputWidth: number;
  inputHeight: number;
  /** The photo-quality hint's thresholds the model's manifest sets; absent: the app's. */
  photoQuality?: QualityThresholds;
}

export type ModelStatus =
  | { state: 'loading' }
  | {
      state: 'ready';
      model: ModelInfo;
      loadMs: number;
      warmUpMs: number;
      /** Set when the installed model failed and the app's own model runs instead: why. */
      fallbackReason?: string;
    }
  | { state: 'failed'; message: string; detail?: string };

export interface FailureInfo {
  /** 'photo': the file is the problem; 'model': analysis failed; 'internal': a bug. */
  source: 'photo' | 'model' | 'internal';
  code: string;
  message: string;
  detail?: string;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: FailureInfo };

/** One damage type's Grad-CAM on the photo (a road-damage model gives one per main type). */
export interface TypeHeatmap {
  type: string;
  title: string;
  probability: number;
  /** True when the type was found (at or above its threshold, outside the not-sure band). */
  found: boolean;
  cam: CamGrid;
  camEmpty: boolean;
  /** Null when the map is empty, or when it was not drawn (a new photo's answer draws only the
   * first type's: renderHeatmap draws another's from `cam`). */
  heatmap: ImageBitmap | null;
}

/** What a road-damage model says beyond the pothole verdict. */
export interface DamageExplanation {
  outcome: PhotoVerdictKind;
  /** Every output: name, title, calibrated probability, found / not sure / not found. */
  types: TypeVerdict[];
  /** The types found (none when the photo is not a road). */
  found: string[];
  /** Types in their not-sure band. */
  notSure: string[];
  /** Null when the model has no not-a-road statistics. */
  notRoad: { score: number; threshold: number } | null;
  /** Found types first, then the other main types, most probable first. */
  heatmaps: TypeHeatmap[];
}

export interface Explanation {
  verdict: SurveyVerdict;
  probabilities: Record<string, number>;
  cam: CamGrid;
  /** True when the map has no positive evidence: nothing is drawn, and the app says so. */
  camEmpty: boolean;
  /** Part of the photo the model saw (the whole photo unless the model centre-crops). */
  region: PhotoRegion;
  model: { id: string; version: string };
  /** Colour heatmap of the region, ready to draw over the photo; null when the map is empty. */
  heatmap: ImageBitmap | null;
  /** Road-damage models only. `cam` and `heatmap` above are those of heatmaps[0]. */
  damage?: DamageExplanation;
  timings: { inferenceMs: number; renderMs: number };
}

/** Every bitmap an explanation carries, to transfer rather than copy. */
export function explanationBitmaps(e: Explanation | null | undefined): ImageBitmap[] {
  if (!e) return [];
  const all = [e.heatmap, ...(e.damage?.heatmaps.map((h) => h.heatmap) ?? [])];
  return [...new Set(all.filter((b): b is ImageBitmap => b !== null))];
}

export interface PhotoAnalysis {
  /** Takes the photo's JPEG once it is encoded (photoToKeep): the analysis does not wait for it. */
  keepTicket: number;
  /** The upright photo as saved, for drawing at once without decoding the JPEG again. */
  display: ImageBitmap;
  exifPosition: Position | null;
  adjustments: PhotoAdjustment[];
  /** Brightness and sharpness, with the problems found (too dark, too blurred). */
  quality: PhotoQuality | null;
  /** Null when the photo could not be analysed (see analysisError): it is kept all the same. */
  explanation: Explanation | null;
  analysisError: FailureInfo | null;
  /** prepareMs: reading, decoding and drawing the photo; stages: every stage up to the reply,
   * for the app benchmark's breakdown (the encoding's comes with the photo to keep). */
  timings: { prepareMs: number; stages: StageTiming[] };
}

/** What a survey keeps of the photo: encoded after the analysis was sent, and sent after it. */
export interface PhotoToKeep {
  jpeg: Blob;
  thumbnail: Blob;
  photo: PhotoMeta;
  /** The encoding, on the same clock as PhotoAnalysis's stages. */
  stages: StageTiming[];
}

/** One stage of a photo's way through the worker, in wall-clock ms (timeOrigin + now). */
export interface StageTiming {
  stage: string;
  start: number;
  end: number;
}

/** A drive frame (issue 13): its verdict, and its photo only when it found damage. */
export interface FrameAnalysis {
  explanation: Explanation;
  /** True when any damage was found (the verdict is not good road). */
  damage: boolean;
  /** The frame as a survey photo (JPEG, thumbnail, metadata): only for a damage frame. */
  photo: { jpeg: Blob; thumbnail: Blob; meta: PhotoMeta } | null;
  /** Frame handed over to verdict ready, in the worker. */
  timings: { totalMs: number; inferenceMs: number; encodeMs: number };
}

export interface AnalysisWorkerApi {
  /** Starts the backend and begins loading the model; answers once the backend runs. */
  start(config: WorkerConfig): Promise<EngineInfo>;
  /** Waits for the model (loaded once, kept warm). */
  modelStatus(): Promise<ModelStatus>;
  /** Tries the model again (after a failure, e.g. once the network is back). */
  reloadModel(): Promise<ModelStatus>;
  /**
   * Loads the model at `manifestUrl` beside the running one and, only when it loads, warms up and
   * is model `version` (when given), makes it the model (after the photo being analysed). On failure the
   * running model stays and the failure says why.
   */
  switchModel(manifestUrl: string, version?: string): Promise<Outcome<ModelStatus>>;
  /** File chosen -> checked, upright, resized photo + verdict + CAM, sent as soon as they are
   * ready; the JPEG to keep is encoded after and taken with photoToKeep. */
  analysePhoto(file: Blob, method?: CamMethodName): Promise<Outcome<PhotoAnalysis>>;
  /**
   * The JPEG, thumbnail and hash of the photo whose analysis carried `ticket`, once encoded. Each
   * ticket is taken once (a second call fails), so a photo becomes at most one survey.
   */
  photoToKeep(ticket: number): Promise<Outcome<PhotoToKeep>>;
  /** A saved photo (JPEG) explained again, e.g. with another CAM method. */
  explainPhoto(jpeg: Blob, method?: CamMethodName): Promise<Outcome<Explanation>>;
  /** A camera frame (drive mode): verdict and CAM; the bitmap is transferred and closed. */
  analyseFrame(frame: ImageBitmap): Promise<Outcome<FrameAnalysis>>;
  /** A stored CAM grid rendered as a colour heatmap (detail view); null when empty. */
  renderHeatmap(cam: CamGrid): Promise<ImageBitmap | null>;
  /** tf.memory().numTensors in the worker: the browser tests check that nothing leaks. */
  liveTensors(): Promise<number>;
}
