/**
 * The field app over a road-damage model: photo canvas -> model input -> every type's calibrated
 * probability and the not-a-road score (one pass, src/model/damage-forward.ts) -> the verdict of
 * src/model/damage-verdict.ts -> one Grad-CAM per main damage type (found ones first): the body
 * runs once, only the head once per type (computeCamPerClass).
 */
import * as tf from '@tensorflow/tfjs-core';
import { computeCamPerClass, type LayerSplit } from '../explain/cam/compute-cam';
import {
  activationsAtLayers,
  disposeNotRoadScorer,
  forwardLayers,
  notRoadDistanceOf,
  notRoadScorerFrom,
  readDamageForward,
  warmNotRoadDistance,
  type LayersSplit,
  type NotRoadScorer,
} from '../model/damage-forward';
import { DamageVerdictError, photoVerdict, type PhotoVerdict } from '../model/damage-verdict';
import {
  buildAdapter,
  httpModelHandler,
  ModelLoadError,
  type LoadedModel,
} from '../model/load-model';
import type { ModelAdapter } from '../explain/adapters/types';
import type { RoadDamageManifest } from '../model/manifest';
import { NotRoadStatsError } from '../model/not-road';
import type { SurveyVerdict } from '../schema/survey';
import { renderHeatmap } from './analysis';
import { AnalysisError } from './analysis-error';
import type { ModelFetch } from './installed-model';
import { ModelAnalyser, type ExplainJob } from './model-analyser';
import type { DamageExplanation, Explanation, TypeHeatmap } from './protocol';

type DamageModel = LoadedModel & { manifest: RoadDamageManifest };

/**
 * The not-a-road statistics named by the manifest, fetched beside it, and its network. The
 * files download at once; the network is built once `backendReady` settles (the field app
 * loads this beside the model itself, while wasm starts).
 */
export async function fetchNotRoadScorer(
  manifest: RoadDamageManifest,
  manifestUrl: string,
  fetchFunc: ModelFetch = (input, init) => fetch(input, init),
  backendReady?: Promise<unknown>,
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
  let distance: NotRoadScorer['distance'];
  try {
    distance = notRoadDistanceOf(buffer, spec);
    // While wasm starts (the network below waits for it), not on the first photo.
    warmNotRoadDistance(distance, spec);
  } catch (e) {
    if (e instanceof NotRoadStatsError) throw new ModelLoadError('model-invalid', e.message);
    throw e;
  }
  const network = spec.network
    ? await loadNotRoadNetwork(
        new URL(spec.network.modelUrl, manifestUrl).href,
        fetchFunc,
        backendReady,
      )
    : undefined;
  return notRoadScorerFrom(distance, spec, network);
}

/** The network the not-a-road layers belong to, compiled like the model itself. */
async function loadNotRoadNetwork(
  url: string,
  fetchFunc: ModelFetch,
  backendReady?: Promise<unknown>,
): Promise<ModelAdapter> {
  const handler = httpModelHandler(url, fetchFunc);
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await handler.load!();
  } catch (e) {
    throw new ModelLoadError(
      'model-missing',
      'The network of the model\'s "not a road" check could not be read. Open the app once ' +
        'with a network so it can keep the whole model for offline use.',
      `${url}: ${String(e)}`,
    );
  }
  await backendReady;
  try {
    return await buildAdapter('layers', tf.io.fromMemory(artifacts), {}, true);
  } catch (e) {
    throw new ModelLoadError(
      'model-invalid',
      `The network of the model's "not a road" check could not be built: ${(e as Error).message}`,
      String(e),
    );
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

export class DamageAnalyser extends ModelAnalyser<DamageModel> {
  private constructor(
    loaded: DamageModel,
    private readonly scorer: NotRoadScorer | undefined,
  ) {
    super(loaded, 'road-damage');
    const reads = scorer?.network?.adapter ?? loaded.adapter;
    for (const l of scorer?.layers ?? []) reads.layer(l.layer);
  }

  override dispose(): void {
    disposeNotRoadScorer(this.scorer);
    super.dispose();
  }

  /**
   * An analyser over a road-damage model and its not-a-road check, loaded side by side; warmed
   * up while `warmUp()` says so (asked between the warm-up's stages). It then owns both; when
   * either fails to load, the other is disposed.
   */
  static async load(
    model: Promise<DamageModel>,
    scorer: Promise<NotRoadScorer | undefined>,
    warmUp: () => boolean = () => true,
  ): Promise<DamageAnalyser> {
    const [loaded, notRoad] = await Promise.allSettled([model, scorer]);
    if (loaded.status === 'rejected' || notRoad.status === 'rejected') {
      if (loaded.status === 'fulfilled') loaded.value.dispose();
      if (notRoad.status === 'fulfilled') disposeNotRoadScorer(notRoad.value);
      throw loaded.status === 'rejected'
        ? loaded.reason
        : (notRoad as PromiseRejectedResult).reason;
    }
    const analyser = new DamageAnalyser(loaded.value, notRoad.value);
    try {
      await analyser.warmUp(warmUp);
    } catch (error) {
      analyser.dispose();
      throw error;
    }
    return analyser;
  }

  protected async explainInput(
    x: tf.Tensor4D,
    { region, method, render, clock, started, checkpoint }: ExplainJob,
  ): Promise<Explanation> {
    const { manifest, adapter } = this.loaded;
    const forwardStarted = performance.now();
    let camStarted: number;
    let verdict: PhotoVerdict;
    let cams;
    let types: PhotoVerdict['types'];
    // One pass gives the probabilities, the not-a-road features (the scorer's layers) and the
    // CAM layer's activations for every type's heatmap.
    const camLayer = manifest.cam.layer;
    const layers = forwardLayers(this.scorer, camLayer);
    let pass: LayersSplit | undefined;
    let split: LayerSplit | undefined;
    try {
      pass = activationsAtLayers(adapter, x, layers);
      await checkpoint?.();
      split = { activations: pass.activations[0], outputs: pass.outputs };
      const forward = await readDamageForward(pass, layers, this.scorer, x);
      await checkpoint?.();
      verdict = photoVerdict(forward.probabilities[0], manifest, forward.notRoadScores[0]);
      types = heatmapTypes(verdict);
      if (types.length === 0) {
        throw new AnalysisError(
          'model-mismatch',
          'This model lists only damage subtypes, no main type: its manifest is wrong.',
        );
      }
      const classes = types.map((t) => manifest.types.find((m) => m.name === t.name)!.output);
      camStarted = performance.now();
      clock?.record('inference', forwardStarted, camStarted);
      cams = await computeCamPerClass(adapter, x, { method, classes, layer: camLayer }, split);
      await checkpoint?.();
    } catch (error) {
      if (error instanceof DamageVerdictError) throw new AnalysisError('bad-output', error.message);
      throw error;
    } finally {
      if (pass) tf.dispose([...pass.activations, pass.outputs.logits, pass.outputs.probabilities]);
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
        heatmap:
          (render === 'all' || (render === 'first' && i === 0)) && !cams.empty[i]
            ? renderHeatmap(map)
            : null,
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
}
