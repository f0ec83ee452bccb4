/**
 * The lab's computations on a loaded model, over tfjs-core and the explain core only (no DOM,
 * no canvas), so that Node tests run them as the worker does: the top-k classes of an input with
 * a heatmap for each, and activation-maximization grids of filters, dense units or classes.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  actmaxGrid,
  classLogit as classObjective,
  filterGrid,
  jitter,
  l2,
  parseFilterSelection,
  randomRotate,
  randomScale,
  totalVariation,
  type ActmaxGrid,
  type ActmaxOptions,
  type GridTile,
  type InputModifier,
  type Regularizer,
} from '../../../explain/actmax';
import { camLayer, computeCamPerClass, type CamMethodName } from '../../../explain/cam/compute-cam';
import { ExplainError } from '../../../explain/errors';
import type { RgbaImage, ScalarMap } from '../../../explain/heatmap/scalar-map';
import { regionEnergyShares, type RegionEnergy } from '../../../explain/metrics/energy';
import { topClasses } from '../../../model/labels';
import type { LoadedModel } from '../../../model/load-model';
import { imageToModelInput } from '../../../model/preprocess';
import type {
  ActmaxPlainSettings,
  GridKind,
  GridRequest,
  GridTileResult,
  RgbaPixels,
} from '../shared/lab-protocol';

/** The model's settings as the explain core's options (modifier and regulariser objects). */
export function actmaxOptionsFrom(
  s: ActmaxPlainSettings,
): Omit<ActmaxOptions, 'modelInput' | 'signal' | 'onProgress'> {
  const modifiers: InputModifier[] = [];
  if (s.jitterPx > 0) modifiers.push(jitter(s.jitterPx));
  if (s.scaleAmount > 0) modifiers.push(randomScale(1 - s.scaleAmount, 1 + s.scaleAmount));
  if (s.rotateDeg > 0) modifiers.push(randomRotate(s.rotateDeg));
  // Lucid's recipe ends with a small second jitter, once the image was zoomed and turned.
  if (s.jitterPx >= 4 && (s.scaleAmount > 0 || s.rotateDeg > 0)) {
    modifiers.push(jitter(Math.max(1, Math.round(s.jitterPx / 4))));
  }
  const regularizers: Regularizer[] = [];
  if (s.totalVariation > 0) regularizers.push(totalVariation(s.totalVariation));
  if (s.l2 > 0) regularizers.push(l2(s.l2));
  return {
    steps: s.steps,
    learningRate: s.learningRate,
    parameterization: s.parameterization,
    modifiers,
    regularizers,
    seed: s.seed,
  };
}

function pixelsOf(image: RgbaImage): RgbaPixels {
  return { width: image.width, height: image.height, data: new Uint8ClampedArray(image.data) };
}

function tileResult(
  tile: GridTile,
  kind: GridKind,
  layer: string,
  labels: string[],
): GridTileResult {
  const label =
    kind === 'classes'
      ? `class ${tile.index}${labels[tile.index] ? ` (${labels[tile.index]})` : ''}`
      : `${kind === 'units' ? 'unit' : 'filter'} ${tile.index} of ${layer}`;
  return {
    index: tile.index,
    label,
    image: pixelsOf(tile.image),
    startImage: pixelsOf(tile.startImage),
    startValue: tile.startValue,
    endValue: tile.endValue,
    responds: responds([tile.startValue, tile.endValue, ...tile.history]),
  };
}

/** Did the objective change at all over the run? (Relative to its size, float noise aside.) */
export function responds(values: readonly number[]): boolean {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return false;
  const range = Math.max(...finite) - Math.min(...finite);
  const scale = Math.max(1, ...finite.map(Math.abs));
  return range > 1e-6 * scale;
}

/** Class names by explain target index (the manifest's labels shifted by its offset). */
function labelsByIndex(loaded: LoadedModel): string[] {
  const { labels, labelOffset } = loaded.manifest;
  const out: string[] = [];
  for (let i = 0; i < labels.length; i++) out[i + labelOffset] = labels[i];
  return out;
}

export interface GridHooks {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  onTiles?: (tiles: GridTileResult[]) => void;
}

