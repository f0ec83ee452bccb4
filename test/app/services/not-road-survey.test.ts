/**
 * The survey flow with a road-damage model (IndexedDB via fake-indexeddb; the worker's answer
 * made here): a road photo is saved at once with every type's probability; a photo that is not
 * a road is held, unsaved, until kept anyway, and then stored as "not a road" with `kept`.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { SurveyService } from '../../../src/app/services/survey-service';
import type { AnalysisClient } from '../../../src/app/services/analysis-client';
import { surveyRecordSchema } from '../../../src/schema/survey';
import { SurveyRepository } from '../../../src/store';
import { toWire } from '../../../src/store/wire';
import type {
  DamageExplanation,
  Outcome,
  PhotoAnalysis,
  PhotoToKeep,
} from '../../../src/workers/protocol';
import { uniqueDbName } from '../../store/make-record';
import { keptPhoto, noPosition } from './worker-answers';

function analysed(outcome: DamageExplanation['outcome']): PhotoAnalysis {
  const notRoad = outcome === 'not-a-road';
  const cam = {
    method: 'gradcam',
    layer: 'conv_pw_13_relu',
    width: 2,
    height: 2,
    data: new Float32Array([0, 1, 0.5, 0.25]),
  };
  const types = [
    { name: 'pothole' as const, title: 'Pothole', probability: 0.9, state: 'found' as const },
    { name: 'crack' as const, title: 'Crack', probability: 0.2, state: 'not-found' as const },
  ];
  return {
    keepTicket: 1,
    display: null as unknown as ImageBitmap,
    exifPosition: { lat: 1, lon: 2, accuracyM: null, source: 'exif' },
    adjustments: [],
    quality: { brightness: 100, sharpness: 10, problems: [] },
    explanation: {
      verdict: {
        label: notRoad ? 'not-a-road' : 'pothole',
        potholeProbability: 0.9,
        lowConfidence: false,
      },
      probabilities: { pothole: 0.9, crack: 0.2 },
      cam,
      camEmpty: false,
      region: { x: 0, y: 0, width: 1, height: 1 },
      model: { id: 'roadcam-road-damage', version: '2.0.0' },
      heatmap: null,
      damage: {
        outcome,
        types,
        found: notRoad ? [] : ['pothole'],
        notSure: [],
        notRoad: { score: notRoad ? 900 : 100, threshold: 700 },
        heatmaps: types.map((t) => ({
          type: t.name,
          title: t.title,
          probability: t.probability,
          found: !notRoad && t.state === 'found',
          cam,
          camEmpty: false,
          heatmap: null,
        })),
      },
      timings: { inferenceMs: 1, renderMs: 1 },
    },
    analysisError: null,
    timings: { prepareMs: 1, stages: [] },
  };
}

const kept = keptPhoto(1600, 1200);

async function serviceAnswering(analysis: PhotoAnalysis) {
  const repo = await SurveyRepository.open({ name: uniqueDbName() });
  const client = {
    analysePhoto: async (): Promise<Outcome<PhotoAnalysis>> => ({ ok: true, value: analysis }),
    photoToKeep: async (): Promise<Outcome<PhotoToKeep>> => ({ ok: true, value: kept }),
  } as unknown as AnalysisClient;
  return { repo, service: new SurveyService(repo, client, noPosition) };
}

describe('surveys with a road-damage model', () => {
  it('saves a road photo at once with every type, the types found and the not-a-road score', async () => {
    const { repo, service } = await serviceAnswering(analysed('damage'));
    const outcome = await service.survey(new Blob([]), undefined);
    if (!outcome.ok) throw new Error(outcome.error.message);
    expect(outcome.held).toBe(false);
    const saved = await repo.get(outcome.draft.id);
    expect(saved?.damage).toMatchObject({
      outcome: 'damage',
      probabilities: { pothole: 0.9, crack: 0.2 },
      found: ['pothole'],
      notRoad: { score: 100, threshold: 700, kept: false },
    });
    expect(Object.keys(saved!.damage!.cams!)).toEqual(['pothole', 'crack']);
    expect(saved?.typesFound).toEqual(['pothole']);
    expect(surveyRecordSchema.safeParse(toWire(saved!)).success).toBe(true);
    repo.close();
  });

  it('holds a photo that is not a road until it is kept, then stores it as not a road', async () => {
    const { repo, service } = await serviceAnswering(analysed('not-a-road'));
    const outcome = await service.survey(new Blob([]), undefined);
    if (!outcome.ok) throw new Error(outcome.error.message);
    expect(outcome.held).toBe(true);
    expect(outcome.record).toBeNull();
    expect(await repo.count()).toBe(0);

    const kept = await service.keep(outcome.draft, outcome.kept.jpeg);
    expect(kept.saveError).toBeNull();
    const saved = await repo.get(outcome.draft.id);
    expect(saved?.verdict?.label).toBe('not-a-road');
    expect(saved?.verdictKey).toBe('not-a-road');
    expect(saved?.damage?.notRoad).toEqual({ score: 900, threshold: 700, kept: true });
    expect(saved?.typesFound).toEqual([]);
    expect(await repo.getPhoto(outcome.draft.id)).toBeDefined();
    expect(toWire(saved!).damage?.notRoad?.kept).toBe(true);
    repo.close();
  });
});
