import { describe, expect, it } from 'vitest';
import {
  DamageStretches,
  type StretchFrame,
} from '../../../src/features/drive/shared/damage-stretches';
import { findingOf } from '../../../src/model/frame-finding';
import { stretchTypesOf } from '../../../src/features/drive/shared/stretch-types';
import { distanceMetres, localScale } from '../../../src/geo/ruler';

const START = { lon: 116.3, lat: 39.9 };
const { ky } = localScale(START.lat);
/** A point `m` metres north of START. */
const north = (m: number) => ({ lon: START.lon, lat: START.lat + m / ky });

function frame(
  at: number,
  m: number | null,
  score: number,
  name = `f${at}`,
  type = 'pothole',
): StretchFrame<string> {
  return {
    at,
    position: m === null ? null : north(m),
    found: score > 0 ? [{ type, score }] : [],
    payload: name,
  };
}

/** A frame that found several types. */
function frameOf(at: number, m: number, found: [string, number][], name: string) {
  return {
    at,
    position: north(m),
    found: found.map(([type, score]) => ({ type, score })),
    payload: name,
  };
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
    d.remember([{ ...north(100), type: 'pothole' }]);
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

  it('two damage types within the distance are two stretches, each with its best frame', () => {
    const d = new DamageStretches<string>();
    // A crack at 0-2 m and a pothole 5 m on: both kept.
    d.observe(frame(0, 0, 0.7, 'crack-a', 'crack'));
    d.observe(frame(100, 2, 0.9, 'crack-best', 'crack'));
    d.observe(frame(200, 5, 0.8, 'pothole-a', 'pothole'));
    d.observe(
      frameOf(
        300,
        6,
        [
          ['pothole', 0.95],
          ['crack', 0.6],
        ],
        'pothole-best',
      ),
    );
    expect(d.openCount).toBe(2);
    // 13 m: more than 10 m past the last crack (6 m) -> both close (last pothole at 6 m too).
    const closed = d.observe(frame(400, 17, 0));
    const byType = Object.fromEntries(closed.map((c) => [c.type, c.best.payload]));
    expect(byType).toEqual({ crack: 'crack-best', pothole: 'pothole-best' });
    expect(closed.find((c) => c.type === 'crack')?.frames).toBe(3);
    expect(closed.find((c) => c.type === 'pothole')?.score).toBe(0.95);
  });

  it('a spot recorded for one type does not hide another type there', () => {
    const d = new DamageStretches<string>();
    d.observe(frame(0, 0, 0.8, 'crack', 'crack'));
    expect(d.observe(frame(100, 40, 0))).toHaveLength(1);
    // Driven again: the crack is not recorded twice, a pothole at the same spot is new.
    d.observe(frame(200, 1, 0.9, 'crack-again', 'crack'));
    d.observe(frame(300, 2, 0.9, 'pothole', 'pothole'));
    expect(d.flush().map((c) => [c.type, c.best.payload])).toEqual([['pothole', 'pothole']]);
    expect(d.alreadyRecorded).toBe(1);
  });

  it('a snapshot restored in a new instance carries on the open stretches (resumed run)', () => {
    const d = new DamageStretches<string>();
    d.observe(frame(0, 0, 0.9, 'best'));
    const before = d.changes;
    d.observe(frame(100, 2, 0.5, 'worse'));
    expect(d.changes).toBe(before); // a worse frame changes nothing worth saving
    const saved = structuredClone(d.snapshot());
    const resumed = new DamageStretches<string>();
    resumed.restore(saved);
    resumed.observe(frame(5000, 4, 0.6, 'after-reload'));
    const closed = resumed.observe(frame(6000, 20, 0));
    expect(closed.map((c) => [c.best.payload, c.frames])).toEqual([['best', 3]]);
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

describe('stretchTypesOf', () => {
  it('keeps main types: crack subtypes count as a crack, with the highest probability', () => {
    const f = findingOf({
      types: [
        { name: 'pothole', probability: 0.8, state: 'found' },
        { name: 'crack', probability: 0.6, state: 'found' },
        { name: 'alligator-crack', probability: 0.7, state: 'found' },
        { name: 'patch', probability: 0.2, state: 'not-found' },
      ],
    });
    expect(stretchTypesOf(f)).toEqual([
      { type: 'pothole', score: 0.8 },
      { type: 'crack', score: 0.7 },
    ]);
    expect(
      stretchTypesOf(findingOf({ label: 'normal', potholeProbability: 0.1, lowConfidence: false })),
    ).toEqual([]);
  });
});
