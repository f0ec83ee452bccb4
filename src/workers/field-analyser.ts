/**
 * The field app's analyser for whichever model the app is pointed at: a road-damage model
 * (damage types, not-a-road) or a pothole model (one verdict), chosen by the manifest's task.
 */
import type { CamMethodName } from '../explain/cam/compute-cam';
import { loadModelOf, readManifestFromUrl, type LoadedModel } from '../model/load-model';
import type { RoadDamageManifest } from '../model/manifest';
import { PotholeAnalyser } from './analysis';
import { bundledManifest, bundledModelFiles } from './bundled-manifest';
import { DamageAnalyser, fetchNotRoadScorer } from './damage-analysis';
import { modelFetch, type ModelFetch } from './installed-model';
import type { HeatmapRendering } from './model-analyser';
import type { Explanation, ModelInfo } from './protocol';
import type { StageClock } from './stage-clock';

export interface FieldAnalyser {
  readonly info: ModelInfo;
  readonly warmUpMs: number;
  explain(
    photo: OffscreenCanvas | ImageBitmap,
    method?: CamMethodName,
    clock?: StageClock,
    render?: HeatmapRendering,
  ): Promise<Explanation>;
  dispose(): void;
}

/**
 * The analyser of the model at `manifestUrl`: served, or installed from the sync server (read
 * from its cache by modelFetch). The app's own models' manifests come with the worker
 * (bundled-manifest.ts); a road-damage model and its not-a-road network download side by side.
 */
export async function loadFieldAnalyser(
  manifestUrl: string,
  /** The backend's start: the files download beside it (see LoadOptions.backendReady). */
  backendReady?: Promise<unknown>,
  /**
   * Asked before each stage of the warm-up pass: false stops it, when a photo is waiting for
   * the model (that photo's own pass sets the rest of the kernels up, and it is what the
   * engineer waits for).
   */
  warmUp: () => boolean = () => true,
): Promise<FieldAnalyser> {
  const files = bundledModelFiles(manifestUrl);
  const fetchFunc = files ? requestedAtOnce(modelFetch, files) : modelFetch;
  const manifest =
    bundledManifest(manifestUrl) ?? (await readManifestFromUrl(manifestUrl, modelFetch));
  const model = loadModelOf(manifest, manifestUrl, fetchFunc, { backendReady });
  if (manifest.task !== 'road-damage') {
    const loaded = await model;
    try {
      return await PotholeAnalyser.fromModel(loaded, warmUp);
    } catch (error) {
      loaded.dispose();
      throw error;
    }
  }
  const url = new URL(manifestUrl, self.location.href).href;
  return DamageAnalyser.load(
    model as Promise<LoadedModel & { manifest: RoadDamageManifest }>,
    fetchNotRoadScorer(manifest, url, fetchFunc, backendReady),
    warmUp,
  );
}

/**
 * `fetchFunc` with `urls` requested now, all at once: each is answered from its early request
 * (once), anything else as usual. The loaders ask for a model.json's shards only once it has
 * arrived, and the not-a-road network's after the statistics; here they download side by side.
 */
function requestedAtOnce(fetchFunc: ModelFetch, urls: string[]): ModelFetch {
  const early = new Map(urls.map((url) => [url, fetchFunc(url)]));
  // A failure is the loader's to report, when it asks for that file.
  for (const response of early.values()) response.catch(() => undefined);
  return (input, init) => {
    const key = new URL(input, self.location.href).href;
    const response = early.get(key);
    if (!response) return fetchFunc(input, init);
    early.delete(key);
    return response;
  };
}
