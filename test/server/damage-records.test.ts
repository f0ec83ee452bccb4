/**
 * Issue 10's record on the real server (SQLite): a survey without `damage` (older clients, the
 * pothole model) and one with it (every type's probability, the types found, not-a-road) are
 * both accepted and returned as sent, a bad `damage` fails alone with a reason, and the CSV and
 * GeoJSON exports carry the types found, each type's probability and the not-a-road answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  SurveyBatchResponse,
  SurveyDetailResponse,
  SurveyRecordWire,
} from '../../src/schema/survey';
import { encodeFloat32Base64 } from '../../src/schema/survey';
import { ServerProcess } from '../../tools/lib/server-process';
import { apiClient, makeRecord, photoMetaFor } from './fixtures';

let server: ServerProcess;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  server = await ServerProcess.start();
  api = apiClient(server.url, await server.createToken('phone-damage'));
});

afterAll(async () => {
  await server?.dispose();
});

const cam = {
  method: 'gradcam',
  layer: 'conv_pw_13_relu',
  width: 2,
  height: 2,
  data: encodeFloat32Base64(new Float32Array([0, 0.5, 1, 0.25])),
};

function damaged(index: number, damage: NonNullable<SurveyRecordWire['damage']>): SurveyRecordWire {
  const label =
    damage.outcome === 'not-a-road'
      ? 'not-a-road'
      : damage.found.includes('pothole')
        ? 'pothole'
        : damage.found.length
          ? 'damage'
          : 'normal';
  return makeRecord(index, photoMetaFor(index), {
    verdict: {
      label,
      potholeProbability: damage.probabilities.pothole ?? 0,
      lowConfidence: false,
    },
    model: { id: 'roadcam-road-damage', version: '2.0.0' },
    notes: `damage survey ${index}`,
    damage,
  });
}

const probabilities = { pothole: 0.83, crack: 0.71, patch: 0.04, 'longitudinal-crack': 0.66 };
const potholeAndCrack = () =>
  damaged(1, {
    outcome: 'damage',
    probabilities,
    found: ['pothole', 'crack'],
    notSure: [],
    notRoad: { score: 212.5, threshold: 782, kept: false },
    cams: { pothole: cam, crack: cam, patch: cam },
  });
const keptCat = () =>
  damaged(2, {
    outcome: 'not-a-road',
    probabilities: { pothole: 0.56, crack: 0.68, patch: 0.16 },
    found: [],
    notSure: ['pothole', 'crack'],
    notRoad: { score: 1388, threshold: 782, kept: true },
  });

describe('road-damage records on the server', () => {
  it('accepts records with and without `damage`, and returns each as sent', async () => {
    const old = makeRecord(3, photoMetaFor(3), { notes: 'old client' });
    const { revision: _r, ...older } = makeRecord(4, photoMetaFor(4), { notes: 'oldest client' });
    const fresh = potholeAndCrack();
    const cat = keptCat();
    const answer = await api.postSurveys<SurveyBatchResponse>([old, older, fresh, cat]);
    expect(answer.status).toBe(200);
    expect(answer.body.results.map((r) => r.status)).toEqual([
      'created',
      'created',
      'created',
      'created',
    ]);
    for (const sent of [old, fresh, cat]) {
      const stored = await api.get<SurveyDetailResponse>(`/surveys/${sent.id}`);
      expect(stored.body.survey).toEqual(sent);
    }
    const replay = await api.postSurveys<SurveyBatchResponse>([fresh, old]);
    expect(replay.body.results.map((r) => r.status)).toEqual(['unchanged', 'unchanged']);
    // A kept not-a-road survey is stored as such, never as good road.
    const stored = await api.get<SurveyDetailResponse>(`/surveys/${cat.id}`);
    expect(stored.body.survey.verdict?.label).toBe('not-a-road');
    expect(stored.body.survey.damage?.notRoad?.kept).toBe(true);
  });

  it('refuses a bad `damage` alone, saying what is wrong', async () => {
    const good = makeRecord(5, photoMetaFor(5));
    const bad = damaged(6, {
      outcome: 'damage',
      probabilities: { pothole: 1.7 },
      found: ['pothole'],
      notSure: [],
      notRoad: null,
    });
    const answer = await api.postSurveys<SurveyBatchResponse>([good, bad]);
    expect(answer.body.results[0].status).toBe('created');
    expect(answer.body.results[1].status).toBe('invalid');
    expect(answer.body.results[1].reason).toMatch(/damage/);
  });

  it('exports carry the types found, each probability and the not-a-road answer', async () => {
    const fresh = potholeAndCrack();
    const cat = keptCat();
    const old = makeRecord(9, photoMetaFor(9), {
      verdict: { label: 'pothole', potholeProbability: 0.9, lowConfidence: false },
      notes: 'pothole model',
    });
    await api.postSurveys([fresh, cat, old]);

    const csv = (await api.get<Buffer>('/export.csv')).body.toString('utf8');
    const rows = csv
      .trim()
      .split('\r\n')
      .map((line) => line.split(','));
    const header = rows[0];
    for (const name of [
      'found',
      'p_pothole',
      'p_crack',
      'p_patch',
      'not_road_score',
      'not_road_kept',
    ])
      expect(header).toContain(name);
    const row = (id: string) => {
      const r = rows.find((x) => x[0] === id)!;
      return (name: string) => r[header.indexOf(name)];
    };
    const f = row(fresh.id);
    expect(f('found')).toBe('pothole;crack');
    expect(Number(f('p_pothole'))).toBe(0.83);
    expect(Number(f('p_crack'))).toBe(0.71);
    expect(Number(f('p_patch'))).toBe(0.04);
    expect(f('not_road_kept')).toBe('false');
    const c = row(cat.id);
    expect(c('found')).toBe('not_road');
    expect(Number(c('not_road_score'))).toBe(1388);
    expect(c('not_road_kept')).toBe('true');
    const o = row(old.id);
    expect(o('found')).toBe('pothole');
    expect(Number(o('p_pothole'))).toBe(0.9);
    expect(o('p_crack')).toBe('');
    expect(o('not_road_score')).toBe('');

    const geo = await api.get<{ features: { properties: Record<string, unknown> }[] }>(
      '/export.geojson',
    );
    const props = geo.body.features.find((x) => x.properties.id === fresh.id)!.properties;
    expect(props).toMatchObject({ found: 'pothole;crack', p_pothole: 0.83, p_crack: 0.71 });
    const catProps = geo.body.features.find((x) => x.properties.id === cat.id)!.properties;
    expect(catProps).toMatchObject({
      found: 'not_road',
      not_road_kept: true,
    });
  });
});
