/**
 * The survey record as it travels between the phone and the sync server: one zod schema shared
 * by the app (src/store, src/sync) and the server (server/), so both validate the same thing.
 * Binary parts travel separately: the photo as JPEG bytes (PUT .../photo), the CAM grid inline
 * as base64 of little-endian float32 values (small: a 7x7 to 16x16 grid).
 */
import { labelSetProblems, MAX_BOXES, MAX_EARLIER_ANALYSES, MAX_LABELS } from './survey-rules';
import { z } from './zod';

// The rules without zod live apart, for the phone's first page; read here too.
export * from './survey-rules';

/**
 * 'pothole' and 'normal' (good road) since the first model; a road-damage model adds 'damage'
 * (a type other than pothole found) and 'not-a-road' (kept by the engineer although the photo
 * does not look like a road surface: never counted as good road).
 */
export const LABELS = ['pothole', 'normal', 'damage', 'not-a-road'] as const;
export type Verdict = (typeof LABELS)[number];

/**
 * UUID v4 as made by crypto.randomUUID() (lowercase): never a path, never anything else. Lowercase
 * only, because the server names photo files by id and some file systems ignore case.
 */
export const surveyIdSchema = z
  .uuid({ version: 'v4' })
  .regex(/^[0-9a-f-]+$/, 'Survey ids are lowercase (as crypto.randomUUID() makes them)');

const positionSchema = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  /** Radius of 68% confidence in metres, as the Geolocation API reports it; null from EXIF. */
  accuracyM: z.number().nonnegative().nullable(),
  source: z.enum(['gps', 'exif']),
});
export type Position = z.infer<typeof positionSchema>;

const verdictSchema = z.object({
  label: z.enum(LABELS),
  /** Probability of the pothole class, 0..1. */
  potholeProbability: z.number().min(0).max(1),
  /** True when the model was not sure (probability near 0.5); shown as such, never hidden. */
  lowConfidence: z.boolean(),
});
export type SurveyVerdict = z.infer<typeof verdictSchema>;

/** Padded base64 (as btoa writes it) of exactly `bytes` bytes. */
function isBase64OfLength(text: string, bytes: number): boolean {
  const padding = (3 - (bytes % 3)) % 3;
  return (
    text.length === Math.ceil(bytes / 3) * 4 &&
    /^[A-Za-z0-9+/]*={0,2}$/.test(text) &&
    text.length - text.replace(/=+$/, '').length === padding
  );
}

const camGridSchema = z
  .object({
    method: z.string().min(1).max(40),
    layer: z.string().min(1).max(200),
    width: z.number().int().min(1).max(64),
    height: z.number().int().min(1).max(64),
    /** base64 of width*height little-endian float32 values, normalised to 0..1. */
    data: z.string().max(64 * 64 * 8),
  })
  .refine((cam) => isBase64OfLength(cam.data, cam.width * cam.height * 4), {
    path: ['data'],
    message: 'Not base64 of width x height float32 values (4 bytes each)',
  });

/** A damage type's name as a road-damage model's manifest gives it ("pothole", "crack"...). */
const damageTypeNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'A damage type is a lower-case name such as "crack"');
const MAX_DAMAGE_TYPES = 20;
const fewTypes = (o: object) => Object.keys(o).length <= MAX_DAMAGE_TYPES;

/**
 * What a road-damage model said (absent for surveys made with the pothole model, and from
 * clients before issue 10). Every type's calibrated probability, the types found (each at its
 * own threshold), those in their not-sure band, and the not-a-road score with its threshold and
 * whether the engineer kept the photo although it did not look like a road.
 */
const damageSchema = z.object({
  outcome: z.enum(['damage', 'not-sure', 'good-road', 'not-a-road']),
  probabilities: z
    .record(damageTypeNameSchema, z.number().min(0).max(1))
    .refine(fewTypes, `At most ${MAX_DAMAGE_TYPES} damage types`),
  found: z.array(damageTypeNameSchema).max(MAX_DAMAGE_TYPES),
  notSure: z.array(damageTypeNameSchema).max(MAX_DAMAGE_TYPES),
  notRoad: z
    .object({
      score: z.number().nonnegative(),
      threshold: z.number().positive(),
      /** True when the photo did not look like a road and the engineer kept it anyway. */
      kept: z.boolean(),
    })
    .nullable(),
  /** Grad-CAM of each type shown (found ones first), the same form as `cam`. */
  cams: z
    .record(damageTypeNameSchema, camGridSchema)
    .refine(fewTypes, `At most ${MAX_DAMAGE_TYPES} heatmaps`)
    .optional(),
});
export type SurveyDamageWire = z.infer<typeof damageSchema>;

const modelRefSchema = z.object({
  id: z.string().min(1).max(100),
  version: z.string().min(1).max(40),
});

