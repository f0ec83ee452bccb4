import type { SurveyRecord } from '../../src/store';

let counter = 0;

/** A plausible survey as the app saves it; `overrides` change what a test is about. */
export function makeRecord(overrides: Partial<SurveyRecord> = {}): SurveyRecord {
  counter += 1;
  const created = new Date(Date.UTC(2026, 10, 1, 8, 0, counter)).toISOString();
  return {
    id: crypto.randomUUID(),
    revision: 1,
    createdAt: created,
    updatedAt: created,
    position: { lat: 51.5 + counter * 1e-4, lon: -0.12, accuracyM: 8, source: 'gps' },
    noPositionReason: null,
    verdict: { label: 'pothole', potholeProbability: 0.91, lowConfidence: false },
    verdictKey: 'pothole',
    probabilities: { normal: 0.09, pothole: 0.91 },
    cam: {
      method: 'gradcam',
      layer: 'conv3',
      width: 3,
      height: 2,
      data: new Float32Array([0, 0.25, 0.5, 0.75, 1, 0.125]),
    },
    model: { id: 'pothole-cnn', version: '1.0.0' },
    analysisError: null,
    notes: '',
    severity: null,
    photo: {
      sha256: 'a'.repeat(64),
      bytes: 1234,
      width: 1600,
      height: 1200,
      type: 'image/jpeg',
    },
    thumbnail: new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: 'image/jpeg' }),
    sync: { state: 'local', attempts: 0 },
    ...overrides,
  };
}

export function photoBlob(bytes = 1234): Blob {
  const data = new Uint8Array(bytes);
  data[0] = 0xff;
  data[1] = 0xd8;
  return new Blob([data], { type: 'image/jpeg' });
}

export function uniqueDbName(): string {
  return `roadcam-test-${crypto.randomUUID()}`;
}
