import { describe, expect, it } from 'vitest';
import { reanalyseStoredSurveys } from '../../../src/features/model-update/client/survey-reanalyser';
import {
  earlierAnalysesOf,
  surveysToReanalyse,
  tallyText,
} from '../../../src/features/model-update/shared/survey-reanalysis';
import { MAX_EARLIER_ANALYSES } from '../../../src/schema/survey';
import type { SurveyRecord } from '../../../src/store/survey-record';

function record(id: string, createdAt: string, version: string | null): SurveyRecord {
  return {
    id,
    revision: 1,
    createdAt,
    updatedAt: createdAt,
    position: null,
    noPositionReason: 'unavailable',
    verdict: version ? { label: 'pothole', potholeProbability: 0.9, lowConfidence: false } : null,
    verdictKey: version ? 'pothole' : 'unanalysed',
    probabilities: null,
    cam: null,
    model: version ? { id: 'roadcam-road-damage', version } : null,
    analysisError: version ? null : 'Not analysed.',
    notes: 'deep one',
    severity: 4,
    photo: { sha256: 'a'.repeat(64), bytes: 1, width: 1, height: 1, type: 'image/jpeg' },
    thumbnail: new Blob([]),
    sync: { state: 'synced', attempts: 0 },
    typesFound: version ? ['pothole'] : [],
  };
}

const NEW = { id: 'roadcam-road-damage', version: '2.1.0' };

describe('surveysToReanalyse', () => {
  it('takes every survey another model (or none) analysed, oldest first', () => {
    const todo = surveysToReanalyse(
      [
        record('c', '2026-12-03T00:00:00Z', '2.0.0'),
        record('b', '2026-12-02T00:00:00Z', '2.1.0'),
        record('a', '2026-12-01T00:00:00Z', null),
      ],
      NEW,
    );
    expect(todo.map((r) => r.id)).toEqual(['a', 'c']);
  });
});

describe('earlierAnalysesOf', () => {
  it('keeps the old verdict, its model and its types', () => {
    const at = new Date('2026-12-04T00:00:00Z');
    expect(earlierAnalysesOf(record('a', '2026-12-01T00:00:00Z', '2.0.0'), at)).toEqual([
      {
        model: { id: 'roadcam-road-damage', version: '2.0.0' },
        verdict: { label: 'pothole', potholeProbability: 0.9, lowConfidence: false },
        typesFound: ['pothole'],
        replacedAt: '2026-12-04T00:00:00.000Z',
      },
    ]);
  });

  it('adds nothing for a survey never analysed, and keeps at most the newest ten', () => {
    const never = record('a', '2026-12-01T00:00:00Z', null);
    expect(earlierAnalysesOf(never, new Date())).toEqual([]);
    let r = record('a', '2026-12-01T00:00:00Z', '1.0.0');
    for (let i = 0; i < 12; i++) {
      r = { ...r, earlierAnalyses: earlierAnalysesOf(r, new Date(Date.UTC(2026, 0, i + 1))) };
    }
    expect(r.earlierAnalyses).toHaveLength(MAX_EARLIER_ANALYSES);
    expect(r.earlierAnalyses?.at(-1)?.replacedAt).toBe('2026-01-12T00:00:00.000Z');
  });
});

describe('reanalyseStoredSurveys', () => {
  it('re-analyses each survey once, counts changed verdicts and failures, and syncs each edit', async () => {
    const surveys = [
      record('a', '2026-12-01T00:00:00Z', '2.0.0'),
      record('b', '2026-12-02T00:00:00Z', '2.0.0'),
      record('c', '2026-12-03T00:00:00Z', '2.0.0'),
      record('d', '2026-12-04T00:00:00Z', '2.1.0'),
    ];
    const enqueued: string[] = [];
    const seen: string[] = [];
    const progress: string[] = [];
    const tally = await reanalyseStoredSurveys(NEW, {
      list: async () => surveys,
      reanalyse: async (r) => {
        seen.push(r.id);
        if (r.id === 'c') return { message: 'The photo of this survey is missing.' };
        const label = r.id === 'a' ? 'normal' : 'pothole';
        return {
          ...r,
          revision: r.revision + 1,
          model: NEW,
          verdict: { label, potholeProbability: 0.2, lowConfidence: false },
          typesFound: label === 'normal' ? [] : ['pothole'],
        };
      },
      enqueue: async (id) => void enqueued.push(id),
      onProgress: (t, running) => progress.push(tallyText(t, running)),
    });
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(enqueued).toEqual(['a', 'b']);
    expect(tally).toEqual({ done: 3, total: 3, changed: 1, failed: 1 });
    expect(progress.at(-1)).toBe(
      '3 stored surveys analysed again, 1 with a new verdict, 1 could not be analysed. The ' +
        'earlier verdicts are kept with each survey.',
    );
  });
});
