import { describe, expect, it } from 'vitest';
import {
  DamageStretches,
  type StretchFrame,
} from '../../../src/features/drive/shared/damage-stretches';
import { findingOf } from '../../../src/model/frame-finding';
import { distanceMetres, localScale } from '../../../src/geo/ruler';

const START = { lon: 116.3, lat: 39.9 };
const { ky } = localScale(START.lat);
/** A point `m` metres north of START. */
const north = (m: number) => ({ lon: START.lon, lat: START.lat + m / ky });

function frame(at: number, m: number | null, score: number, name = `f${at}`): StretchFrame<string> {
  return { at, position: m === null ? null : north(m), damage: score > 0, score, payload: name };
}

describe('DamageStretches', () => {
  it('keeps the best-scoring frame of a stretch, not the first, and closes it once past 10 m', () => {
    const d = new DamageStretches<string>();
    expect(d.observe(frame(0, 0, 0.6, 'first'))).toEqual([]);
    expect(d.observe(frame(100, 2, 0.95, 'best'))).toEqual([]);
    expect(d.observe(frame(200, 4, 0.7, 'later'))).toEqual([]);
    // A frame with no damage 8 m past the last damage: still the same stretch.
    expect(d.observe(frame(300, 12, 0))).toEqual([]);
    // 10.5 m past the last damage frame: the stretch closes.
    const closed = d.observe(frame(400, 14.5, 0));
    expect(closed).toHaveLength(1);
    expect(closed[0].best.payload).toBe('best');
    expect(closed[0].frames).toBe(3);
    expect(d.hasOpenStretch).toBe(false);
  });

  it('two damages 30 m apart are two surveys', () => {
    const d = new DamageStretches<string>();
    const saved = [
      ...d.observe(frame(0, 0, 0.8, 'a')),
      ...d.observe(frame(100, 30, 0.7, 'b')),
      ...d.flush(),
    ];
    expect(saved.map((s) => s.best.payload)).toEqual(['a', 'b']);
  });

  it('a spot already recorded in this run is not recorded again (driven twice)', () => {
    const d = new DamageStretches<string>();
    d.observe(frame(0, 0, 0.8, 'a'));
    expect(d.observe(frame(100, 50, 0)).length).toBe(1);
    expect(d.observe(frame(200, 5, 0.99, 'again'))).toEqual([]);
    expect(d.flush()).toEqual([]);
    expect(d.alreadyRecorded).toBe(1);
  });

  it('remembers the spots of a run resumed after a reload', () => {
    const d = new DamageStretches<string>();
    d.remember([north(100)]);
    d.observe(frame(0, 105, 0.9));
    expect(d.flush()).toEqual([]);
  });

  it('honours another distance', () => {
    const d = new DamageStretches<string>({ distanceM: 25 });
    d.observe(frame(0, 0, 0.8, 'a'));
    d.observe(frame(100, 20, 0.9, 'b'));
    const closed = d.flush();
    expect(closed).toHaveLength(1);
    expect(closed[0].best.payload).toBe('b');
    expect(distanceMetres(closed[0].positions[0], closed[0].positions[1])).toBeCloseTo(20, 6);
  });

  it('without a GPS fix, damage frames close in time are one stretch, a gap starts another', () => {
    const d = new DamageStretches<string>({ noFixGapMs: 2000 });
    d.observe(frame(0, null, 0.6, 'a'));
    d.observe(frame(1500, null, 0.9, 'b'));
    d.observe(frame(2500, null, 0)); // no damage, no fix: does not close anything
    const closed = d.observe(frame(6000, null, 0.7, 'c'));
    expect(closed.map((c) => c.best.payload)).toEqual(['b']);
    expect(d.flush().map((c) => c.best.payload)).toEqual(['c']);
  });

  it('refuses a distance that is not above 0', () => {
    expect(() => new DamageStretches({ distanceM: 0 })).toThrow(/above 0 m/);
  });
});

describe('findingOf', () => {
  it('reads the pothole model verdict', () => {
    expect(findingOf({ label: 'pothole', potholeProbability: 0.8, lowConfidence: false })).toEqual({
      damage: true,
      found: [{ type: 'pothole', probability: 0.8 }],
      score: 0.8,
      lowConfidence: false,
    });
    expect(findingOf({ label: 'normal', potholeProbability: 0.2, lowConfidence: true })).toEqual({
      damage: false,
      found: [],
      score: 0,
      lowConfidence: true,
    });
  });

  it('reads a road-damage verdict: any type found is damage, a type not sure is not', () => {
    const f = findingOf({
      types: [
        { name: 'pothole', probability: 0.3, state: 'not-found' },
        { name: 'crack', probability: 0.7, state: 'found' },
        { name: 'patch', probability: 0.9, state: 'found' },
      ],
    });
    expect(f.damage).toBe(true);
    expect(f.found.map((t) => t.type)).toEqual(['crack', 'patch']);
    expect(f.score).toBe(0.9);
    expect(
      findingOf({ types: [{ name: 'crack', probability: 0.55, state: 'not-sure' }] }),
    ).toMatchObject({ damage: false, lowConfidence: true, score: 0 });
  });
});
