/**
 * The survey record as the phone keeps it in IndexedDB. It holds more than the wire form
 * (src/schema/survey.ts): the CAM grid as a Float32Array, the thumbnail Blob, the class
 * probabilities, why a photo has no verdict or no position, and the sync state the outbox
 * drives. The full-size photo lives in its own object store (see schema.ts).
 */
import type {
  EarlierAnalysis,
  Motion,
  Position,
  SurveyCorrection,
  SurveyDamageWire,
  SurveyVerdict,
  Verdict,
} from '../schema/survey';

export type SyncState = 'local' | 'queued' | 'uploading' | 'synced' | 'failed';

export interface SyncStatus {
  state: SyncState;
  /** Why the last attempt failed (shown to the engineer), or the conflict found. */
  reason?: string;
  attempts: number;
  /** ISO time of the last upload attempt. */
  lastAttempt?: string;
}

/** 'unanalysed' when the photo was kept without a verdict (model missing or failed). */
export type VerdictKey = Verdict | 'unanalysed';

export interface CamGrid {
  method: string;
  layer: string;
  width: number;
  height: number;
  /** Row-major, normalised to 0..1; rendered as a heatmap on demand. */
  data: Float32Array;
  /** The part of the photo the model saw, as fractions (absent: the whole photo). Local only:
   * the wire form has no field for it. */
  region?: { x: number; y: number; width: number; height: number };
}

export interface PhotoMeta {
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  type: 'image/jpeg';
}

/** What a road-damage model said, as the wire carries it but with the CAM grids as arrays. */
export interface SurveyDamage extends Omit<SurveyDamageWire, 'cams'> {
  cams?: Record<string, CamGrid>;
}

/** Why a record has no position: the engineer sees this instead of a silent gap. */
export type NoPositionReason = 'denied' | 'unavailable' | 'timeout' | 'unsupported';

export interface SurveyRecord {
  /** crypto.randomUUID(): made on the phone so that a replayed upload is recognised. */
  id: string;
  /** 1 when made, +1 at each edit (notes, severity, a new analysis): the server takes a higher
   * revision of a survey it holds as an update, not a conflict. */
  revision: number;
  createdAt: string;
  updatedAt: string;
  position: Position | null;
  noPositionReason: NoPositionReason | null;
  verdict: SurveyVerdict | null;
  /** Denormalised from `verdict` for the list filter index (IndexedDB cannot index null). */
  verdictKey: VerdictKey;
  /** The model's class probabilities by label, as it reported them. */
  probabilities: Record<string, number> | null;
  cam: CamGrid | null;
  model: { id: string; version: string } | null;
  /** Why the photo was not analysed (model failed to load...), when verdict is null. */
  analysisError: string | null;
  notes: string;
  severity: 1 | 2 | 3 | 4 | 5 | null;
  photo: PhotoMeta;
  /** Small JPEG for the list; the full photo is in the `photos` store. */
  thumbnail: Blob;
  sync: SyncStatus;
  /** Road-damage models only: every type's probability, types found, not-a-road, heatmaps. */
  damage?: SurveyDamage;
  /**
   * Denormalised for the list's type filter (a multi-entry index): the damage types found, from
   * `damage.found`, or ['pothole'] for a pothole model's pothole verdict. Absent: none.
   */
  typesFound?: string[];
  /** The drive run that made it (absent: taken by hand). */
  runId?: string;
  /** Speed and heading when a drive frame was taken. */
  motion?: Motion;
  /** What earlier models said, before a newer model analysed the photo again (oldest first;
   * uploaded with the record, so the server keeps them too). */
  earlierAnalyses?: EarlierAnalysis[];
  /**
   * The engineer's Right / Wrong and boxes (issue 11), as the wire carries it. Part of the
   * record: setting it is an edit (a new revision, uploaded). Absent until answered; records
   * written before it existed need no migration.
   */
  correction?: SurveyCorrection;
  /**
   * The office's correction of this survey, pulled from the sync server (issue 11). Beside the
   * record, never part of it: it is not uploaded, and setting it changes neither the revision
   * nor the sync state. Absent until the office reviews the survey; records written before it
   * existed need no migration.
   */
  officeReview?: OfficeReviewNote;
}

export interface OfficeReviewNote {
  /** good_road, not_road or damage types (src/model/damage-types.ts). */
  labels: string[];
  boxes: { type: string; box: [number, number, number, number] }[];
  reviewer: string;
  reviewedAt: string;
  /** The review's version on the server: a lower one never replaces a higher. */
  version: number;
  /** The server's change clock, for the next pull. */
  changedAt: string;
  /** The survey revision the office looked at. */
  basedOnRevision: number;
}

export type Severity = NonNullable<SurveyRecord['severity']>;

export function verdictKeyOf(verdict: SurveyVerdict | null): VerdictKey {
  return verdict ? verdict.label : 'unanalysed';
}

/** The types a record was found to show, for the type filter's index. */
export function typesFoundOf(
  verdict: SurveyVerdict | null,
  damage: Pick<SurveyDamage, 'found'> | null | undefined,
): string[] {
  if (damage) return [...damage.found];
  return verdict?.label === 'pothole' ? ['pothole'] : [];
}
