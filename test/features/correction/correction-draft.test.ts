import { describe, expect, it } from 'vitest';
import {
  addBox,
  damageTypesOf,
  draftFrom,
  draftProblems,
  EMPTY_DRAFT,
  labelChoices,
  removeBox,
  replaceBox,
  retypeBox,
  rightAnswer,
  toggleLabel,
  wrongAnswer,
} from '../../../src/features/correction/shared/correction-draft';
import {
  answerText,
  listAnswerText,
} from '../../../src/features/correction/shared/correction-text';
import { correctionSchema, surveyRecordSchema } from '../../../src/schema/survey';
import { toWire } from '../../../src/store/wire';
import { makeRecord } from '../../store/make-record';

const NOW = new Date('2026-12-02T10:00:00.000Z');
const damage = {
  outcome: 'damage' as const,
  probabilities: { crack: 0.8, pothole: 0.1, patch: 0.3 },
  found: ['crack'],
  notSure: [],
  notRoad: null,
};

describe('the engineer’s answer as a draft', () => {
  it('offers the judging model’s damage types in the manifest’s order, then good road and not a road', () => {
    expect(damageTypesOf({ damage })).toEqual(['pothole', 'crack', 'patch']);
    expect(labelChoices({ damage }).map((c) => c.title)).toEqual([
      'Pothole',
      'Crack',
      'Patch',
      'Good road',
      'Not a road',
    ]);
    // A pothole model's survey: its one type.
    expect(labelChoices({}).map((c) => c.value)).toEqual(['pothole', 'good_road', 'not_road']);
  });

  it('good road and not a road stand alone; a damage type replaces them; off takes its boxes', () => {
    let d = toggleLabel(EMPTY_DRAFT, 'crack');
    d = addBox(d, 'crack', [10, 10, 100, 100]);
    d = toggleLabel(d, 'pothole');
    expect(d.labels).toEqual(['crack', 'pothole']);
    expect(toggleLabel(d, 'crack')).toEqual({ labels: ['pothole'], boxes: [] });
    const good = toggleLabel(d, 'good_road');
    expect(good).toEqual({ labels: ['good_road'], boxes: [] });
    expect(toggleLabel(good, 'not_road').labels).toEqual(['not_road']);
    expect(toggleLabel(good, 'patch').labels).toEqual(['patch']);
  });

  it('a box makes its type a label; boxes are changed, retyped and removed by index', () => {
    let d = addBox(toggleLabel(EMPTY_DRAFT, 'good_road'), 'pothole', [0, 0, 50, 50]);
    expect(d.labels).toEqual(['pothole']);
    d = addBox(d, 'crack', [60, 60, 120, 120]);
    d = replaceBox(d, 0, [5, 5, 55, 55]);
    expect(d.boxes[0].box).toEqual([5, 5, 55, 55]);
    d = retypeBox(d, 0, 'patch');
    expect(d.boxes.map((b) => b.type)).toEqual(['patch', 'crack']);
    expect(d.labels).toEqual(['pothole', 'crack', 'patch']);
    d = removeBox(d, 1);
    expect(d.boxes).toEqual([{ type: 'patch', box: [5, 5, 55, 55] }]);
    // No box for good road or not a road.
    expect(addBox(d, 'good_road', [0, 0, 9, 9])).toBe(d);
  });

  it('a wrong answer needs a label and passes the schema; right needs nothing', () => {
    expect(draftProblems(EMPTY_DRAFT)).toEqual(['Choose what the photo shows.']);
    expect(() => wrongAnswer(EMPTY_DRAFT, NOW)).toThrow(/Choose what the photo shows/);
    const d = addBox(toggleLabel(EMPTY_DRAFT, 'pothole'), 'pothole', [10, 20, 30, 40]);
    const wrong = wrongAnswer(d, NOW);
    expect(correctionSchema.safeParse(wrong).success).toBe(true);
    expect(wrong).toEqual({
      verdict: 'wrong',
      labels: ['pothole'],
      boxes: [{ type: 'pothole', box: [10, 20, 30, 40] }],
      at: NOW.toISOString(),
    });
    expect(correctionSchema.safeParse(rightAnswer(NOW)).success).toBe(true);
    // Editing again starts from the saved wrong answer, as a copy.
    const again = draftFrom(wrong);
    again.boxes[0].box[0] = 0;
    expect(wrong.boxes[0].box[0]).toBe(10);
    expect(draftFrom(rightAnswer(NOW))).toEqual(EMPTY_DRAFT);
  });

  it('says the answer in words, for the detail page and the list', () => {
    const d = addBox(toggleLabel(EMPTY_DRAFT, 'crack'), 'crack', [10, 20, 30, 40]);
    expect(answerText(wrongAnswer(d, NOW))).toBe('Wrong: Crack (1 marked on the photo)');
    expect(answerText(rightAnswer(NOW))).toBe('Right');
    expect(answerText(undefined)).toBeNull();
    expect(listAnswerText(wrongAnswer(d, NOW))).toBe('corrected (Wrong)');
    expect(listAnswerText(rightAnswer(NOW))).toBe('corrected (Right)');
  });

  it('travels in the record’s wire form, which the server validates', () => {
    const d = addBox(toggleLabel(EMPTY_DRAFT, 'pothole'), 'pothole', [100, 100, 400, 300]);
    const record = makeRecord({ correction: wrongAnswer(d, NOW) });
    const wire = toWire(record);
    expect(surveyRecordSchema.safeParse(wire).success).toBe(true);
    expect(wire.correction?.boxes[0].box).toEqual([100, 100, 400, 300]);
    // An unanswered record's wire form has no `correction` key at all.
    expect(toWire(makeRecord())).not.toHaveProperty('correction');
  });
});
