/**
 * The field app's analyser for whichever model the app is pointed at: a road-damage model
 * (damage types, not-a-road) or a pothole model (one verdict), chosen by the manifest's task.
 */
import type { CamMethodName } from '../explain/cam/compute-cam';
import { loadModelFromUrl, type LoadedModel } from '../model/load-model';
import type { RoadDamageManifest } from '../model/manifest';
import { PotholeAnalyser } from './analysis';
import { DamageAnalyser } from './damage-analysis';
import { modelFetch } from './installed-model';
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

/** The analyser of the model at `manifestUrl`: served, or installed from the sync server (read
 * from its cache by modelFetch). */
export async function loadFieldAnalyser(
  manifestUrl: string,
  /** The backend's start: the files download beside it (see LoadOptions.backendReady). */
  backendReady?: Promise<unknown>,
): Promise<FieldAnalyser> {
  const loaded = await loadModelFromUrl(manifestUrl, modelFetch, { backendReady });
  try {
    if (loaded.manifest.task === 'road-damage') {
      const url = new URL(manifestUrl, self.location.href).href;
      return await DamageAnalyser.fromModel(
        loaded as LoadedModel & { manifest: RoadDamageManifest },
        url,
        modelFetch,
      );
    }
    return await PotholeAnalyser.fromModel(loaded);
  } catch (error) {
    loaded.dispose();
    throw error;
  }
}