/** A verdict a survey had before it was analysed again with a newer model. */
const earlierAnalysisSchema = z.object({
  model: modelRefSchema.nullable(),
  verdict: verdictSchema.nullable(),
  /** The damage types that model found (empty: none, or a pothole-era good road). */
  typesFound: z.array(z.string().min(1).max(60)).max(40),
  /** When the newer model's verdict replaced it. */
  replacedAt: z.iso.datetime({ offset: true }),
});
export type EarlierAnalysis = z.infer<typeof earlierAnalysisSchema>;

/** The largest photo the server accepts (PUT .../photo answers 413 beyond). */
export const MAX_PHOTO_BYTES = 15 * 1024 * 1024;

const photoMetaSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive().max(MAX_PHOTO_BYTES),
  width: z.number().int().positive().max(1600),
  height: z.number().int().positive().max(1600),
  type: z.literal('image/jpeg'),
});

const motionSchema = z.object({
  /** m/s, as the Geolocation API reports it; null when it gave none. */
  speedMps: z.number().nonnegative().max(200).nullable(),
  /** Degrees clockwise from true north; null when standing or not given. */
  headingDeg: z.number().min(0).max(360).nullable(),
});
export type Motion = z.infer<typeof motionSchema>;

/**
 * What the office and the training tools call a photo's content: a damage type of the model's
 * manifest (`pothole`, `crack`, `longitudinal-crack`...), or `good_road`, or `not_road`. The list
 * of types belongs to the model, not to this schema: a name is checked by its shape only, so a
 * model with a new type needs no schema change.
 */
export const labelNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]{0,39}$/,
    'A label is a short lowercase name such as "pothole", "crack" or "good_road"',
  );

/** A damage's place in the photo, [xmin, ymin, xmax, ymax] in the photo's own pixels. */
export const damageBoxSchema = z.object({
  type: labelNameSchema,
  box: z
    .tuple([z.number().min(0), z.number().min(0), z.number().min(0), z.number().min(0)])
    .refine(([x0, y0, x1, y1]) => x1 > x0 && y1 > y0, {
      message: 'A box is [xmin, ymin, xmax, ymax] with xmax > xmin and ymax > ymin',
    }),
});
export type DamageBox = z.infer<typeof damageBoxSchema>;

/**
 * The field engineer's answer to the model's verdict, made on the phone: `right`, or `wrong` with
 * what the photo shows. `labels` lists the types present (for `right`, the model's own, or empty
 * for "as the model says"); `boxes` place damages the model missed or put in the wrong place.
 * Part of the record: setting or changing it raises `revision` like any edit. Optional, so old
 * records and old clients stay valid (and an old record's canonical JSON is unchanged).
 */
export const correctionSchema = z
  .object({
    verdict: z.enum(['right', 'wrong']),
    labels: z.array(labelNameSchema).max(MAX_LABELS),
    boxes: z.array(damageBoxSchema).max(MAX_BOXES),
    /** When the engineer answered. */
    at: z.iso.datetime({ offset: true }),
  })
  .superRefine((correction, context) => {
    if (correction.verdict === 'wrong' && correction.labels.length === 0) {
      context.addIssue({
        code: 'custom',
        path: ['labels'],
        message: 'A "wrong" answer says what the photo shows: at least one label',
      });
    }
    for (const problem of labelSetProblems(correction.labels, correction.boxes)) {
      context.addIssue({ code: 'custom', ...problem });
    }
  });
export type SurveyCorrection = z.infer<typeof correctionSchema>;

/** The highest revision a record may carry (a safe integer, far beyond any real edit count). */
export const MAX_REVISION = 1_000_000_000;

/**
 * What the server stores and the phone uploads; everything the engineer can edit included.
 * `id`, `createdAt` and `photo` never change; the rest may be edited on the phone after upload,
 * and each edit raises `revision` so that the server can tell a newer version (`updated`) from a
 * replay (`unchanged`) or another version of the same revision (`conflict`). See docs/SYNC.md.
 */
export const surveyRecordSchema = z
  .object({
    id: surveyIdSchema,
    /** 1 when made, +1 at each edit on the phone. Absent (clients before revisions): 1. */
    revision: z.number().int().min(1).max(MAX_REVISION).default(1),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
    position: positionSchema.nullable(),
    /** Null while the photo waits to be analysed (model missing or failed to load). */
    verdict: verdictSchema.nullable(),
    cam: camGridSchema.nullable(),
    model: modelRefSchema.nullable(),
    notes: z.string().max(5000),
    severity: z.number().int().min(1).max(5).nullable(),
    photo: photoMetaSchema,
    /** The engineer's Right / Wrong and boxes (issue 11); absent until the engineer answers. */
    correction: correctionSchema.optional(),
    /** Road-damage models only (optional: older clients and the pothole model send none). */
    damage: damageSchema.optional(),
    /** The drive run that made this survey (issue 13); absent for a photo taken by hand. */
    runId: surveyIdSchema.optional(),
    /** How the phone moved when a drive frame was taken (Geolocation speed and heading). */
    motion: motionSchema.optional(),
    /** What earlier models said, before the survey was analysed again with a newer one (model
     * roll-out, issue 11), oldest first; absent when it never was. */
    earlierAnalyses: z.array(earlierAnalysisSchema).max(MAX_EARLIER_ANALYSES).optional(),
  })
  .superRefine((record, context) => {
    // Boxes are in the photo's own pixels: none may reach outside it.
    record.correction?.boxes.forEach((b, i) => {
      if (b.box[2] > record.photo.width || b.box[3] > record.photo.height) {
        context.addIssue({
          code: 'custom',
          path: ['correction', 'boxes', i, 'box'],
          message: `The box reaches outside the ${record.photo.width} x ${record.photo.height} photo`,
        });
      }
    });
  });
