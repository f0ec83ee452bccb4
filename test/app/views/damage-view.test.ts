/**
 * The road-damage views in words: the headline of each outcome (not a road is never "good
 * road"), a line per type, the heatmap toggles in the worker's order, the quality hint, and how
 * the survey page and the detail page switch from one type's heatmap to another's.
 */
import { describe, expect, it } from 'vitest';
import {
  damageHeadline,
  heatmapChoices,
  qualityHint,
  typeLines,
  typeTitle,
} from '../../../src/app/views/damage-view';
import { detailView, savedHeatmapTypes } from '../../../src/app/views/detail-view';
import { listItem } from '../../../src/app/views/list-item';
import {
  heatmapOf,
  shownResult,
  withNotRoadKept,
  withType,
  withTypeHeatmap,
} from '../../../src/app/views/survey-result';
import type { CamGrid, SurveyDamage } from '../../../src/store/survey-record';
import type { DamageExplanation, PhotoAnalysis, TypeHeatmap } from '../../../src/workers/protocol';
import { makeRecord } from '../../store/make-record';

const probabilities = { pothole: 0.87, crack: 0.71, patch: 0.05, 'alligator-crack': 0.4 };

function cam(values: number[]): CamGrid {
  return { method: 'gradcam', layer: 'conv', width: 2, height: 2, data: new Float32Array(values) };
}

describe('damage headline and lines', () => {
  it('names the types found, or good road, not sure, not a road', () => {
    const base = { probabilities, notSure: [] as string[] };
    expect(damageHeadline({ ...base, outcome: 'damage', found: ['pothole', 'crack'] })).toEqual({
      outcome: 'damage',
      title: 'Pothole, Crack',
      detail: 'Found: Pothole 87%, Crack 71%.',
    });
    expect(damageHeadline({ ...base, outcome: 'good-road', found: [] }).detail).toBe(
      'No damage found (highest: pothole 87%).',
    );
    expect(
      damageHeadline({
        ...base,
        outcome: 'not-sure',
        found: [],
        notSure: ['crack', 'alligator-crack'],
      }).detail,
    ).toBe('Maybe crack 71%: take another photo, closer.');
    const notRoad = damageHeadline({ ...base, outcome: 'not-a-road', found: [] });
    expect(notRoad.title).toBe('Not a road');
    expect(notRoad.detail).toBe("This doesn't look like a road surface.");
  });

  it('gives every type a line with its state, and titles unknown types readably', () => {
    const lines = typeLines({
      outcome: 'damage',
      probabilities,
      found: ['pothole'],
      notSure: ['crack'],
    });
    expect(lines.map((l) => l.text)).toEqual([
      'Pothole 87% (found)',
      'Crack 71% (not sure)',
      'Patch 5% (not found)',
      'Alligator crack 40% (not found)',
    ]);
    expect(typeTitle('edge-break')).toBe('Edge break');
  });

  it('words the quality problems, and says nothing for a good photo', () => {
    expect(qualityHint({ brightness: 12, sharpness: 9, problems: ['too-dark'] })).toMatch(
      /too dark/,
    );
    expect(
      qualityHint({ brightness: 12, sharpness: 1, problems: ['too-dark', 'too-blurred'] }),
    ).toMatch(/too dark.*too blurred/);
    expect(qualityHint({ brightness: 120, sharpness: 9, problems: [] })).toBe('');
    expect(qualityHint(null)).toBe('');
  });
});

function heatmap(type: string, probability: number, found: boolean, v: number): TypeHeatmap {
  return {
    type,
    title: typeTitle(type),
    probability,
    found,
    cam: cam([v, 0, 0, 1]),
    camEmpty: false,
    heatmap: { type } as unknown as ImageBitmap,
  };
}

function analysis(damage: DamageExplanation, problems: ('too-dark' | 'too-blurred')[] = []) {
  const first = damage.heatmaps[0];
  return {
    display: null as unknown as ImageBitmap,
    jpeg: new Blob([]),
    quality: { brightness: 20, sharpness: 9, problems },
    analysisError: null,
    explanation: {
      verdict: { label: 'pothole', potholeProbability: 0.87, lowConfidence: false },
      probabilities,
      cam: first.cam,
      camEmpty: false,
      region: { x: 0, y: 0, width: 1, height: 1 },
      model: { id: 'roadcam-road-damage', version: '2.0.0' },
      heatmap: first.heatmap,
      damage,
      timings: { inferenceMs: 1, renderMs: 1 },
    },
  } as unknown as PhotoAnalysis;
}

