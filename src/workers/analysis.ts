/**
 * The one place where the field app meets the model and the explain core: photo canvas ->
 * model input -> probabilities and CAM -> verdict, CAM grid and colour heatmap.
 */
// Old import sites read these from here.
export { AnalysisError, isCamMethod } from './analysis-error';
import * as tf from '@tensorflow/tfjs-core';
import { computeCam } from '../explain/cam/compute-cam';
import { colorize } from '../explain/heatmap/overlay';
import type { ScalarMap } from '../explain/heatmap/scalar-map';
import { upsampleBilinear } from '../explain/heatmap/upsample';
import { topClassLogit } from '../explain/targets';
import { loadModelFromUrl, ModelLoadError, type LoadedModel } from '../model/load-model';
import type { SurveyVerdict } from '../schema/survey';
import type { CamGrid } from '../store/survey-record';
import { AnalysisError } from './analysis-error';
import { ModelAnalyser, type ExplainJob } from './model-analyser';
import type { Explanation, FailureInfo } from './protocol';

/**
 * Side of the colour heatmap bitmap sent to the page. The maps are 7 to 14 cells a side: at
 * 128 px the values are already interpolated over 9+ pixels per cell, and the canvas's smoothing
 * blends neighbouring colours that barely differ. 256 px cost 2.5 ms a map (Node, warm) against
 * 0.3 ms, and the app renders one per damage type.
 */
export const HEATMAP_SIZE = 128;

/** The class probabilities of a binary pothole model, whatever its label order or head. */
function potholeIndexOf(labels: string[]): number {
  const index = labels.findIndex((l) => /pothole/i.test(l));
  if (index < 0 || labels.length !== 2) {
    throw new ModelLoadError(
      'model-mismatch',
      `This model cannot drive the field app: it needs two classes, one of them "pothole" ` +
        `(it has: ${labels.join(', ')}).`,
    );
  }
  return index;
}

export class PotholeAnalyser extends ModelAnalyser {
  private readonly potholeIndex: number;

  private constructor(loaded: LoadedModel) {
    super(loaded, 'pothole');
    this.potholeIndex = potholeIndexOf(loaded.manifest.labels);
  }

  static async load(manifestUrl: string): Promise<PotholeAnalyser> {
    const loaded = await loadModelFromUrl(manifestUrl);
    try {
      return await PotholeAnalyser.fromModel(loaded);
    } catch (error) {
      loaded.dispose();
      throw error;
    }
  }

  /** An analyser over a model loaded elsewhere (the lab's re-analysis); it then owns the model.
   * Throws, leaving the model to the caller, when the model cannot drive the field app.
   * Warmed up while `warmUp()` says so (false: a photo is waiting; its pass sets the kernels
   * up). */
  static async fromModel(
    loaded: LoadedModel,
    warmUp: () => boolean = () => true,
  ): Promise<PotholeAnalyser> {
    const analyser = new PotholeAnalyser(loaded);
    await analyser.warmUp(warmUp);
    return analyser;
  }

  protected async explainInput(
    x: tf.Tensor4D,
    { region, method, render, clock, started }: ExplainJob,
  ): Promise<Explanation> {
    const { manifest, adapter } = this.loaded;
    const camStarted = performance.now();
    // The verdict's own class: the map says where the model found its reason.
    const result = await computeCam(adapter, x, {
      method,
      target: topClassLogit(),
      layer: manifest.cam.layer,
    });
    const inferenceMs = performance.now() - started;
    const forwardEnd = camStarted + result.timings.forwardMs;
    clock?.record('inference', camStarted, forwardEnd);
    clock?.record('CAM', forwardEnd, forwardEnd + result.timings.camMs);
    const probs = result.probabilities[0];
    const pPothole =
      probs.length === 1
        ? this.potholeIndex === 1
          ? probs[0]
          : 1 - probs[0]
        : probs[this.potholeIndex];
    if (!Number.isFinite(pPothole)) {
      throw new AnalysisError(
        'bad-output',
        'The model gave no usable answer for this photo.',
        `p=${pPothole}`,
      );
    }
    const probabilities: Record<string, number> = {};
    manifest.labels.forEach((label, i) => {
      probabilities[label] = i === this.potholeIndex ? pPothole : 1 - pPothole;
    });
    const confidence = Math.max(pPothole, 1 - pPothole);
    const verdict: SurveyVerdict = {
      label: pPothole >= 0.5 ? 'pothole' : 'normal',
      potholeProbability: pPothole,
      lowConfidence: confidence < manifest.lowConfidenceBelow,
    };
    const map = result.normalized[0];
    const cam: CamGrid = {
      method: result.method,
      layer: result.layer,
      width: map.width,
      height: map.height,
      data: map.data,
      region,
    };
    const renderStart = performance.now();
    const heatmap = render !== 'none' && !result.empty[0] ? renderHeatmap(map) : null;
    clock?.record('heatmap', renderStart, performance.now());
    return {
      verdict,
      probabilities,
      cam,
      camEmpty: result.empty[0],
      region,
      model: { id: manifest.id, version: manifest.version },
      heatmap,
      timings: { inferenceMs, renderMs: performance.now() - renderStart },
    };
  }
}

/** A 0..1 map as a turbo-coloured bitmap; the page stretches it over the region the model
 * saw (a CAM grid is smooth, so a small square bitmap loses nothing). */
export function renderHeatmap(map: ScalarMap): ImageBitmap | null {
  if (!map.data.some((v) => v > 0)) return null;
  const size = HEATMAP_SIZE;
  const rgba = colorize(upsampleBilinear(map, size, size), 'turbo');
  const canvas = new OffscreenCanvas(size, size);
  const pixels = new ImageData(size, size);
  pixels.data.set(rgba.data);
  canvas.getContext('2d')!.putImageData(pixels, 0, 0);
  return canvas.transferToImageBitmap();
}

/** A failure as the page receives it. */
export function failureOf(
  error: unknown,
  fallbackSource: FailureInfo['source'] = 'internal',
): FailureInfo {
  if (error && typeof error === 'object' && 'name' in error) {
    const e = error as { name: string; message: string; code?: string; detail?: string };
    if (e.name === 'PhotoError')
      return { source: 'photo', code: e.code ?? 'photo', message: e.message, detail: e.detail };
    if (e.name === 'ModelLoadError' || e.name === 'AnalysisError' || e.name === 'ExplainError') {
      return { source: 'model', code: e.code ?? 'model', message: e.message, detail: e.detail };
    }
  }
  return {
    source: fallbackSource,
    code: 'internal',
    message:
      'Something went wrong while analysing the photo. Try again; if it keeps happening, reload the app.',
    detail:
      error instanceof Error
        ? `${error.name}: ${error.message}\n${error.stack ?? ''}`
        : String(error),
  };
}

/** Live tensors: tests check that analysing photos leaks none. */
export function liveTensors(): number {
  return tf.memory().numTensors;
}
