import { describe, expect, it } from 'vitest';
import { exportRowFromSurvey } from '../../src/geo/export-row';
import { parseRoadNetwork } from '../../src/geo/road-network';
import { RoadMatcher } from '../../src/geo/road-matcher';
import { surveyRecordSchema, type SurveyRecordWire } from '../../src/schema/survey';
import { collection, lineFeature, offset } from './helpers';

function record(overrides: Partial<SurveyRecordWire> = {}): SurveyRecordWire {
  return surveyRecordSchema.parse({
    id: '6b1f2e3d-4c5b-4a69-8877-665544332211',
    revision: 2,
    createdAt: '2026-11-30T08:15:00.000+03:00',
    updatedAt: '2026-11-30T09:00:00.000+03:00',
    position: { lat: -1.2921, lon: 36.8219, accuracyM: 7, source: 'gps' },
    verdict: { label: 'pothole', potholeProbability: 0.88, lowConfidence: false },
    cam: null,
    model: { id: 'pothole-cnn', version: '1.2.0' },
    notes: 'by the kerb',
    severity: 3,
    photo: { sha256: 'a'.repeat(64), bytes: 1000, width: 800, height: 600, type: 'image/jpeg' },
    ...overrides,
  });
}

describe("today's survey record as an export row", () => {
  const start = { lat: -1.2921, lon: 36.8219 };
  const end = offset(start.lat, start.lon, 0, 500);
  const matcher = new RoadMatcher(
    parseRoadNetwork(
      collection([
        lineFeature('A104', 'Mombasa Road', [
          [start.lon, start.lat - 0.001],
          [end.lon, end.lat],
        ]),
      ]),
    ),
  );

  it('maps a pothole verdict, the model, the photo link and the matched road', () => {
    const survey = record();
    const road = matcher.match(survey.position!);
    const row = exportRowFromSurvey(survey, { photoUrl: '/api/v1/surveys/x/photo', road });
    expect(row).toEqual({
      id: survey.id,
      time: '2026-11-30T08:15:00.000+03:00',
      lat: -1.2921,
      lon: 36.8219,
      accuracyM: 7,
      positionSource: 'gps',
      found: ['pothole'],
      probabilities: [{ type: 'pothole', probability: 0.88 }],
      notRoadScore: null,
      notRoadKept: null,
      lowConfidence: false,
      severity: 3,
      notes: 'by the kerb',
      model: 'pothole-cnn@1.2.0',
      road: {
        id: 'A104',
        name: 'Mombasa Road',
        chainageM: road!.chainageM,
        distanceM: road!.distanceM,
      },
      photoUrl: '/api/v1/surveys/x/photo',
    });
    expect(row.road!.chainageM).toBeGreaterThan(100);
  });

  it('maps "normal" to good road, keeping the pothole probability, and an unanalysed survey to nothing found', () => {
    const good = exportRowFromSurvey(
      record({ verdict: { label: 'normal', potholeProbability: 0.07, lowConfidence: true } }),
    );
    expect(good.found).toEqual(['good_road']);
    expect(good.probabilities).toEqual([{ type: 'pothole', probability: 0.07 }]);
    expect(good.lowConfidence).toBe(true);
    const pending = exportRowFromSurvey(record({ verdict: null, model: null, position: null }));
    expect(pending).toMatchObject({
      found: [],
      probabilities: [],
      lowConfidence: null,
      model: null,
      lat: null,
      lon: null,
      accuracyM: null,
      positionSource: null,
      road: null,
      photoUrl: null,
    });
  });
});

describe('a road-damage survey record as an export row', () => {
  const damage = (outcome: 'damage' | 'not-a-road' | 'good-road' | 'not-sure', found: string[]) =>
    record({
      verdict: {
        label: outcome === 'not-a-road' ? 'not-a-road' : found.length ? 'damage' : 'normal',
        potholeProbability: 0.1,
        lowConfidence: outcome === 'not-sure',
      },
      model: { id: 'roadcam-road-damage', version: '2.0.0' },
      damage: {
        outcome,
        probabilities: { pothole: 0.1, crack: 0.8, 'alligator-crack': 0.7 },
        found,
        notSure: [],
        notRoad: { score: outcome === 'not-a-road' ? 950 : 120, threshold: 700, kept: true },
      },
    });

  it('carries the types found, every probability and the not-a-road score', () => {
    const row = exportRowFromSurvey(damage('damage', ['crack']));
    expect(row.found).toEqual(['crack']);
    expect(row.probabilities).toEqual([
      { type: 'pothole', probability: 0.1 },
      { type: 'crack', probability: 0.8 },
      { type: 'alligator-crack', probability: 0.7 },
    ]);
    expect(row.notRoadScore).toBe(120);
    expect(row.model).toBe('roadcam-road-damage@2.0.0');
  });

  it('writes not_road, never good road, for a kept not-a-road survey; good_road when none found', () => {
    expect(exportRowFromSurvey(damage('not-a-road', [])).found).toEqual(['not_road']);
    expect(exportRowFromSurvey(damage('good-road', [])).found).toEqual(['good_road']);
    const unsure = exportRowFromSurvey(damage('not-sure', []));
    expect(unsure.found).toEqual([]);
    expect(unsure.lowConfidence).toBe(true);
  });
});
