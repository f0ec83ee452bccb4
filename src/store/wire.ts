/**
 * Conversion between the phone's record and the wire form the sync server validates
 * (src/schema/survey.ts). Kept out of the app's start-up path: only the outbox needs it.
 */
import {
  decodeFloat32Base64,
  encodeFloat32Base64,
  surveyRecordSchema,
  type SurveyRecordWire,
} from '../schema/survey';
import type { CamGrid, SurveyDamage, SurveyRecord } from './survey-record';
import { typesFoundOf, verdictKeyOf } from './survey-record';

type WireCam = NonNullable<SurveyRecordWire['cam']>;
type WireDamage = NonNullable<SurveyRecordWire['damage']>;

function camToWire(cam: CamGrid): WireCam {
  return {
    method: cam.method,
    layer: cam.layer,
    width: cam.width,
    height: cam.height,
    data: encodeFloat32Base64(cam.data),
  };
}

function camFromWire(cam: WireCam): CamGrid {
  return {
    method: cam.method,
    layer: cam.layer,
    width: cam.width,
    height: cam.height,
    data: decodeFloat32Base64(cam.data),
  };
}

function mapValues<A, B>(o: Record<string, A>, f: (a: A) => B): Record<string, B> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}

function damageToWire({ cams, ...rest }: SurveyDamage): WireDamage {
  return { ...rest, ...(cams ? { cams: mapValues(cams, camToWire) } : {}) };
}

function damageFromWire({ cams, ...rest }: WireDamage): SurveyDamage {
  return { ...rest, ...(cams ? { cams: mapValues(cams, camFromWire) } : {}) };
}

export function toWire(record: SurveyRecord): SurveyRecordWire {
  const wire: SurveyRecordWire = {
    id: record.id,
    revision: record.revision,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    position: record.position,
    verdict: record.verdict,
    cam: record.cam ? camToWire(record.cam) : null,
    model: record.model,
    notes: record.notes,
    severity: record.severity,
    photo: { ...record.photo },
    // Only when present: a record without it stays byte-for-byte what older clients sent.
    ...(record.damage ? { damage: damageToWire(record.damage) } : {}),
    // Only when present: a record made by hand is byte-for-byte what it was before runs.
    ...(record.runId ? { runId: record.runId } : {}),
    ...(record.motion ? { motion: { ...record.motion } } : {}),
    // Only once the engineer answered (issue 11): an unanswered record is what it was before.
    ...(record.correction ? { correction: record.correction } : {}),
    ...(record.earlierAnalyses?.length
      ? { earlierAnalyses: record.earlierAnalyses.map((e) => ({ ...e })) }
      : {}),
  };
  // Validate on the way out so a bad record fails here with a reason, not on the server.
  return surveyRecordSchema.parse(wire);
}

/** A record as the server sends it back, made local again (no thumbnail: the caller makes one
 * from the downloaded photo). */
export function fromWire(wire: SurveyRecordWire, thumbnail: Blob): SurveyRecord {
  const parsed = surveyRecordSchema.parse(wire);
  const damage = parsed.damage ? damageFromWire(parsed.damage) : undefined;
  return {
    id: parsed.id,
    revision: parsed.revision,
    createdAt: parsed.createdAt,
    updatedAt: parsed.updatedAt,
    position: parsed.position,
    noPositionReason: parsed.position ? null : 'unavailable',
    verdict: parsed.verdict,
    verdictKey: verdictKeyOf(parsed.verdict),
    probabilities: null,
    cam: parsed.cam ? camFromWire(parsed.cam) : null,
    model: parsed.model,
    analysisError: null,
    notes: parsed.notes,
    severity: parsed.severity as SurveyRecord['severity'],
    photo: parsed.photo,
    ...(parsed.runId ? { runId: parsed.runId } : {}),
    ...(parsed.motion ? { motion: parsed.motion } : {}),
    ...(parsed.correction ? { correction: parsed.correction } : {}),
    ...(parsed.earlierAnalyses?.length ? { earlierAnalyses: parsed.earlierAnalyses } : {}),
    thumbnail,
    sync: { state: 'synced', attempts: 0 },
    ...(damage ? { damage, probabilities: damage.probabilities } : {}),
    typesFound: typesFoundOf(parsed.verdict, damage),
  };
}
