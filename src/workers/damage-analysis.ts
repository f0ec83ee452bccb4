/**
 * The field app over a road-damage model: photo canvas -> model input -> every type's calibrated
 * probability and the not-a-road score (one pass, src/model/damage-forward.ts) -> the verdict of
 * src/model/damage-verdict.ts -> one Grad-CAM per main damage type (found ones first), all in one
 * batched pass with the photo repeated once per type.
 */
import * as tf from '@tensorflow/tfjs-core';
import { computeCam, type CamMethodName } from '../explain/cam/compute-cam';
import { ExplainError } from '../explain/errors';
import { classLogitEach } from '../explain/targets';
import { drawModelInput, type PhotoRegion } from '../image/model-input';
import { damageForward, notRoadScorerOf, type NotRoadScorer } from '../model/damage-forward';
import { DamageVerdictError, photoVerdict, type PhotoVerdict } from '../model/damage-verdict';
import { ModelLoadError, type LoadedModel } from '../model/load-model';
import type { RoadDamageManifest } from '../model/manifest';
import { NotRoadStatsError } from '../model/not-road';
import { imageToModelInput } from '../model/preprocess';
import type { SurveyVerdict } from '../schema/survey';
import { AnalysisError, isCamMethod, renderHeatmap } from './analysis';
import type { DamageExplanation, Explanation, ModelInfo, TypeHeatmap } from './protocol';
import type { ModelFetch } from './installed-model';
import type { StageClock } from './stage-clock';

type DamageModel = LoadedModel & { manifest: RoadDamageManifest };

