import { describe, expect, it } from 'vitest';
import { surveyRecordSchema } from '../../src/schema/survey';
import { fromWire, toWire } from '../../src/store/wire';
import { makeRecord } from './make-record';

describe('toWire / fromWire', () => {
  it('gives a record the sync server accepts, with the CAM grid as base64 float32', () => {
    const record = makeRecord({ notes: 'near the drain', severity: 3 });
    const wire = toWire(record);
    expect(surveyRecordSchema.safeParse(wire).success).toBe(true);
    expect(wire.cam?.data).toBe(Buffer.from(record.cam!.data.buffer).toString('base64'));
    expect(wire).not.toHaveProperty('thumbnail');
    expect(wire).not.toHaveProperty('sync');
  });

  it('round-trips what the server stores', () => {
    const record = makeRecord({ notes: 'x', severity: 5 });
    const back = fromWire(toWire(record), record.thumbnail);
    expect(back.cam?.data).toEqual(record.cam?.data);
    expect(back.verdict).toEqual(record.verdict);
    expect(back.position).toEqual(record.position);
    expect(back.severity).toBe(5);
    expect(back.sync.state).toBe('synced');
  });

  it('sends a photo kept without analysis with null verdict, CAM and model', () => {
    const record = makeRecord({ verdict: null, verdictKey: 'unanalysed', cam: null, model: null });
    const wire = toWire(record);
    expect(wire.verdict).toBeNull();
    expect(wire.cam).toBeNull();
  });

  it('carries the verdicts of earlier models (re-analysis) both ways, and omits them when none', () => {
    const earlier = [
      {
        model: { id: 'roadcam-road-damage', version: '2.0.0' },
        verdict: { label: 'pothole' as const, potholeProbability: 0.9, lowConfidence: false },
        typesFound: ['pothole'],
        replacedAt: '2026-12-02T10:00:00.000Z',
      },
    ];
    const record = makeRecord({ revision: 2, earlierAnalyses: earlier });
    const wire = toWire(record);
    expect(wire.earlierAnalyses).toEqual(earlier);
    expect(fromWire(wire, record.thumbnail).earlierAnalyses).toEqual(earlier);
    expect(toWire(makeRecord())).not.toHaveProperty('earlierAnalyses');
  });

  it('refuses a record the server would refuse, saying which field', () => {
    const record = makeRecord({ id: 'not-a-uuid' });
    expect(() => toWire(record)).toThrow(/id/);
  });
});
