/** What the review page shows of a queue item and what each key does (src/office/review-view.ts). */
import { describe, expect, it } from 'vitest';
import type { ReviewQueueItem } from '../../src/schema/review';
import {
  itemSummary,
  keyAction,
  labelsText,
  photoBoxes,
  REVIEW_LABELS,
  step,
} from '../../src/office/views/review-view';
import { makeRecord, photoMetaFor } from '../server/fixtures';

function item(overrides: Partial<ReviewQueueItem> = {}): ReviewQueueItem {
  const survey = makeRecord(1, photoMetaFor(1));
  return {
    id: survey.id,
    revision: 1,
    receivedAt: '2026-11-20T09:00:00.000Z',
    device: 'phone-1',
    photo: { present: true },
    survey,
    modelLabels: ['pothole'],
    engineerLabels: null,
    disagreement: false,
    review: null,
    status: 'not-reviewed',
    truth: null,
    ...overrides,
  };
}

describe('review view', () => {
  it('names labels as the engineer reads them', () => {
    expect(labelsText(['good_road'])).toBe('Good road');
    expect(labelsText(['pothole', 'alligator-crack'])).toBe('Pothole, Alligator crack');
    expect(labelsText([])).toBe('not analysed');
    expect(labelsText(null)).toBe('no answer');
  });

  it('summarises model, engineer and office, and says when a review is out of date', () => {
    expect(itemSummary(item())).toEqual({
      model: 'Pothole',
      engineer: 'no answer',
      office: 'not reviewed',
      status: 'Not reviewed',
    });
    const reviewed = item({
      status: 'stale',
      review: {
        surveyId: 'x',
        labels: ['patch'],
        boxes: [],
        accepted: false,
        reviewer: 'office-anna',
        reviewedAt: '2026-11-21T10:15:30.000Z',
        basedOnRevision: 1,
        version: 1,
        changedAt: '2026-11-21T10:15:30.000Z',
        surveyRevision: 2,
        stale: true,
      },
    });
    expect(itemSummary(reviewed).office).toBe('Patch (office-anna, 2026-11-21 10:15)');
    expect(itemSummary(reviewed).status).toMatch(/review it again/);
  });

  it('says how many boxes the engineer and the office marked, and places them on the photo', () => {
    const survey = makeRecord(1, photoMetaFor(1)); // a 64 x 48 photo
    const answered = item({
      survey: {
        ...survey,
        correction: {
          verdict: 'wrong',
          labels: ['pothole'],
          boxes: [{ type: 'pothole', box: [16, 12, 48, 36] }],
          at: '2026-11-20T09:05:00.000Z',
        },
      },
      engineerLabels: ['pothole'],
      status: 'reviewed',
      review: {
        surveyId: survey.id,
        labels: ['pothole'],
        boxes: [{ type: 'pothole', box: [0, 0, 32, 24] }],
        accepted: false,
        reviewer: 'office-anna',
        reviewedAt: '2026-11-21T10:15:30.000Z',
        basedOnRevision: 1,
        version: 1,
        changedAt: '2026-11-21T10:15:30.000Z',
        surveyRevision: 1,
        stale: false,
      },
    });
    expect(itemSummary(answered).engineer).toBe('Pothole (1 marked on the photo)');
    expect(itemSummary(answered).office).toBe(
      'Pothole (1 marked on the photo) (office-anna, 2026-11-21 10:15)',
    );
    expect(photoBoxes(answered)).toEqual([
      { who: 'engineer', type: 'pothole', left: 25, top: 25, width: 50, height: 50 },
      { who: 'office', type: 'pothole', left: 0, top: 0, width: 50, height: 50 },
    ]);
    expect(photoBoxes(item())).toEqual([]);
  });

  it('maps keys: j/k move, a accepts, 1-8 set a label, the rest does nothing', () => {
    expect(keyAction('j')).toEqual({ kind: 'next' });
    expect(keyAction('ArrowUp')).toEqual({ kind: 'previous' });
    expect(keyAction('a')).toEqual({ kind: 'accept' });
    expect(keyAction('1')).toEqual({ kind: 'label', label: 'good_road' });
    expect(keyAction('2')).toEqual({ kind: 'label', label: 'not_road' });
    expect(keyAction('3')).toEqual({ kind: 'label', label: 'pothole' });
    expect(REVIEW_LABELS).toHaveLength(8);
    expect(keyAction('9')).toEqual({ kind: 'none' });
    expect(keyAction('x')).toEqual({ kind: 'none' });
  });

  it('steps inside the list', () => {
    expect(step(0, -1, 3)).toBe(0);
    expect(step(2, 1, 3)).toBe(2);
    expect(step(1, 1, 3)).toBe(2);
    expect(step(0, 1, 0)).toBe(-1);
  });
});
