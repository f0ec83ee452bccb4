/**
 * The engineer's answer while it is being made (issue 11), as pure functions from one draft to
 * the next: which labels the photo shows and where the damages are. The elements hold a draft
 * and raise it; the page saves `answerOf(draft)` as the record's `correction` (a new revision).
 * The rules are the schema's (`labelSetProblems`): good road and not a road stand alone, a box
 * has a damage type and that type is among the labels.
 */
import { DAMAGE_TYPE_NAMES } from '../../../model/damage-types';
import { labelTitle } from '../../../model/label-titles';
import type { DamageBox, SurveyCorrection } from '../../../schema/survey';
import {
  GOOD_ROAD_LABEL,
  labelSetProblems,
  MAX_BOXES,
  NOT_ROAD_LABEL,
} from '../../../schema/survey-rules';
import type { SurveyRecord } from '../../../store/survey-record';
import type { Box } from './box-geometry';

export interface CorrectionDraft {
  labels: string[];
  boxes: DamageBox[];
}

export interface LabelChoice {
  value: string;
  title: string;
}

export const EMPTY_DRAFT: CorrectionDraft = { labels: [], boxes: [] };

/**
 * The damage types the engineer can name: those of the model that judged the survey (its
 * manifest's outputs, as the record's probabilities list them), in the manifest's order of
 * types; a pothole model's survey has one, pothole.
 */
export function damageTypesOf(record: Pick<SurveyRecord, 'damage'>): string[] {
  const own = record.damage ? Object.keys(record.damage.probabilities) : ['pothole'];
  const known = DAMAGE_TYPE_NAMES.filter((t) => own.includes(t));
  return [...known, ...own.filter((t) => !known.includes(t as never))];
}

/** Every answer to "what is it?": each damage type, then good road and not a road. */
export function labelChoices(record: Pick<SurveyRecord, 'damage'>): LabelChoice[] {
  return [...damageTypesOf(record), GOOD_ROAD_LABEL, NOT_ROAD_LABEL].map((value) => ({
    value,
    title: labelTitle(value),
  }));
}

export function isDamageLabel(label: string): boolean {
  return label !== GOOD_ROAD_LABEL && label !== NOT_ROAD_LABEL;
}

/** Where the Wrong editor starts: the previous wrong answer, or nothing chosen. */
export function draftFrom(correction: SurveyCorrection | undefined): CorrectionDraft {
  if (correction?.verdict !== 'wrong') return EMPTY_DRAFT;
  return {
    labels: [...correction.labels],
    boxes: correction.boxes.map((b) => ({ type: b.type, box: [...b.box] as Box })),
  };
}

/**
 * A label tapped: on when off, off when on. Good road and not a road replace every other label
 * (and drop the boxes); a damage type replaces them. A damage type turned off takes its boxes.
 */
export function toggleLabel(draft: CorrectionDraft, label: string): CorrectionDraft {
  if (draft.labels.includes(label)) {
    return {
      labels: draft.labels.filter((l) => l !== label),
      boxes: draft.boxes.filter((b) => b.type !== label),
    };
  }
  if (!isDamageLabel(label)) return { labels: [label], boxes: [] };
  return { labels: [...draft.labels.filter(isDamageLabel), label], boxes: draft.boxes };
}

/** A box drawn for a damage type; the type becomes one of the labels if it was not. */
export function addBox(draft: CorrectionDraft, type: string, box: Box): CorrectionDraft {
  if (!isDamageLabel(type) || draft.boxes.length >= MAX_BOXES) return draft;
  const labels = draft.labels.includes(type)
    ? draft.labels
    : [...draft.labels.filter(isDamageLabel), type];
  return { labels, boxes: [...draft.boxes, { type, box }] };
}

export function replaceBox(draft: CorrectionDraft, index: number, box: Box): CorrectionDraft {
  return { ...draft, boxes: draft.boxes.map((b, i) => (i === index ? { ...b, box } : b)) };
}

export function removeBox(draft: CorrectionDraft, index: number): CorrectionDraft {
  return { ...draft, boxes: draft.boxes.filter((_, i) => i !== index) };
}

/** A box's type changed; the new type becomes a label if it was not (the old one stays). */
export function retypeBox(draft: CorrectionDraft, index: number, type: string): CorrectionDraft {
  if (!isDamageLabel(type)) return draft;
  const labels = draft.labels.includes(type)
    ? draft.labels
    : [...draft.labels.filter(isDamageLabel), type];
  return { labels, boxes: draft.boxes.map((b, i) => (i === index ? { ...b, type } : b)) };
}

/** What keeps the draft from being saved, in words for the engineer (empty: it can be). */
export function draftProblems(draft: CorrectionDraft): string[] {
  if (draft.labels.length === 0) return ['Choose what the photo shows.'];
  return labelSetProblems(draft.labels, draft.boxes).map((p) => p.message);
}

/** "Right": the model's verdict stands (no labels of its own: "as the model says"). */
export function rightAnswer(now: Date): SurveyCorrection {
  return { verdict: 'right', labels: [], boxes: [], at: now.toISOString() };
}

/** "Wrong" with what the photo shows; throws when the draft cannot be saved (see draftProblems). */
export function wrongAnswer(draft: CorrectionDraft, now: Date): SurveyCorrection {
  const problems = draftProblems(draft);
  if (problems.length > 0) throw new Error(problems.join(' '));
  return {
    verdict: 'wrong',
    labels: [...draft.labels],
    boxes: draft.boxes.map((b) => ({ type: b.type, box: [...b.box] as Box })),
    at: now.toISOString(),
  };
}
