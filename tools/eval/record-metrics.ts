/**
 * Records held-out figures in a model folder: the manifest's metrics (pothole or road-damage
 * record), the reliability diagram of a road-damage model, and its MODEL_CARD.md. Used by
 * `eval --update-model` and at the end of `train pothole` / `train road-damage`.
 */
import path from 'node:path';
import type { LoadedModel } from '../../src/model/load-model';
import { modelManifestSchema, type ModelManifest } from '../../src/model/manifest';
import type { FoldersReport } from '../../src/model/metrics-records';
import type { RoadDamageMetrics } from '../../src/model/road-damage-records';
import { writeModelCard } from '../cards/model-card';
import { writeReliabilityDiagram } from '../cards/reliability-diagram';
import { readManifest, writeManifest } from '../lib/model-dir';
import { measureLatency } from './latency';
import { outputSpecs, potholeSpec } from './model-outputs';
import { potholeMetrics } from './pothole-metrics';
import type { PhotoResult } from './report';
import { roadDamageMetrics } from './road-damage-metrics';

export const RELIABILITY_DIAGRAM = 'reliability.png';

export async function recordMetrics(args: {
  modelDir: string;
  loaded: LoadedModel;
  report: FoldersReport;
  results: readonly PhotoResult[];
  command: string;
  notRoad?: RoadDamageMetrics['notRoad'];
  quality?: RoadDamageMetrics['quality'];
}): Promise<ModelManifest> {
  const { loaded, modelDir } = args;
  const manifest = readManifest(modelDir);
  const latency = await measureLatency(
    loaded.adapter,
    manifest.cam.layer,
    potholeSpec(outputSpecs(manifest)).index,
  );
  let updated: ModelManifest;
  if (manifest.task === 'road-damage') {
    const metrics = roadDamageMetrics({
      manifest,
      report: args.report,
      results: args.results,
      command: args.command,
      latency,
      diagram: RELIABILITY_DIAGRAM,
      notRoad: args.notRoad ?? manifest.metrics?.notRoad,
    });
    const quality = args.quality ?? manifest.metrics?.quality;
    if (quality) metrics.quality = quality;
    await writeReliabilityDiagram(path.join(modelDir, RELIABILITY_DIAGRAM), {
      title: `Reliability on held-out photos (every output), ${manifest.id} ${manifest.version}`,
      before: metrics.calibration.binsBefore,
      after: metrics.calibration.binsAfter,
      eceBefore: metrics.calibration.eceBefore,
      eceAfter: metrics.calibration.eceAfter,
    });
    updated = modelManifestSchema.parse({ ...manifest, metrics });
  } else if (manifest.task === 'pothole') {
    updated = modelManifestSchema.parse({
      ...manifest,
      metrics: potholeMetrics(args.report, args.results, args.command, latency),
    });
  } else {
    throw new Error(`Figures are recorded for road models only, not "${manifest.name}".`);
  }
  writeManifest(modelDir, updated);
  writeModelCard(modelDir, updated);
  return updated;
}

/** Records `eval --quality` figures in a road-damage model's manifest and card. */
export function recordQuality(
  modelDir: string,
  quality: NonNullable<RoadDamageMetrics['quality']>,
): void {
  const manifest = readManifest(modelDir);
  if (manifest.task !== 'road-damage' || !manifest.metrics) {
    throw new Error(
      `${modelDir} is not an evaluated road-damage model: record its held-out figures first ` +
        '(npm run eval -- --update-model).',
    );
  }
  // The thresholds measured become the ones the app checks this model's photos against.
  const updated = modelManifestSchema.parse({
    ...manifest,
    photoQuality: quality.thresholds,
    metrics: { ...manifest.metrics, quality },
  });
  writeManifest(modelDir, updated);
  writeModelCard(modelDir, updated);
}
