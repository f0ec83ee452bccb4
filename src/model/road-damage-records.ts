/**
 * The `training` and `metrics` records of a road-damage model's manifest: how it was trained
 * (network, data with licences, split, epochs, machine, the measurements that chose the
 * network) and what it achieved on held-out photos (per type, calibration, not-a-road).
 */
import { z } from '../schema/zod';
import {
  foldersReportSchema,
  latencySchema,
  mistakeSchema,
  qualityRecordSchema,
} from './metrics-records';
import { photoTrainingRunSchema } from './training-records';

/** One measured alternative (network input size, frozen blocks...) on the same split. */
export const choiceRowSchema = z.object({
  /** What differed, e.g. "input 256, trained at 224". */
  label: z.string(),
  inputSize: z.number(),
  trainSize: z.number(),
  frozenBlocks: z.number(),
  multiplyAdds: z.number(),
  /** Validation AUC per type (the choice is made on validation photos, never test). */
  validationAuc: z.record(z.string(), z.number().nullable()),
  trainingMinutes: z.number().nullable(),
  loadAverage: z.number().nullable(),
  command: z.string(),
});
export type ChoiceRow = z.infer<typeof choiceRowSchema>;

export const roadDamageTrainingSchema = photoTrainingRunSchema.extend({
  trainSize: z.number(),
  outputStride: z.number(),
  frozenBlocks: z.number(),
  boxLoss: z.number(),
  /** Field photos with a pothole came up this many times per epoch (absent: once). */
  fieldPotholeRepeat: z.number().optional(),
  /**
   * Copy-paste: a pothole box cut from one training photo pasted into `rate` of the photos
   * without one (absent: none), `made` times over the run.
   */
  pastes: z
    .object({
      rate: z.number(),
      scale: z.tuple([z.number(), z.number()]),
      context: z.number(),
      minSide: z.number(),
      maxShare: z.number(),
      made: z.number(),
    })
    .optional(),
  /** Weight of a positive example in the cross-entropy, per type. */
  positiveWeights: z.record(z.string(), z.number()),
  /** The whole command (decoding, training, calibration, evaluation); trainingMinutes is
   * training alone. */
  totalMinutes: z.number(),
  /**
   * CPU time of the whole command (all its threads): close to its wall time on a quiet machine
   * of this kind, which a shared machine's wall time is not.
   */
  cpuMinutes: z.number(),
  /** Alternatives measured before settling on this network (see the card). */
  choices: z.array(choiceRowSchema).optional(),
});
export type RoadDamageTraining = z.infer<typeof roadDamageTrainingSchema>;

/** One bin of a reliability diagram: mean predicted probability vs share that were positive. */
export const reliabilityBinSchema = z.object({
  from: z.number(),
  to: z.number(),
  count: z.number(),
  meanProbability: z.number().nullable(),
  positiveShare: z.number().nullable(),
});

export const roadDamageMetricsSchema = z.object({
  evaluatedOn: z.string(),
  command: z.string(),
  report: foldersReportSchema,
  latency: latencySchema,
  calibration: z.object({
    /** The reliability diagram (PNG beside the manifest). */
    diagram: z.string(),
    /** Expected calibration error on the test photos, all outputs together. */
    eceBefore: z.number().nullable(),
    eceAfter: z.number().nullable(),
    binsBefore: z.array(reliabilityBinSchema),
    binsAfter: z.array(reliabilityBinSchema),
    /** Test photos whose verdict on some type was "not sure", and accuracy of the sure ones. */
    notSureShare: z.number().nullable(),
    sureAccuracy: z.number().nullable(),
  }),
  notRoad: z
    .object({
      command: z.string(),
      folder: z.string(),
      n: z.number(),
      not_road_rate: z.number(),
      /**
       * The rate on the folder's even- and odd-numbered photos (file order): the method was
       * chosen on the even half, so the odd half is the fairer check of it.
       */
      halves: z.object({ even: z.number(), odd: z.number() }).optional(),
    })
    .optional(),
  /** Held-out photos with a wrong pothole verdict at the pothole threshold. */
  mistakes: z.array(mistakeSchema),
  /** How darkening and blurring the held-out photos moves the model (the quality thresholds). */
  quality: qualityRecordSchema.optional(),
});
export type RoadDamageMetrics = z.infer<typeof roadDamageMetricsSchema>;