/** A grid of N filters, dense units or classes, optimised in batches of at most 16. */
export async function labGrid(
  loaded: LoadedModel,
  request: Omit<GridRequest, 'modelKey'>,
  hooks: GridHooks = {},
): Promise<{ grid: ActmaxGrid; tiles: GridTileResult[] }> {
  const { adapter, manifest } = loaded;
  const options = {
    ...actmaxOptionsFrom(request.settings),
    modelInput: manifest.input.normalization,
    signal: hooks.signal,
    onProgress: hooks.onProgress,
  };
  const labels = labelsByIndex(loaded);
  const onTiles = hooks.onTiles
    ? (tiles: GridTile[]) =>
        hooks.onTiles!(tiles.map((t) => tileResult(t, request.kind, request.layer, labels)))
    : undefined;
  let grid: ActmaxGrid;
  if (request.kind === 'classes') {
    const classes = adapter.numOutputs === 1 ? 2 : adapter.numOutputs;
    const indices = parseFilterSelection(request.selection, classes);
    grid = await actmaxGrid(
      adapter,
      indices.map((k) => classObjective(k)),
      { ...options, onTiles },
    );
  } else {
    const info = adapter.layer(request.layer);
    const rank = info.outputShape.length;
    if (request.kind === 'filters' && rank !== 4) {
      throw new ExplainError(
        'not-spatial-layer',
        `Layer "${request.layer}" has output shape [${info.outputShape.join(', ')}], with no ` +
          'height and width, so it has no filters: show its units instead, or choose a ' +
          'convolutional layer.',
      );
    }
    grid = await filterGrid(adapter, {
      ...options,
      onTiles,
      layer: request.layer,
      filters: request.selection,
    });
  }
  const tiles = grid.tiles.map((t) => tileResult(t, request.kind, request.layer, labels));
  return { grid, tiles };
}

export interface ExplainedClass {
  label: string;
  classIndex: number;
  probability: number;
  /** Normalised 0..1 at the layer's resolution. */
  map: ScalarMap;
  empty: boolean;
  regions: RegionEnergy | null;
}

export interface InputExplanation {
  layer: string;
  method: CamMethodName;
  probabilities: Float32Array;
  classes: ExplainedClass[];
}

/**
 * The k most probable classes of one input [1, H, W, C] (already normalised), each with its
 * heatmap for the chosen method and layer: one forward pass to rank the classes, then one CAM
 * per class from a single body pass (computeCamPerClass).
 */
export async function explainTopClasses(
  loaded: LoadedModel,
  x: tf.Tensor4D,
  options: { method: CamMethodName; layer?: string; topK: number; regions?: boolean },
): Promise<InputExplanation> {
  const { adapter, manifest } = loaded;
  const layer = camLayer(adapter, options.layer ?? manifest.cam.layer);
  const probs = tf.tidy(() => adapter.predict(x).probabilities);
  const probabilities = (await probs.data()) as Float32Array;
  probs.dispose();
  const k = Math.max(1, Math.min(options.topK, 10));
  const top = topClasses(probabilities, manifest, k);
  const cam = await computeCamPerClass(adapter, x, {
    method: options.method,
    layer,
    classes: top.map((t) => t.classIndex),
  });
  return {
    layer,
    method: options.method,
    probabilities,
    classes: top.map((t, i) => ({
      label: t.label,
      classIndex: t.classIndex,
      probability: t.probability,
      map: cam.normalized[i],
      empty: cam.empty[i],
      regions: options.regions ? regionEnergyShares(cam.normalized[i]) : null,
    })),
  };
}

/** Pixels at the model's input size as its input tensor [1, H, W, C]. */
export function pixelsToInput(loaded: LoadedModel, image: RgbaImage): tf.Tensor4D {
  const { input } = loaded.manifest;
  if (image.width !== input.width || image.height !== input.height) {
    throw new ExplainError(
      'bad-input-shape',
      `The image is ${image.width}x${image.height}; this model takes ${input.width}x${input.height}.`,
    );
  }
  return imageToModelInput(image, { ...input, resize: 'stretch' });
}
