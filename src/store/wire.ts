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
import type { SurveyRecord } from './survey-record';
import { verdictKeyOf } from './survey-record';

export function toWire(record: SurveyRecord): SurveyRecordWire {
  const wire: SurveyRecordWire = {
    id: record.id,
    revision: record.revision,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    position: record.position,
    verdict: record.verdict,
    cam: record.cam
      ? {
          method: record.cam.method,
          layer: record.cam.layer,
          width: record.cam.width,
          height: record.cam.height,
          data: encodeFloat32Base64(record.cam.data),
        }
      : null,
    model: record.model,
    notes: record.notes,
    severity: record.severity,
    photo: { ...record.photo },
    // Only when present: a record made by hand is byte-for-byte what it was before runs.
    ...(record.runId ? { runId: record.runId } : {}),
    ...(record.motion ? { motion: { ...record.motion } } : {}),
  };
  // Validate on the way out so a bad record fails here with a reason, not on the server.
  return surveyRecordSchema.parse(wire);
}

/** A record as the server sends it back, made local again (no thumbnail: the caller makes one
 * from the downloaded photo). */
export function fromWire(wire: SurveyRecordWire, thumbnail: Blob): SurveyRecord {
  const parsed = surveyRecordSchema.parse(wire);
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
    cam: parsed.cam
      ? {
          method: parsed.cam.method,
          layer: parsed.cam.layer,
          width: parsed.cam.width,
          height: parsed.cam.height,
          data: decodeFloat32Base64(parsed.cam.data),
        }
      : null,
    model: parsed.model,
    analysisError: null,
    notes: parsed.notes,
    severity: parsed.severity as SurveyRecord['severity'],
    photo: parsed.photo,
    ...(parsed.runId ? { runId: parsed.runId } : {}),
    ...(parsed.motion ? { motion: parsed.motion } : {}),
    thumbnail,
    sync: { state: 'synced', attempts: 0 },
  };
}
