/**
 * A model's manifest (`manifest.json` beside `model.json`): what the app and the tools need to
 * know that the TensorFlow.js files do not say. The same format for the bundled pothole and
 * MNIST models and for a model builder's own.
 */
import { z } from '../schema/zod';
import { ModelLoadError } from './model-load-error';
import { presetNormalization } from './normalization-presets';
import { damageOutputSchema, notRoadSchema } from './damage-manifest';
import { mnistMetricsSchema, potholeMetricsSchema } from './metrics-records';
import { roadDamageMetricsSchema, roadDamageTrainingSchema } from './road-damage-records';
import { mnistTrainingSchema, potholeTrainingSchema } from './training-records';

export const normalizationSchema = z.object({
  /** Per-channel mean and std applied to pixel / 255: input = (pixel / 255 - mean) / std. */
  mean: z.array(z.number()).min(1).max(3),
  std: z.array(z.number().positive()).min(1).max(3),
});
export type Normalization = z.infer<typeof normalizationSchema>;

/** [-1, 1] as MobileNet v1 expects; [0, 1] as most small models expect. Applied by
 * normalizePixels (preprocess.ts). */
export const NORMALIZE_MINUS_ONE_TO_ONE: Normalization = presetNormalization('minus-one-one');
export const NORMALIZE_ZERO_TO_ONE: Normalization = presetNormalization('zero-one');

const commonFields = {
  id: z.string().min(1).max(100),
  version: z.string().min(1).max(40),
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  format: z.enum(['layers', 'graph']),
  /** Relative to the manifest. */
  modelUrl: z.string().default('model.json'),
  /** Class names in the order of the model's outputs. A single sigmoid unit has two labels:
   * [negative, positive]. */
  labels: z.array(z.string()).min(1),
  /** Offset added to an output index to find its label (1 for graph models with "background"
   * at index 0, as the TF-Hub MobileNet has). */
  labelOffset: z.number().int().default(0),
  input: z.object({
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    channels: z.union([z.literal(1), z.literal(3)]),
    normalization: normalizationSchema,
    /** How a photo is fitted to the input: stretched, or centre-cropped to the aspect first. */
    resize: z.enum(['stretch', 'center-crop']).default('stretch'),
    /** Graph models: the input node's name. */
    inputNode: z.string().optional(),
  }),
  /** Graph models: the node whose output is the class scores. */
  outputNode: z.string().optional(),
  cam: z.object({
    layer: z.string().min(1),
    method: z.string().default('gradcam'),
  }),
  /** Below this margin from 0.5 the field app says the model is not sure. */
  lowConfidenceBelow: z.number().min(0.5).max(1).default(0.7),
};

/**
 * The manifest by task. 'pothole' models (normal / pothole softmax) drove the field app first;
 * 'road-damage' models have one sigmoid output per damage type, with calibration, thresholds
 * and a not-a-road score; 'digits' is the seed's MNIST model; any other classifier works in the
 * lab as 'classification'. Each bundled task's `training` and `metrics` records are typed.
 */
export const modelManifestSchema = z.discriminatedUnion('task', [
  z.object({
    ...commonFields,
    task: z.literal('pothole'),
    training: potholeTrainingSchema.optional(),
    metrics: potholeMetricsSchema.optional(),
  }),
  z.object({
    ...commonFields,
    task: z.literal('road-damage'),
    /** One entry per output, in output order (labels[i] is types[i].name). */
    types: z.array(damageOutputSchema).min(1),
    notRoad: notRoadSchema.optional(),
    training: roadDamageTrainingSchema.optional(),
    metrics: roadDamageMetricsSchema.optional(),
  }),
  z.object({
    ...commonFields,
    task: z.literal('digits'),
    training: mnistTrainingSchema.optional(),
    metrics: mnistMetricsSchema.optional(),
  }),
  z.object({
    ...commonFields,
    task: z.literal('classification'),
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
  if (!parsed.success) {
    throw new ModelLoadError(
      'manifest-invalid',
      `The model's ${source} is not valid: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}.`,
      JSON.stringify(parsed.error.issues),
    );
  }
  return parsed.data;
}
export type ModelTask = ModelManifest['task'];
export type PotholeManifest = Extract<ModelManifest, { task: 'pothole' }>;
export type RoadDamageManifest = Extract<ModelManifest, { task: 'road-damage' }>;
export type DigitsManifest = Extract<ModelManifest, { task: 'digits' }>;
