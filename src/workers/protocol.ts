/**
 * What the page and the analysis worker say to each other (through comlink). Failures come back
 * as values, not thrown errors, so that their code and detail survive the trip.
 */
import type { CamMethodName } from '../explain/cam/compute-cam';
import type { PhotoAdjustment } from '../image/prepare-photo';
import type { PhotoRegion } from '../image/model-input';
import type { Position, SurveyVerdict } from '../schema/survey';
import type { CamGrid, PhotoMeta } from '../store/survey-record';

/** Which tfjs-backend-wasm binary runs, or the cpu fallback. */
export type BackendFlavour = 'threaded-simd' | 'simd' | 'plain' | 'cpu';
/** 'auto' picks the best the browser allows; the others force a slower one (benchmarks). */
export type BackendPreference = 'auto' | 'simd' | 'plain' | 'cpu';

export interface WorkerConfig {
  /** Absolute URL of the model's manifest.json. */
  modelUrl: string;
  /** Absolute URL of the folder holding the three tfjs wasm binaries, ending in '/'. */
  wasmUrl: string;
  backend: BackendPreference;
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
  id: string;
  version: string;
  name: string;
  labels: string[];
  camLayer: string;
  camMethod: CamMethodName;
  inputWidth: number;
  inputHeight: number;
}

export type ModelStatus =
  | { state: 'loading' }
  | { state: 'ready'; model: ModelInfo; loadMs: number; warmUpMs: number }
  | { state: 'failed'; message: string; detail?: string };

export interface FailureInfo {
  /** 'photo': the file is the problem; 'model': analysis failed; 'internal': a bug. */
  source: 'photo' | 'model' | 'internal';
  code: string;
  message: string;
  detail?: string;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: FailureInfo };

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
  timings: { inferenceMs: number; renderMs: number };
}

export interface PhotoAnalysis {
  jpeg: Blob;
  thumbnail: Blob;
  photo: PhotoMeta;
  /** The upright photo as saved, for drawing at once without decoding the JPEG again. */
  display: ImageBitmap;
  exifPosition: Position | null;
  adjustments: PhotoAdjustment[];
  /** Null when the photo could not be analysed (see analysisError): it is kept all the same. */
  explanation: Explanation | null;
  analysisError: FailureInfo | null;
  timings: { prepareMs: number };
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
  /** File chosen -> checked, upright, resized photo + verdict + CAM. */
  analysePhoto(file: Blob, method?: CamMethodName): Promise<Outcome<PhotoAnalysis>>;
  /** A saved photo (JPEG) explained again, e.g. with another CAM method. */
  explainPhoto(jpeg: Blob, method?: CamMethodName): Promise<Outcome<Explanation>>;
  /** A camera frame (drive mode): verdict and CAM; the bitmap is transferred and closed. */
  analyseFrame(frame: ImageBitmap): Promise<Outcome<FrameAnalysis>>;
  /** A stored CAM grid rendered as a colour heatmap (detail view); null when empty. */
  renderHeatmap(cam: CamGrid): Promise<ImageBitmap | null>;
  /** tf.memory().numTensors in the worker: the browser tests check that nothing leaks. */
  liveTensors(): Promise<number>;
}
