/**
 * What the lab page and the lab worker say to each other (through comlink). The lab has its own
 * worker so that the field worker keeps its pothole model warm while a model builder loads
 * other models and runs long filter grids. Failures come back as values (Outcome), as in the
 * field protocol, so that their code and detail survive the trip.
 */
import type { CamMethodName } from '../../../explain/cam/compute-cam';
import type { RegionEnergy } from '../../../explain/metrics/energy';
import type { ModelManifest, ModelManifestInput } from '../../../model/manifest';
import type { ManifestAnswers } from '../../../model/manifest-answers';
import type { SurveyVerdict } from '../../../schema/survey';
import type { CamGrid } from '../../../store/survey-record';
import type {
  BackendPreference,
  EngineInfo,
  FailureInfo,
  Outcome,
} from '../../../workers/protocol';

export type { EngineInfo, FailureInfo, Outcome };

export interface LabWorkerConfig {
  /** Absolute URL of the folder holding the tfjs wasm binaries, ending in '/'. */
  wasmUrl: string;
  backend: BackendPreference;
}

/** A file as the lab hands it over: a picked File, or a Blob kept in IndexedDB. */
export interface NamedBlob {
  name: string;
  blob: Blob;
}

export type ModelSource =
  /** A bundled model, or any same-origin manifest.json. */
  | { kind: 'url'; manifestUrl: string }
  /** model.json + shards with a manifest (a manifest.json picked with them, or kept). */
  | { kind: 'files'; files: NamedBlob[]; manifest: ModelManifestInput }
  /** model.json + shards without a manifest: the form's answers stand in for it. */
  | { kind: 'answers'; files: NamedBlob[]; answers: ManifestAnswers };

/** How a layer can be visualised in the Filters panel. */
export type LayerRole = 'conv' | 'dense' | 'other';

export interface LabLayer {
  name: string;
  /** Layer class (`Conv2D`) or graph op (`Relu6`). */
  kind: string;
  /** With the batch dimension first (-1 where unknown). */
  outputShape: number[];
  /** 4-D with more than one position: a CAM target, and filters can be visualised. */
  spatial: boolean;
  /** Channels (conv) or units (dense): how many tiles the Filters panel can draw. */
  count: number | null;
  role: LayerRole;
}

export interface LabModelInfo {
  /** The worker's handle on the model (same source, same key). */
  key: string;
  /** The manifest as used (made from the form's answers when there was none). */
  manifest: ModelManifest;
  format: 'layers' | 'graph';
  inputShape: [number, number, number];
  /** As the model reports them (1 for a single sigmoid unit). */
  numOutputs: number;
  layers: LabLayer[];
  /** The last spatial layer before the head: the default CAM target; null when none. */
  defaultCamLayer: string | null;
  /** Why heatmaps cannot be drawn for this model (no spatial layer, an op without gradient). */
  camProblem: FailureInfo | null;
  loadMs: number;
}

/** Activation-maximization settings as plain data (the worker builds the modifier objects). */
export interface ActmaxPlainSettings {
  steps: number;
  learningRate: number;
  parameterization: 'decorrelated' | 'pixels';
  /** Random shift, in pixels, before (and a quarter of it after) scaling and rotating. */
  jitterPx: number;
  /** Random zoom of ± this fraction (0: none). */
  scaleAmount: number;
  /** Random rotation of ± this many degrees (0: none). */
  rotateDeg: number;
  totalVariation: number;
  l2: number;
  seed: number;
}

export type GridKind = 'filters' | 'units' | 'classes';

export interface GridRequest {
  modelKey: string;
  /** Ignored for 'classes' (the model's own scores). */
  layer: string;
  kind: GridKind;
  /** "first 16", "0-15", "3,7,12-15", "all" */
  selection: string;
  settings: ActmaxPlainSettings;
}

/** An RGBA image that crosses the worker boundary (its buffer is transferred). */
export interface RgbaPixels {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export interface GridTileResult {
  index: number;
  /** "filter 3 of conv2", "class 7 (seven)" */
  label: string;
  image: RgbaPixels;
  startImage: RgbaPixels;
  startValue: number;
  endValue: number;
  /** False when the objective never moved in any step: a dead filter (e.g. an all-zero
   * kernel), whose image stays as it started. */
  responds: boolean;
}

export interface GridResult {
  tiles: GridTileResult[];
  columns: number;
  layer: string;
  kind: GridKind;
  settings: ActmaxPlainSettings;
  elapsedMs: number;
}

export interface GridProgress {
  done: number;
  total: number;
  /** Tiles finished so far (a batch at a time). */
  tiles: GridTileResult[];
}

export interface ExplainRequest {
  modelKey: string;
  method: CamMethodName;
  /** Default: the manifest's CAM layer. */
  layer?: string;
  /** How many classes, most probable first. */
  topK: number;
  /** Also measure region energy shares of each map. */
  regions?: boolean;
}

export interface ClassExplanation {
  label: string;
  classIndex: number;
  probability: number;
  /** Turbo-coloured map of the region the model saw; null when the map is empty. */
  heatmap: ImageBitmap | null;
  empty: boolean;
  /** The map at the layer's resolution, 0..1. */
  grid: { width: number; height: number; data: Float32Array };
  regions: RegionEnergy | null;
}

export interface ImageExplanation {
  /** The photo as shown (long side at most 640 px), or the drawn digit at input size. */
  photo: ImageBitmap;
  /** The part of the photo the model saw, as fractions. */
  region: { x: number; y: number; width: number; height: number };
  classes: ClassExplanation[];
  layer: string;
  method: CamMethodName;
  elapsedMs: number;
}

/** A stored survey's photo analysed again by another road model. */
export interface ReanalysisVerdict {
  verdict: SurveyVerdict;
  probabilities: Record<string, number>;
  cam: CamGrid;
  model: { id: string; version: string };
  /** A road-damage model: the damage types it found (absent for a pothole model). */
  typesFound?: string[];
}

export interface LabWorkerApi {
  /** Starts the backend; answers once it runs. */
  start(config: LabWorkerConfig): Promise<EngineInfo>;
  /** Loads a model (kept until closed or replaced); checks that heatmaps can be drawn. */
  openModel(source: ModelSource): Promise<Outcome<LabModelInfo>>;
  /** Frees a model the page no longer shows. */
  closeModel(key: string): Promise<void>;
  /** Activation-maximization grid; progress through the callback (a comlink proxy). */
  filterGrid(
    request: GridRequest,
    onProgress: (progress: GridProgress) => void,
  ): Promise<Outcome<GridResult>>;
  /** Stops the running grid: it answers with the 'cancelled' failure. */
  cancelGrid(): Promise<void>;
  /** A photo: the top-k classes, each with its heatmap. */
  explainPhoto(file: Blob, request: ExplainRequest): Promise<Outcome<ImageExplanation>>;
  /** Pixels already at the model's input size (the drawn digit). */
  explainPixels(image: RgbaPixels, request: ExplainRequest): Promise<Outcome<ImageExplanation>>;
  /** A stored survey photo through a pothole or road-damage model (re-analysis). */
  reanalysePhoto(modelKey: string, jpeg: Blob): Promise<Outcome<ReanalysisVerdict>>;
  /** tf.memory().numTensors (the browser tests' leak check). */
  liveTensors(): Promise<number>;
}
