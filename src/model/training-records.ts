/**
 * The `training` records a manifest carries: how the bundled models were trained (command,
 * network, data with licences, split, epochs, machine). Written by `npm run train`, read by the
 * model cards and the figures; typed here once, so no reader has to guess their shape.
 */
import { z } from '../schema/zod';

export const epochRecordSchema = z.object({
  epoch: z.number(),
  loss: z.number(),
  accuracy: z.number(),
  valLoss: z.number(),
  valAccuracy: z.number(),
  learningRate: z.number(),
  seconds: z.number(),
});
export type EpochRecord = z.infer<typeof epochRecordSchema>;

export const trainingMachineSchema = z.object({
  cpus: z.number(),
  cpuModel: z.string(),
  /** 1, 5 and 15-minute load averages (other work shared the machine). */
  loadAverageBefore: z.array(z.number()),
  loadAverageAfter: z.array(z.number()),
});
export type TrainingMachine = z.infer<typeof trainingMachineSchema>;

export const augmentOptionsSchema = z.object({
  minArea: z.number(),
  maxAspect: z.number(),
  flip: z.boolean(),
  brightness: z.number(),
  contrast: z.number(),
  saturation: z.number(),
});

export const boxCropsRecordSchema = z.object({
  negativeRate: z.number(),
  positiveArea: z.tuple([z.number(), z.number()]),
  keepShare: z.number(),
  negativeArea: z.tuple([z.number(), z.number()]),
  negativeMaxAspect: z.number(),
  margin: z.number(),
  negativeCropsMade: z.number(),
});

export const dataSummarySchema = z.object({
  source: z.string(),
  folder: z.string(),
  photos: z.number(),
  normal: z.number(),
  pothole: z.number(),
  ignoredFiles: z.number(),
  title: z.string(),
  origin: z.string(),
  licence: z.string(),
  /** Field photos (rdd2022 layout): photos showing each damage type. */
  types: z.record(z.string(), z.number()).optional(),
});
export type DataSummary = z.infer<typeof dataSummarySchema>;

export const splitSummarySchema = z.object({
  file: z.string(),
  /** The split.json whose placement was kept, if any. */
  inheritedFrom: z.string().optional(),
  seed: z.number(),
  fractions: z.record(z.string(), z.number()),
  frameBlock: z.number(),
  duplicateMaxDistance: z.number(),
  nearDuplicateMaxDistance: z.number(),
  duplicatesDropped: z.number(),
  conflictsDropped: z.number(),
  /** split -> data set -> label -> photos. */
  counts: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.number()))),
  /** Field photos: how copies and look-alikes were told apart. */
  field: z
    .object({
      copyMaxDistance: z.number(),
      copyMaxGreyDifference: z.number(),
      lookAlikeMaxDistance: z.number(),
      lookAlikeMinCorrelation: z.number(),
      lookAlikeSureCorrelation: z.number(),
      /** Look-alike groups of field photos, and the largest. */
      groups: z.number(),
      largestGroup: z.number(),
    })
    .optional(),
  /** Photos that had to stay out of training (the repository's test fixtures). */
  heldOut: z
    .object({ folders: z.array(z.string()), photos: z.number(), matched: z.number() })
    .optional(),
});
export type SplitSummary = z.infer<typeof splitSummarySchema>;

export const comparisonRowSchema = z.object({
  model: z.string(),
  architecture: z.string(),
  inputSize: z.number(),
  multiplyAdds: z.number(),
  parameters: z.number(),
  testAccuracy: z.number().nullable(),
  closeupSpecificity: z.number().nullable(),
  pointingGame: z.number().nullable(),
  energyInBox: z.number().nullable(),
  trainingMinutes: z.number(),
  /** 1-minute load average when training ended (other work on the machine). */
  loadAverage: z.number(),
  classifyMs: z.number().nullable(),
  command: z.string(),
});
export type ComparisonRow = z.infer<typeof comparisonRowSchema>;

/** What every training run records, whatever it trained. */
export const trainingRunSchema = z.object({
  command: z.string(),
  description: z.string(),
  parameters: z.number(),
  multiplyAdds: z.number(),
  backend: z.string(),
  batchSize: z.number(),
  learningRate: z.number(),
  maxEpochs: z.number(),
  patience: z.number(),
  bestEpoch: z.number(),
  seed: z.number(),
  trainingMinutes: z.number(),
  machine: trainingMachineSchema,
  history: z.array(epochRecordSchema),
});

export type TrainingRun = z.infer<typeof trainingRunSchema>;

/** A run on photo folders (pothole and road-damage models). */
export const photoTrainingRunSchema = trainingRunSchema.extend({
  inputSize: z.number(),
  stoppedEarly: z.boolean(),
  augment: augmentOptionsSchema,
  /** Box-aware crops of photos with boxes (absent: plain random crops for all). */
  boxCrops: boxCropsRecordSchema.optional(),
  data: z.array(dataSummarySchema),
  split: splitSummarySchema,
});

export const potholeTrainingSchema = photoTrainingRunSchema.extend({
  architecture: z.enum(['mobilenet', 'seed-cnn']),
  outputStride: z.number().optional(),
  /** Weight of the box loss, when used. */
  boxLoss: z.number().optional(),
  /** Other architectures measured on the same split (filled in by `train card --compare`). */
  comparison: z.array(comparisonRowSchema).optional(),
});
export type PotholeTraining = z.infer<typeof potholeTrainingSchema>;

export const mnistTrainingSchema = trainingRunSchema.extend({
  maxShift: z.number(),
  data: z.object({
    origin: z.string(),
    licence: z.string(),
    total: z.number(),
    train: z.number(),
    validation: z.number(),
    test: z.number(),
    /** How the digits were divided (reproducible from the seed). */
    rule: z.string(),
  }),
});
export type MnistTraining = z.infer<typeof mnistTrainingSchema>;