/** The not-a-road statistics named by the manifest, fetched beside it. */
export async function fetchNotRoadScorer(
  manifest: RoadDamageManifest,
  manifestUrl: string,
  fetchFunc: ModelFetch = (input, init) => fetch(input, init),
): Promise<NotRoadScorer | undefined> {
  const spec = manifest.notRoad;
  if (!spec) return undefined;
  const url = new URL(spec.statsUrl, manifestUrl).href;
  let buffer: ArrayBuffer;
  try {
    const response = await fetchFunc(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    buffer = await response.arrayBuffer();
  } catch (e) {
    throw new ModelLoadError(
      'model-missing',
      'The model\'s "not a road" statistics could not be read. Open the app once with a ' +
        'network so it can keep the whole model for offline use.',
      `${url}: ${String(e)}`,
    );
  }
  try {
    return notRoadScorerOf(buffer, spec);
  } catch (e) {
    if (e instanceof NotRoadStatsError) throw new ModelLoadError('model-invalid', e.message);
    throw e;
  }
}

/** What the pothole-era verdict fields say for a road-damage verdict (old views, exports). */
export function surveyVerdictOf(verdict: PhotoVerdict): SurveyVerdict {
  const pothole = verdict.types.find((t) => t.name === 'pothole');
  const label =
    verdict.kind === 'not-a-road'
      ? 'not-a-road'
      : verdict.found.some((t) => t.name === 'pothole')
        ? 'pothole'
        : verdict.found.length
          ? 'damage'
          : 'normal';
  return {
    label,
    potholeProbability: pothole?.probability ?? 0,
    lowConfidence: verdict.kind === 'not-sure',
  };
}

/** Found types (main and sub) first, then the other main types; most probable first in each. */
export function heatmapTypes(verdict: PhotoVerdict): PhotoVerdict['types'] {
  const byProbability = (a: { probability: number }, b: { probability: number }) =>
    b.probability - a.probability;
  const found =
    verdict.kind === 'not-a-road' ? [] : verdict.types.filter((t) => t.state === 'found');
  const others = verdict.types.filter((t) => !t.parent && !found.includes(t));
  return [...found.sort(byProbability), ...others.sort(byProbability)];
}

export class DamageAnalyser {
  readonly info: ModelInfo;
  /** Milliseconds the first (warm-up) pass took. */
  warmUpMs = 0;

  private constructor(
    private readonly loaded: DamageModel,
    private readonly scorer: NotRoadScorer | undefined,
  ) {
    const { manifest, adapter } = loaded;
    const camMethod = isCamMethod(manifest.cam.method) ? manifest.cam.method : 'gradcam';
    // Fail now, not on the first photo, when the manifest names a layer the model lacks.
    adapter.layer(manifest.cam.layer);
    if (scorer) adapter.layer(scorer.layer);
    this.info = {
      task: 'road-damage',
      id: manifest.id,
      version: manifest.version,
      name: manifest.name,
      labels: manifest.labels,
      camLayer: manifest.cam.layer,
      camMethod,
      inputWidth: manifest.input.width,
      inputHeight: manifest.input.height,
    };
  }

  /** An analyser over a loaded road-damage model; it then owns the model. */
  static async fromModel(
    loaded: DamageModel,
    manifestUrl: string,
    fetchFunc?: ModelFetch,
  ): Promise<DamageAnalyser> {
    const scorer = await fetchNotRoadScorer(loaded.manifest, manifestUrl, fetchFunc);
    const analyser = new DamageAnalyser(loaded, scorer);
    const started = performance.now();
    const { width, height } = loaded.manifest.input;
    const grey = new Uint8ClampedArray(width * height * 4).fill(128);
    await analyser.explainPixels(
      { width, height, data: grey },
      { x: 0, y: 0, width: 1, height: 1 },
      analyser.info.camMethod,
      false,
    );
    analyser.warmUpMs = performance.now() - started;
    return analyser;
  }

  /**
   * The photo's damage verdict and a heatmap per type; `clock` (the worker's) times each stage;
   * `render: false` skips the colour heatmaps (drive frames: the grids are kept).
   */
  async explain(
    photo: OffscreenCanvas | ImageBitmap,
    method: CamMethodName = this.info.camMethod,
    clock?: StageClock,
    render = true,
  ): Promise<Explanation> {
    const { input } = this.loaded.manifest;
    const started = performance.now();
    const { image, region } = drawModelInput(photo, input.width, input.height, input.resize);
    clock?.record('resize', started, performance.now());
    return this.explainPixels(image, region, method, render, clock);
  }

  private async explainPixels(
    image: { width: number; height: number; data: Uint8ClampedArray },
    region: PhotoRegion,
    method: CamMethodName,
    render: boolean,
    clock?: StageClock,
  ): Promise<Explanation> {
    const { manifest, adapter } = this.loaded;
    const started = performance.now();
    const x = imageToModelInput(image, { ...manifest.input, resize: 'stretch' });
    const forwardStarted = performance.now();
    clock?.record('model input', started, forwardStarted);
    let camStarted: number;
    let verdict: PhotoVerdict;
    let cams;
    let types: PhotoVerdict['types'];
    try {
      const forward = await damageForward(adapter, x, this.scorer, manifest.cam.layer);
      verdict = photoVerdict(forward.probabilities[0], manifest, forward.notRoadScores[0]);
      types = heatmapTypes(verdict);
      if (types.length === 0) {
        throw new AnalysisError(
          'model-mismatch',
          'This model lists only damage subtypes, no main type: its manifest is wrong.',
        );
      }
      const outputs = types.map((t) => manifest.types.find((m) => m.name === t.name)!.output);
      camStarted = performance.now();
      clock?.record('inference', forwardStarted, camStarted);
      const batch = tf.tile(x, [outputs.length, 1, 1, 1]) as tf.Tensor4D;
      try {
        cams = await computeCam(adapter, batch, {
          method,
          target: classLogitEach(outputs),
          layer: manifest.cam.layer,
        });
      } finally {
        batch.dispose();
      }
    } catch (error) {
      if (error instanceof ExplainError)
        throw new AnalysisError(error.code, error.message, error.detail);
      if (error instanceof DamageVerdictError) throw new AnalysisError('bad-output', error.message);
      throw error;
    } finally {
      x.dispose();
    }
    const inferenceMs = performance.now() - started;
    const renderStart = performance.now();
    clock?.record('CAM', camStarted, renderStart);
    const heatmaps = types.map((t, i): TypeHeatmap => {
      const map = cams.normalized[i];
      return {
        type: t.name,
        title: t.title,
        probability: t.probability,
        found: t.state === 'found' && verdict.kind !== 'not-a-road',
        cam: {
          method: cams.method,
          layer: cams.layer,
          width: map.width,
          height: map.height,
          data: map.data,
          region,
        },
        camEmpty: cams.empty[i],
        heatmap: render && !cams.empty[i] ? renderHeatmap(map) : null,
      };
    });
    const damage: DamageExplanation = {
      outcome: verdict.kind,
      types: verdict.types,
      found: verdict.kind === 'not-a-road' ? [] : verdict.found.map((t) => t.name),
      notSure: verdict.types.filter((t) => t.state === 'not-sure').map((t) => t.name),
      notRoad:
        verdict.notRoadScore !== undefined && this.scorer
          ? { score: verdict.notRoadScore, threshold: this.scorer.threshold }
          : null,
      heatmaps,
    };
    clock?.record('heatmap', renderStart, performance.now());
    const first = heatmaps[0];
    return {
      verdict: surveyVerdictOf(verdict),
      probabilities: Object.fromEntries(verdict.types.map((t) => [t.name, t.probability])),
      cam: first.cam,
      camEmpty: first.camEmpty,
      region,
      model: { id: manifest.id, version: manifest.version },
      heatmap: first.heatmap,
      damage,
      timings: { inferenceMs, renderMs: performance.now() - renderStart },
    };
  }

  dispose(): void {
    this.loaded.dispose();
  }
}
