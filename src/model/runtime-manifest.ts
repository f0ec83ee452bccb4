/**
 * The manifest as the app runs a model: every field but the `training` and `metrics` records,
 * which only the tools and the model cards read (the full manifest, records typed, extends this
 * in manifest.ts). The build parses the app's own manifests with it
 * (tools/build/bundled-manifests-plugin.ts); the analysis worker loads it on demand for a
 * manifest fetched at run time (an installed model, `?model=`).
 */
import { z } from '../schema/zod';
import { ModelLoadError } from './model-load-error';
import { presetNormalization } from './normalization-presets';
import { damageOutputSchema, notRoadSchema } from './damage-manifest';

export const normalizationSchema = z.object({
  /** Per-channel mean and std applied to pixel / 255: input = (pixel / 255 - mean) / std, in
   * the model's channel order. */
  mean: z.array(z.number()).min(1).max(3),
  std: z.array(z.number().positive()).min(1).max(3),
  /** 'bgr': the model takes blue, green, red (Caffe-style models such as Keras' VGG16 and
   * ResNet50); absent: red, green, blue. */
  channelOrder: z.enum(['rgb', 'bgr']).optional(),
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

/** The fields of each task, without its records (zod drops the keys it does not know). */
export const runtimeTaskFields = {
  pothole: { ...commonFields, task: z.literal('pothole') },
  'road-damage': {
    ...commonFields,
    task: z.literal('road-damage'),
    /** One entry per output, in output order (labels[i] is types[i].name). */
    types: z.array(damageOutputSchema).min(1),
    notRoad: notRoadSchema.optional(),
    /**
     * The photo-quality hint's thresholds for this model's photos (src/image/photo-quality.ts),
     * written by `npm run eval -- --quality --update-model`; absent: the app's defaults.
     */
    photoQuality: z
      .object({
        minBrightness: z.number().min(0).max(255),
        minSharpness: z.number().min(0),
      })
      .optional(),
  },
  digits: { ...commonFields, task: z.literal('digits') },
  classification: { ...commonFields, task: z.literal('classification') },
};

export const runtimeManifestSchema = z.discriminatedUnion('task', [
  z.object(runtimeTaskFields.pothole),
  z.object(runtimeTaskFields['road-damage']),
  z.object(runtimeTaskFields.digits),
  z.object(runtimeTaskFields.classification),
]);
export type RuntimeManifest = z.infer<typeof runtimeManifestSchema>;

/** The first problems of a manifest that does not parse, as the user reads them. */
export function manifestInvalid(issues: z.core.$ZodIssue[], source: string): ModelLoadError {
  return new ModelLoadError(
    'manifest-invalid',
    `The model's ${source} is not valid: ${issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ')}.`,
    JSON.stringify(issues),
  );
}

/** A manifest from its JSON, its records left out. Throws ModelLoadError naming the problems. */
export function parseRuntimeManifest(json: unknown, source = 'manifest.json'): RuntimeManifest {
  const parsed = runtimeManifestSchema.safeParse(json);
  if (!parsed.success) throw manifestInvalid(parsed.error.issues, source);
  return parsed.data;
}
