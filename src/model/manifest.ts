/**
 * A model's manifest (`manifest.json` beside `model.json`): what the app and the tools need to
 * know that the TensorFlow.js files do not say. The same format for the bundled pothole and
 * MNIST models and for a model builder's own. The fields the app runs on are in
 * runtime-manifest.ts; this adds each task's typed `training` and `metrics` records.
 */
import { z } from '../schema/zod';
import { mnistMetricsSchema, potholeMetricsSchema } from './metrics-records';
import { roadDamageMetricsSchema, roadDamageTrainingSchema } from './road-damage-records';
import { manifestInvalid, runtimeTaskFields } from './runtime-manifest';
import { mnistTrainingSchema, potholeTrainingSchema } from './training-records';

export {
  NORMALIZE_MINUS_ONE_TO_ONE,
  NORMALIZE_ZERO_TO_ONE,
  normalizationSchema,
  type Normalization,
} from './runtime-manifest';

/**
 * The manifest by task. 'pothole' models (normal / pothole softmax) drove the field app first;
 * 'road-damage' models have one sigmoid output per damage type, with calibration, thresholds
 * and a not-a-road score; 'digits' is the seed's MNIST model; any other classifier works in the
 * lab as 'classification'. Each bundled task's `training` and `metrics` records are typed.
 */
export const modelManifestSchema = z.discriminatedUnion('task', [
  z.object({
    ...runtimeTaskFields.pothole,
    training: potholeTrainingSchema.optional(),
    metrics: potholeMetricsSchema.optional(),
  }),
  z.object({
    ...runtimeTaskFields['road-damage'],
    training: roadDamageTrainingSchema.optional(),
    metrics: roadDamageMetricsSchema.optional(),
  }),
  z.object({
    ...runtimeTaskFields.digits,
    training: mnistTrainingSchema.optional(),
    metrics: mnistMetricsSchema.optional(),
  }),
  z.object({
    ...runtimeTaskFields.classification,
    /** A model builder's own records: kept as they are. */
    training: z.record(z.string(), z.unknown()).optional(),
    metrics: z.record(z.string(), z.unknown()).optional(),
  }),
]);
export type ModelManifest = z.infer<typeof modelManifestSchema>;
export type ModelManifestInput = z.input<typeof modelManifestSchema>;

/** A manifest from its JSON. Throws ModelLoadError naming the first problems. */
export function parseManifest(json: unknown, source = 'manifest.json'): ModelManifest {
  const parsed = modelManifestSchema.safeParse(json);
  if (!parsed.success) throw manifestInvalid(parsed.error.issues, source);
  return parsed.data;
}
export type ModelTask = ModelManifest['task'];
export type PotholeManifest = Extract<ModelManifest, { task: 'pothole' }>;
export type RoadDamageManifest = Extract<ModelManifest, { task: 'road-damage' }>;
export type DigitsManifest = Extract<ModelManifest, { task: 'digits' }>;
