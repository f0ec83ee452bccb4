/**
 * The survey record as it travels between the phone and the sync server: one zod schema shared
 * by the app (src/store, src/sync) and the server (server/), so both validate the same thing.
 * Binary parts travel separately: the photo as JPEG bytes (PUT .../photo), the CAM grid inline
 * as base64 of little-endian float32 values (small: a 7x7 to 16x16 grid).
 */
import { z } from './zod';

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

/** The highest revision a record may carry (a safe integer, far beyond any real edit count). */
const MAX_REVISION = 1_000_000_000;

/**
 * What the server stores and the phone uploads; everything the engineer can edit included.
 * `id`, `createdAt` and `photo` never change; the rest may be edited on the phone after upload,
 * and each edit raises `revision` so that the server can tell a newer version (`updated`) from a
 * replay (`unchanged`) or another version of the same revision (`conflict`). See docs/SYNC.md.
 */
export const surveyRecordSchema = z.object({
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
  /** Road-damage models only (optional: older clients and the pothole model send none). */
  damage: damageSchema.optional(),
  /** The drive run that made this survey (issue 13); absent for a photo taken by hand. */
  runId: surveyIdSchema.optional(),
  /** How the phone moved when a drive frame was taken (Geolocation speed and heading). */
  motion: motionSchema.optional(),
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