export type SurveyRecordWire = z.infer<typeof surveyRecordSchema>;

/** The fields a later revision may not change: the same survey is the same photo, taken once. */
export const IMMUTABLE_SURVEY_FIELDS = ['id', 'createdAt', 'photo'] as const;

export const MAX_SURVEYS_PER_BATCH = 100;

/**
 * `created`: stored now. `unchanged`: the same content is stored (a replay). `updated`: a higher
 * revision of a stored survey replaced it. `conflict`: the server keeps another version (same or
 * lower revision with other content, or a changed immutable field). `invalid`: fails the schema.
 */
export type SurveyUploadStatus = 'created' | 'unchanged' | 'updated' | 'conflict' | 'invalid';

export interface SurveyUploadResult {
  /** The record's id as sent (null when it had no string id); results[i] answers surveys[i]. */
  id: string | null;
  status: SurveyUploadStatus;
  /** Why a record was rejected (status 'invalid') or not stored (status 'conflict'). */
  reason?: string;
  /** With 'conflict': the revision the server keeps. */
  serverRevision?: number;
}

// ---- Sync API wire types (server/ answers these; src/sync reads them). See docs/SYNC.md. ----

/** 200 answer of POST /api/v1/surveys. */
export interface SurveyBatchResponse {
  results: SurveyUploadResult[];
}

/** What the server holds for one survey: an item of GET /api/v1/surveys. */
export interface SurveyServerState {
  id: string;
  /** The revision the server holds (the highest it accepted). */
  revision: number;
  createdAt: string;
  updatedAt: string;
  /** Server clock, ISO 8601 UTC: when the record was first stored. */
  receivedAt: string;
  /** Server clock: the last change (record stored or updated, photo stored); `since` filters on it. */
  changedAt: string;
  /** SHA-256 (hex) of the record's canonical JSON (keys sorted at every depth, no spaces). */
  contentSha256: string;
  photo: {
    /** The record's photo.sha256; when present is true the stored bytes have this hash. */
    sha256: string;
    bytes: number;
    present: boolean;
    storedAt: string | null;
  };
}

/** 200 answer of GET /api/v1/surveys. */
export interface SurveyListResponse {
  surveys: SurveyServerState[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
  /** Server clock when the page was read: a safe `since` for the next incremental pull. */
  serverTime: string;
}

/** 200 answer of GET /api/v1/surveys/:id. */
export interface SurveyDetailResponse extends SurveyServerState {
  survey: SurveyRecordWire;
}

/** Surveys per POST /api/v1/surveys/check: 1000 ids and revisions are about 60 kB of JSON. */
export const MAX_SURVEYS_PER_CHECK = 1000;

/** One item of POST /api/v1/surveys/check: a survey the phone holds as synced, at its revision. */
export const surveyCheckItemSchema = z.object({
  id: surveyIdSchema,
  revision: z.number().int().min(1).max(MAX_REVISION),
});
export type SurveyCheckItem = z.infer<typeof surveyCheckItemSchema>;

/** What the server holds of one asked survey or run; results[i] answers the i-th item asked. */
export interface RecordCheckResult {
  id: string;
  /** The server holds this record at the asked revision or a higher one. */
  held: boolean;
  /** The revision the server holds; null when it has no such record. */
  serverRevision: number | null;
}

/** What the server holds of one asked survey; results[i] answers surveys[i]. */
export interface SurveyCheckResult extends RecordCheckResult {
  /** The survey's photo is stored on the server (false when the survey is not). */
  photoPresent: boolean;
}

/** 200 answer of POST /api/v1/surveys/check. */
export interface SurveyCheckResponse {
  results: SurveyCheckResult[];
}

/** 201/200 answer of PUT /api/v1/surveys/:id/photo. */
export interface PhotoUploadResponse {
  id: string;
  status: 'created' | 'unchanged';
  sha256: string;
  bytes: number;
}

/** Every error answer of the sync API. `error` is a stable code, `message` is for people. */
export interface SyncApiErrorBody {
  error: string;
  message: string;
}

export function encodeFloat32Base64(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function decodeFloat32Base64(text: string): Float32Array {
  const binary = atob(text);
  const view = new DataView(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) view.setUint8(i, binary.charCodeAt(i));
  const out = new Float32Array(binary.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
