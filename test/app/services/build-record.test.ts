import { describe, expect, it } from 'vitest';
import { surveyRecordSchema } from '../../../src/schema/survey';
import { buildRecord } from '../../../src/app/services/survey-service';
import { toWire } from '../../../src/store/wire';
import type { PhotoAnalysis } from '../../../src/workers/protocol';
import { keptPhoto } from './worker-answers';

const kept = keptPhoto(1600, 1200);

function analysis(explained: boolean): PhotoAnalysis {
  return {
    keepTicket: 1,
    display: null as unknown as ImageBitmap,
    exifPosition: null,
    adjustments: [],
    quality: null,
    explanation: explained
      ? {
          verdict: { label: 'pothole', potholeProbability: 0.8, lowConfidence: false },
          probabilities: { normal: 0.2, pothole: 0.8 },
          cam: {
            method: 'gradcam',
            layer: 'conv3',
            width: 2,
            height: 2,
            data: new Float32Array([0, 1, 0.5, 0.25]),
          },
          camEmpty: false,
          region: { x: 0, y: 0, width: 1, height: 1 },
          model: { id: 'pothole', version: '1.0.0' },
          heatmap: null,
          timings: { inferenceMs: 1, renderMs: 1 },
        }
      : null,
    analysisError: explained
      ? null
      : {
          source: 'model',
          code: 'model-unavailable',
          message: 'The road model could not be loaded.',
        },
    timings: { prepareMs: 1, stages: [] },
  };
}

describe('buildRecord', () => {
  it('makes a new survey the sync server accepts, with empty notes and severity', () => {
    const record = buildRecord(
      analysis(true),
      kept,
      { position: { lat: 1, lon: 2, accuracyM: 5, source: 'gps' } },
      new Date('2026-11-26T10:00:00Z'),
    );
    expect(surveyRecordSchema.safeParse(toWire(record)).success).toBe(true);
    expect(record).toMatchObject({
      notes: '',
      severity: null,
      verdictKey: 'pothole',
      sync: { state: 'local', attempts: 0 },
    });
    expect(record.createdAt).toBe('2026-11-26T10:00:00.000Z');
  });

  it('keeps a photo without analysis and without position, saying why', () => {
    const record = buildRecord(analysis(false), kept, { reason: 'denied' }, new Date());
    expect(record).toMatchObject({
      verdict: null,
      verdictKey: 'unanalysed',
      cam: null,
      position: null,
      noPositionReason: 'denied',
    });
    expect(record.analysisError).toMatch(/could not be loaded/);
    expect(surveyRecordSchema.safeParse(toWire(record)).success).toBe(true);
  });

  it('gives every survey its own lowercase UUID v4', () => {
    const ids = new Set(
      Array.from(
        { length: 50 },
        () => buildRecord(analysis(true), kept, { reason: 'timeout' }, new Date()).id,
      ),
    );
    expect(ids.size).toBe(50);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
