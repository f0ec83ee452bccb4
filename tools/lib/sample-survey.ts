/**
 * A valid survey record (the wire form) made from a number and its photo: the server tests and
 * `npm run bench:sync` upload the same kind of record. Same index, same content but the id.
 */
import { createHash, randomUUID } from 'node:crypto';
import { encodeFloat32Base64, type SurveyRecordWire } from '../../src/schema/survey';

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function makeRecord(
  index: number,
  photo: Buffer | { sha256: string; bytes: number },
  overrides: Partial<SurveyRecordWire> = {},
): SurveyRecordWire {
  const photoMeta = Buffer.isBuffer(photo) ? { sha256: sha256(photo), bytes: photo.length } : photo;
  const createdAt = new Date(Date.UTC(2026, 10, 20, 8, 0, 0) + index * 60_000).toISOString();
  const grid = new Float32Array(49).map((_, i) => ((i * 7 + index) % 49) / 48);
  return {
    id: randomUUID(),
    revision: 1,
    createdAt,
    updatedAt: createdAt,
    position: { lat: 48.85 + index * 1e-4, lon: 2.35 - index * 1e-4, accuracyM: 8, source: 'gps' },
    verdict: {
      label: index % 3 === 0 ? 'pothole' : 'normal',
      potholeProbability: (index % 100) / 100,
      lowConfidence: false,
    },
    cam: {
      method: 'gradcam',
      layer: 'conv_pw_13_relu',
      width: 7,
      height: 7,
      data: encodeFloat32Base64(grid),
    },
    model: { id: 'pothole-mobilenet', version: '1.0.0' },
    notes: `Survey ${index}`,
    severity: (index % 5) + 1,
    photo: { ...photoMeta, width: 64, height: 48, type: 'image/jpeg' },
    ...overrides,
  };
}
