/**
 * The `metrics` records a manifest carries: the figures `npm run eval` measured on photos the
 * model never trained or validated on, with the command that gave them. Keys of the evaluation
 * report are spelled as `npm run eval -- --json` prints them.
 */
import { z } from '../schema/zod';

const figure = z.number().nullable();

/** Per damage type (multi-label models): how well it is found, and where its heatmap points. */
export const typeReportSchema = z.object({
  /** Photos whose labels say whether the type is there, and how many show it. */
  n: z.number(),
  positives: z.number(),
  auc: figure,
  /**
   * A 95% interval of `auc` resampling whole groups of look-alike photos (places), with how
   * many groups there were; null with fewer than two groups on either side. Absent before
   * 2026-12-03.
   */
  auc_interval: z
    .object({ low: z.number(), high: z.number(), groups: z.number(), positive_groups: z.number() })
    .nullable()
    .optional(),
  /** Recall at the threshold that keeps 90% of the photos without it below (on these photos). */
  recall_at_spec90: figure,
  /** Recall and specificity at the manifest's threshold for this type. */
  recall: figure,
  specificity: figure,
  pointing_game: figure,
  centre_pointing_game: figure,
  energy_in_box: figure,
  uniform_energy_in_box: figure,
  /** Photos of the type with boxes, that the four figures above average over. */
  boxed_photos: z.number(),
  /** Expected calibration error of this output (10 equal-width bins). */
  ece: figure,
  /**
   * The photos showing the type, by place (group of look-alike photos; named by its first such
   * photo), most photos first, places of several photos only, the five largest: how many the
   * threshold finds, their median probability. Absent before 2026-12-03.
   */
  places: z
    .array(
      z.object({
        first_photo: z.string(),
        photos: z.number(),
        found: z.number(),
        median_probability: z.number(),
      }),
    )
    .optional(),
});
export type TypeReport = z.infer<typeof typeReportSchema>;

export const evalReportSchema = z.object({
  n: z.number(),
  accuracy: figure,
  pothole_recall: figure,
  normal_specificity: figure,
  roc_auc: figure,
  /** Rows: true normal, true pothole; columns: predicted normal, predicted pothole. */
  confusion: z.tuple([z.tuple([z.number(), z.number()]), z.tuple([z.number(), z.number()])]),
  pointing_game: figure,
  pointing_game_tol15: figure,
  centre_pointing_game: figure,
  /** The centre baseline with the same 15 px tolerance. */
  centre_pointing_game_tol15: figure,
  energy_in_box: figure,
  centre_energy_in_box: figure,
  uniform_energy_in_box: figure,
  deletion_auc: figure,
  insertion_auc: figure,
  /** Pothole photos with boxes: what the box figures average over. */
  boxed_photos: z.number(),
  /** Boxed photos whose heatmap was empty (no positive evidence): scored as misses. */
  empty_maps: z.number(),
  /** Photos left out because the model trained or validated on them (or on a copy). */
  excluded_seen: z.number(),
  /** Photos left out as copies of a photo evaluated here (counted once). */
  excluded_duplicates: z.number(),
  /** Multi-label models: figures per damage type. */
  types: z.record(z.string(), typeReportSchema).optional(),
  /** Expected calibration error over every output and photo whose label is known. */
  ece: figure.optional(),
  /** Models with a not-a-road score: share of these (road) photos it rejects. */
  not_road_rate: figure.optional(),
});
export type EvalReport = z.infer<typeof evalReportSchema>;

export const foldersReportSchema = evalReportSchema.extend({
  /** The same figures for each data folder on its own. */
  by_folder: z.record(z.string(), evalReportSchema),
});
export type FoldersReport = z.infer<typeof foldersReportSchema>;

export const latencySchema = z.object({
  backend: z.string(),
  classifyMs: z.number(),
  gradcamMs: z.number(),
  runs: z.number(),
  /** The processor it was measured on (absent before 2026-12-03: the training machine). */
  cpuModel: z.string().optional(),
});
export type Latency = z.infer<typeof latencySchema>;

export const mistakeSchema = z.object({
  id: z.string(),
  label: z.enum(['normal', 'pothole']),
  potholeProbability: z.number(),
});

export const potholeMetricsSchema = z.object({
  evaluatedOn: z.string(),
  command: z.string(),
  report: foldersReportSchema,
  latency: latencySchema,
  /** Held-out photos with a wrong verdict. */
  mistakes: z.array(mistakeSchema),
});
export type PotholeMetrics = z.infer<typeof potholeMetricsSchema>;

export const mnistMetricsSchema = z.object({
  evaluatedOn: z.string(),
  n: z.number(),
  accuracy: z.number(),
  perDigit: z.array(z.number()),
  confusion: z.array(z.array(z.number())),
});
export type MnistMetrics = z.infer<typeof mnistMetricsSchema>;

/** One step of `eval --quality`: held-out photos darkened or blurred, and what it did. */
export const qualityStepSchema = z.object({
  kind: z.enum(['exposure', 'blur']),
  /** Exposure factor, or blur sigma in pixels of the stored photo (at most 256 px). */
  level: z.number(),
  auc: z.record(z.string(), z.number().nullable()),
  meanBrightness: z.number(),
  meanSharpness: z.number(),
  /** Share of the photos the quality check calls too dark, too blurred. */
  flaggedDark: z.number(),
  flaggedBlurred: z.number(),
});
export type QualityStep = z.infer<typeof qualityStepSchema>;

/** How one threshold was chosen (tools/eval/quality-choice.ts): the last step at which the
 * model was fine, the first at which it was worse, and the shares of each flagged. */
const qualityStepRefSchema = z.object({ kind: z.enum(['exposure', 'blur']), level: z.number() });
const qualitySideChoiceSchema = z.object({
  threshold: z.number(),
  /** null: no step made the model worse; the app's default stayed. The fine step may be the
   * photos as taken (exposure x 1). */
  fine: qualityStepRefSchema.nullable(),
  worse: qualityStepRefSchema.nullable(),
  flaggedFine: z.number().nullable(),
  flaggedWorse: z.number().nullable(),
});

/** `eval --quality --choose`: the thresholds chosen on the validation photos. */
export const qualityChoiceSchema = z.object({
  command: z.string(),
  photos: z.number(),
  /** A step is worse when an AUC falls more than this below the photos as taken. */
  maxAucDrop: z.number(),
  dark: qualitySideChoiceSchema,
  blur: qualitySideChoiceSchema,
  steps: z.array(qualityStepSchema),
});
export type QualityChoiceRecord = z.infer<typeof qualityChoiceSchema>;

export const qualityRecordSchema = z.object({
  command: z.string(),
  photos: z.number(),
  thresholds: z.object({ minBrightness: z.number(), minSharpness: z.number() }),
  steps: z.array(qualityStepSchema),
  /** Present when the thresholds were chosen on validation photos (else they were given). */
  chosen: qualityChoiceSchema.optional(),
});
export type QualityRecord = z.infer<typeof qualityRecordSchema>;
