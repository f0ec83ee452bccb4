import { describe, expect, it } from 'vitest';
import { detailView } from '../../../src/app/views/detail-view';
import { listItem } from '../../../src/app/views/list-item';
import { makeRecord } from '../../store/make-record';

describe('listItem', () => {
  it('shows the probability of the verdict it says, and the sync state', () => {
    const good = makeRecord({
      verdict: { label: 'normal', potholeProbability: 0.2, lowConfidence: true },
      verdictKey: 'normal',
      severity: 3,
      notes: 'kerb',
      sync: { state: 'queued', attempts: 0 },
    });
    expect(listItem(good, 'blob:x', undefined)).toEqual({
      id: good.id,
      createdAt: good.createdAt,
      verdictKey: 'normal',
      probability: 0.8,
      lowConfidence: true,
      syncState: 'queued',
      syncProblem: undefined,
      severity: 3,
      hasPosition: true,
      notes: 'kerb',
      thumbnailUrl: 'blob:x',
    });
  });

  it('names why a failed survey did not sync, and shows an unanalysed one without a number', () => {
    const failed = makeRecord({
      verdict: null,
      verdictKey: 'unanalysed',
      position: null,
      noPositionReason: 'denied',
      sync: { state: 'failed', attempts: 1, reason: 'Conflict…' },
    });
    const item = listItem(failed, 'blob:y', { code: 'conflict', message: 'Conflict…' });
    expect(item).toMatchObject({
      probability: null,
      lowConfidence: false,
      hasPosition: false,
      syncState: 'failed',
      syncProblem: 'conflict with the server',
    });
  });
});

describe('detailView', () => {
  it('says where and with which model, and keeps notes being typed over the saved ones', () => {
    const record = makeRecord({
      position: { lat: 51.5, lon: -0.12, accuracyM: 7.6, source: 'gps' },
      notes: 'saved',
    });
    const view = detailView(record, null, 'typed, not saved yet');
    expect(view.positionText).toBe('51.500000, -0.120000 (±8 m, GPS)');
    expect(view.modelText).toBe('pothole-cnn 1.0.0');
    expect(view.notes).toBe('typed, not saved yet');
    expect(detailView(record, null, null).notes).toBe('saved');
  });

  it('shows a conflict only while the survey failed to sync', () => {
    const conflict = { message: 'Conflict', server: null, replacing: false };
    const failed = makeRecord({ sync: { state: 'failed', attempts: 1, reason: 'Conflict' } });
    expect(detailView(failed, conflict, null).conflict).toBe(conflict);
    const synced = makeRecord({ sync: { state: 'synced', attempts: 1 } });
    expect(detailView(synced, conflict, null).conflict).toBeNull();
  });

  it('says when a survey was not analysed and has a position from the photo only', () => {
    const record = makeRecord({
      model: null,
      verdict: null,
      position: { lat: 1, lon: 2, accuracyM: null, source: 'exif' },
    });
    const view = detailView(record, null, null);
    expect(view.modelText).toBe('none (not analysed yet)');
    expect(view.positionText).toBe('1.000000, 2.000000 (from the photo)');
    expect(view.earlierAnalyses).toEqual([]);
  });

  it('lists what earlier models said, newest first', () => {
    const verdict = (label: 'pothole' | 'normal' | 'not-a-road') => ({
      label,
      potholeProbability: 0.5,
      lowConfidence: false,
    });
    const record = makeRecord({
      model: { id: 'roadcam-road-damage', version: '3.1.0' },
      earlierAnalyses: [
        {
          model: { id: 'pothole-cnn', version: '1.0.0' },
          verdict: verdict('pothole'),
          typesFound: [],
          replacedAt: '2026-11-20T08:00:00.000Z',
        },
        {
          model: { id: 'roadcam-road-damage', version: '2.2.0' },
          verdict: verdict('pothole'),
          typesFound: ['pothole', 'alligator-crack'],
          replacedAt: '2026-12-01T08:00:00.000Z',
        },
        {
          model: null,
          verdict: verdict('normal'),
          typesFound: [],
          replacedAt: '2026-12-02T08:00:00.000Z',
        },
      ],
    });
    expect(detailView(record, null, null).earlierAnalyses).toEqual([
      'An earlier model: Good road (until 2026-12-02)',
      'roadcam-road-damage 2.2.0: Pothole, Alligator crack (until 2026-12-01)',
      'pothole-cnn 1.0.0: Pothole (until 2026-11-20)',
    ]);
  });
});

describe('the engineer’s answer in the list and the detail view', () => {
  it('says "corrected" in the list and the answer in the detail view', () => {
    const wrong = makeRecord({
      correction: {
        verdict: 'wrong',
        labels: ['crack'],
        boxes: [{ type: 'crack', box: [1, 2, 30, 40] }],
        at: '2026-12-02T10:00:00.000Z',
      },
    });
    expect(listItem(wrong, 'blob:x', undefined).answer).toBe('corrected (Wrong)');
    expect(detailView(wrong, null, null).answerText).toBe('Wrong: Crack (1 marked on the photo)');
    const none = makeRecord();
    expect(listItem(none, 'blob:x', undefined)).not.toHaveProperty('answer');
    expect(detailView(none, null, null).answerText).toBeNull();
  });
});
