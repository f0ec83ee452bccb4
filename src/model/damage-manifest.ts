/**
 * What a road-damage model's manifest adds: one entry per output (a damage type) with its
 * calibration, decision threshold and "not sure" band, and the not-a-road score's parameters.
 * The app's analysis worker reads these; `npm run train -- road-damage` writes them, each figure
 * chosen on the validation split and stated with the rule that chose it.
 */
import { DAMAGE_TYPE_NAMES } from './damage-types';
import { z } from '../schema/zod';

export const calibrationSchema = z.object({
  /**
   * temperature: p = sigmoid(z / T); platt: p = sigmoid(z / T + bias) (a temperature and a
   * shift, fitted together). Chosen per output by cross-validated log loss on validation.
   */
  method: z.enum(['temperature', 'platt']),
  temperature: z.number().positive(),
  bias: z.number(),
  /**
   * Already folded into the head's dense layer (kernel / T, bias / T + bias): the model's own
   * outputs are the calibrated probabilities. Never apply it again.
   */
  inWeights: z.boolean(),
  /** Expected calibration error on the validation photos, before and after. */
  validationEce: z.object({ before: z.number(), after: z.number() }),
});
export type Calibration = z.infer<typeof calibrationSchema>;

export const damageOutputSchema = z.object({
  /** The damage type; equals labels[output]. */
  name: z.enum(DAMAGE_TYPE_NAMES),
  title: z.string(),
  /** A subtype names its main type. */
  parent: z.enum(DAMAGE_TYPE_NAMES).optional(),
  /** Index of its sigmoid output. */
  output: z.number().int().min(0),
  /** The type is found when its (calibrated) probability is at least this. */
  threshold: z.number().min(0).max(1),
  /** How the threshold was chosen, and what it gave on the validation photos. */
  thresholdRule: z.object({
    targetSpecificity: z.number().min(0).max(1),
    validationSpecificity: z.number().nullable(),
    validationRecall: z.number().nullable(),
    validationPhotos: z.number(),
  }),
  /**
   * Probabilities in [from, to) are "not sure": there the calibrated chance that the verdict
   * (found at or above `threshold`, not found below it) is right is below `confidence`.
   */
  notSure: z.object({
    from: z.number().min(0).max(1),
    to: z.number().min(0).max(1),
    confidence: z.number().min(0.5).max(1),
  }),
  calibration: calibrationSchema,
});
export type DamageOutput = z.infer<typeof damageOutputSchema>;

/**
 * One layer of the not-a-road score: the squared Mahalanobis distance of the photo's features at
 * this layer from the training photos' features there:
 * d = f - mean; z = W^T d (W's columns: principal directions / sqrt(their variance));
 * distance = |z|^2 + (|d|^2 - sum_k variance_k z_k^2) / residualVariance.
 */
export const notRoadLayerSchema = z.object({
  /** f: this layer's output pooled over the photo, as `pooling` says. */
  layer: z.string(),
  /**
   * mean: each channel's spatial mean; mean-std: the means, then each channel's spatial standard
   * deviation (how much the texture varies across the photo: a road surface is even).
   */
  pooling: z.enum(['mean', 'mean-std']).default('mean'),
  dimensions: z.number().int().positive(),
  components: z.number().int().positive(),
  residualVariance: z.number().positive(),
  /** The distance is divided by this (its median on validation road photos) before the sum. */
  scale: z.number().positive(),
  /**
   * How many directions to keep, chosen by the mean log-likelihood of the validation road
   * photos' features (higher: the statistics describe road photos better).
   */
  componentsChosenBy: z
    .array(z.object({ components: z.number(), logLikelihood: z.number() }))
    .optional(),
});
export type NotRoadLayer = z.infer<typeof notRoadLayerSchema>;

const notRoadCommon = {
  /**
   * Relative to the manifest. mahalanobis: float32 little-endian, per layer in order: mean
   * [dimensions], then W [dimensions x components] row-major, then variance [components].
   * nearest-neighbours: bytes [fittedOn x dimensions], each training photo's features scaled to
   * unit length, round(255 x value).
   */
  statsUrl: z.string(),
  /** A photo whose score (the sum over layers) is above this does not look like a road surface. */
  threshold: z.number().positive(),
  /** How the threshold was chosen: at most this share of validation road photos above it. */
  thresholdRule: z.object({
    maxRoadRejection: z.number(),
    validationRoadPhotos: z.number(),
    validationRoadRejected: z.number(),
  }),
  /** Training photos whose features made the statistics. */
  fittedOn: z.number().int().positive(),
  /**
   * The layers belong to this network, not to the model (absent: the model's own layers). The
   * ImageNet network the model was fine-tuned from still tells a cat from a road; fine-tuning
   * for damage types taught the model's own layers to ignore what is not damage.
   */
  network: z
    .object({
      /** A TensorFlow.js layers model.json, relative to the manifest. */
      modelUrl: z.string(),
      /** Its square input: the model input is resized to it (same normalisation). */
      inputSize: z.number().int().positive(),
      description: z.string(),
    })
    .optional(),
};

const notRoadShared = { method: z.literal('mahalanobis'), ...notRoadCommon };

/**
 * "Not a road": the sum over `layers` of each layer's scaled distance. Early layers see texture
 * and colour, the last one what the head sees; a cat is far from the road photos in some of
 * them even when the fine-tuned last layer maps it near a road.
 */
const notRoadLayersSchema = z.object({
  ...notRoadShared,
  layers: z.array(notRoadLayerSchema).min(1),
});

/** The first road-damage models' form (version 2.0.0): one layer, unscaled. */
const notRoadOneLayerSchema = z
  .object({
    ...notRoadShared,
    layer: z.string(),
    dimensions: z.number().int().positive(),
    components: z.number().int().positive(),
    residualVariance: z.number().positive(),
    componentsChosenBy: notRoadLayerSchema.shape.componentsChosenBy,
  })
  .transform(
    ({ layer, dimensions, components, residualVariance, componentsChosenBy, ...rest }) => ({
      ...rest,
      layers: [
        {
          layer,
          dimensions,
          components,
          residualVariance,
          scale: 1,
          pooling: 'mean' as const,
          ...(componentsChosenBy ? { componentsChosenBy } : {}),
        },
      ],
    }),
  );

/**
 * "Not a road" by the nearest road photos: the features of `layers` (pooled, concatenated in
 * order) scaled to unit length; the score is the mean squared distance to the `neighbours`
 * nearest of the training road photos' (src/model/not-road.ts, neighbourDistance).
 */
const notRoadNeighboursSchema = z.object({
  method: z.literal('nearest-neighbours'),
  ...notRoadCommon,
  neighbours: z.number().int().positive(),
  layers: z
    .array(
      z.object({
        layer: z.string(),
        pooling: notRoadLayerSchema.shape.pooling,
        dimensions: z.number().int().positive(),
      }),
    )
    .min(1),
});

export const notRoadSchema = z.union([
  notRoadLayersSchema,
  notRoadOneLayerSchema,
  notRoadNeighboursSchema,
]);
export type NotRoad = z.infer<typeof notRoadSchema>;