describe('the survey page result', () => {
  const damage: DamageExplanation = {
    outcome: 'damage',
    types: [],
    found: ['pothole'],
    notSure: [],
    notRoad: { score: 200, threshold: 700 },
    heatmaps: [
      heatmap('pothole', 0.87, true, 1),
      heatmap('crack', 0.71, false, 0.2),
      heatmap('patch', 0.05, false, 0),
    ],
  };

  it('draws the first type, and a tap on another draws its heatmap over the same photo', () => {
    const shown = shownResult(analysis(damage, ['too-dark']), 'gradcam');
    expect(shown.damage?.toggles.map((t) => t.label)).toEqual([
      'Pothole 87%',
      'Crack 71%',
      'Patch 5%',
    ]);
    expect(shown.damage?.selected).toBe('pothole');
    expect(shown.heatmap).toBe(damage.heatmaps[0].heatmap);
    expect(heatmapOf(shown)).toBe('Pothole');
    expect(shown.qualityHint).toMatch(/too dark/);
    expect(shown.damage?.notRoad).toBeNull();
    const crack = withType(shown, 'crack');
    expect(crack.heatmap).toBe(damage.heatmaps[1].heatmap);
    expect(crack.photo).toBe(shown.photo);
    expect(heatmapOf(crack)).toBe('Crack');
    expect(withType(shown, 'no-such-type')).toBe(shown);
  });

  it('a type whose heatmap was drawn after the answer gets it, the others keep theirs', () => {
    const undrawn = {
      ...damage,
      heatmaps: damage.heatmaps.map((h, i) => (i ? { ...h, heatmap: null } : h)),
    };
    const shown = shownResult(analysis(undrawn), 'gradcam');
    const drawn = { type: 'crack-drawn' } as unknown as ImageBitmap;
    const crack = withType(withTypeHeatmap(shown, 'crack', drawn), 'crack');
    expect(crack.heatmap).toBe(drawn);
    expect(heatmapOf(crack)).toBe('Crack');
    expect(crack.damage?.heatmaps.map((h) => h.heatmap)).toEqual([
      damage.heatmaps[0].heatmap,
      drawn,
      null,
    ]);
  });

  it('a not-a-road photo is shown as such, and marked kept once the engineer keeps it', () => {
    const shown = shownResult(
      analysis({
        ...damage,
        outcome: 'not-a-road',
        found: [],
        notRoad: { score: 900, threshold: 700 },
      }),
      'gradcam',
    );
    expect(shown.damage?.headline.title).toBe('Not a road');
    expect(shown.damage?.notRoad).toMatchObject({
      text: "This doesn't look like a road surface",
      kept: false,
    });
    const kept = withNotRoadKept(shown, 'id-1');
    expect(kept.recordId).toBe('id-1');
    expect(kept.damage?.notRoad?.kept).toBe(true);
  });
});

describe('saved road-damage surveys', () => {
  const damage: SurveyDamage = {
    outcome: 'damage',
    probabilities,
    found: ['crack'],
    notSure: [],
    notRoad: { score: 10, threshold: 700, kept: false },
    cams: { pothole: cam([1, 0, 0, 0]), patch: cam([0, 1, 0, 0]), crack: cam([0, 0, 1, 0]) },
  };

  it('offers the saved heatmaps found-first, and the list names the types', () => {
    const record = makeRecord({ damage, typesFound: ['crack'] });
    expect(savedHeatmapTypes(record)).toEqual(['crack', 'pothole', 'patch']);
    const view = detailView(record, null, null);
    expect(view.damage?.headline.title).toBe('Crack');
    expect(view.damage?.toggles.map((t) => t.type)).toEqual(['crack', 'pothole', 'patch']);
    expect(listItem(record, 'blob:x', undefined)).toMatchObject({
      title: 'Crack',
      probability: null,
    });
    expect(detailView(makeRecord(), null, null).damage).toBeNull();
  });

  it('says a kept not-a-road survey was kept', () => {
    const record = makeRecord({
      damage: {
        ...damage,
        outcome: 'not-a-road',
        found: [],
        notRoad: { score: 900, threshold: 700, kept: true },
      },
    });
    expect(detailView(record, null, null).damage?.headline.detail).toMatch(/Kept anyway/);
    expect(listItem(record, 'blob:x', undefined).title).toBe('Not a road');
  });

  it('lists heatmap toggles in the order given', () => {
    expect(
      heatmapChoices([
        { type: 'patch', probability: 0.6, found: true },
        { type: 'pothole', probability: 0.9, found: false },
      ]).map((c) => c.label),
    ).toEqual(['Patch 60%', 'Pothole 90%']);
  });
});
