/**
 * Road-damage surveys in the store (issue 10): version 4 backfills `typesFound` on surveys
 * written before, the list filters by damage type, and a record with every type's probability,
 * the types found and the not-a-road answer survives IndexedDB and the wire both ways.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openSurveyDb, SurveyRepository, type SurveyRecord } from '../../src/store';
import { typesFoundOf } from '../../src/store/survey-record';
import { fromWire, toWire } from '../../src/store/wire';
import { surveyRecordSchema } from '../../src/schema/survey';
import { makeRecord, photoBlob, uniqueDbName } from './make-record';

function damageRecord(
  found: string[],
  outcome: NonNullable<SurveyRecord['damage']>['outcome'],
  kept = false,
): SurveyRecord {
  const probabilities = { pothole: 0.81, crack: 0.64, patch: 0.05, 'alligator-crack': 0.3 };
  const damage: NonNullable<SurveyRecord['damage']> = {
    outcome,
    probabilities,
    found: outcome === 'not-a-road' ? [] : found,
    notSure: [],
    notRoad: { score: outcome === 'not-a-road' ? 900 : 40, threshold: 120, kept },
    cams: Object.fromEntries(
      ['pothole', 'crack', 'patch'].map((t, i) => [
        t,
        {
          method: 'gradcam',
          layer: 'conv_pw_13_relu',
          width: 2,
          height: 2,
          data: new Float32Array([i / 3, 1, 0, 0.5]),
        },
      ]),
    ),
  };
  const label =
    outcome === 'not-a-road'
      ? 'not-a-road'
      : found.includes('pothole')
        ? 'pothole'
        : found.length
          ? 'damage'
          : 'normal';
  const verdict = { label, potholeProbability: 0.81, lowConfidence: false } as const;
  return makeRecord({
    verdict,
    verdictKey: label,
    probabilities,
    model: { id: 'roadcam-road-damage', version: '2.0.0' },
    damage,
    typesFound: typesFoundOf(verdict, damage),
  });
}

describe('road-damage survey records', () => {
  it('version 4 gives surveys written at version 3 their types, without touching the rest', async () => {
    const name = uniqueDbName();
    const old = await openSurveyDb({ name, version: 3 });
    const pothole = makeRecord();
    const good = makeRecord({
      verdict: { label: 'normal', potholeProbability: 0.1, lowConfidence: false },
      verdictKey: 'normal',
    });
    for (const rec of [pothole, good]) {
      await old.put('surveys', rec);
      await old.put('photos', { id: rec.id, blob: photoBlob() });
    }
    old.close();

    const repo = await SurveyRepository.open({ name });
    expect((await repo.get(pothole.id))?.typesFound).toEqual(['pothole']);
    expect((await repo.get(good.id))?.typesFound).toEqual([]);
    expect((await repo.get(good.id))?.damage).toBeUndefined();
    expect(ids(await repo.list({ type: 'pothole' }))).toEqual([pothole.id]);
    // Old records still travel as they did: no `damage` on the wire.
    expect('damage' in toWire((await repo.get(pothole.id))!)).toBe(false);
    repo.close();
  });

  it('filters by each type found, newest first, and keeps not-a-road apart from good road', async () => {
    const repo = await SurveyRepository.open({ name: uniqueDbName() });
    const both = damageRecord(['pothole', 'crack'], 'damage');
    const crack = damageRecord(['crack'], 'damage');
    const notRoad = damageRecord([], 'not-a-road', true);
    const good = damageRecord([], 'good-road');
    for (const r of [both, crack, notRoad, good]) await repo.save(r, photoBlob());

    expect(ids(await repo.list({ type: 'crack' }))).toEqual([crack.id, both.id]);
    expect(ids(await repo.list({ type: 'pothole' }))).toEqual([both.id]);
    expect(ids(await repo.list({ type: 'patch' }))).toEqual([]);
    expect(ids(await repo.list({ verdict: 'not-a-road' }))).toEqual([notRoad.id]);
    expect(ids(await repo.list({ verdict: 'normal' }))).toEqual([good.id]);
    expect(ids(await repo.list({ verdict: 'damage' }))).toEqual([crack.id]);
    expect(ids(await repo.list({ type: 'crack', verdict: 'damage' }))).toEqual([crack.id]);
    repo.close();
  });

  it('round-trips every type, the types found, not-a-road and the heatmaps through the wire', () => {
    const kept = damageRecord([], 'not-a-road', true);
    const wire = toWire(kept);
    expect(wire.verdict?.label).toBe('not-a-road');
    expect(wire.damage).toMatchObject({
      outcome: 'not-a-road',
      probabilities: kept.damage!.probabilities,
      found: [],
      notRoad: { score: 900, threshold: 120, kept: true },
    });
    expect(Object.keys(wire.damage!.cams!)).toEqual(['pothole', 'crack', 'patch']);
    const back = fromWire(JSON.parse(JSON.stringify(wire)), photoBlob());
    expect(back.damage?.notRoad).toEqual({ score: 900, threshold: 120, kept: true });
    expect(back.verdictKey).toBe('not-a-road');
    expect(back.typesFound).toEqual([]);
    expect(Array.from(back.damage!.cams!.crack.data)).toEqual([1 / 3, 1, 0, 0.5].map(Math.fround));

    const both = fromWire(toWire(damageRecord(['pothole', 'crack'], 'damage')), photoBlob());
    expect(both.typesFound).toEqual(['pothole', 'crack']);
    expect(both.probabilities).toEqual(both.damage?.probabilities);
  });

  it('refuses a damage record that is not one, saying which field', () => {
    const wire = toWire(damageRecord(['crack'], 'damage'));
    const bad = { ...wire, damage: { ...wire.damage!, probabilities: { Crack: 2 } } };
    const parsed = surveyRecordSchema.safeParse(bad);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.')).join(' ')).toMatch(
      /damage\.probabilities/,
    );
  });
});

function ids(records: SurveyRecord[]): string[] {
  return records.map((r) => r.id);
}
