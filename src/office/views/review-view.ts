/**
 * What the review page shows of a queue item, and what each key does: plain functions, tested
 * in Node (test/office/review-view.test.ts); the element only renders them.
 */
import { DAMAGE_TYPE_NAMES } from '../../model/damage-types';
import { labelTitle } from '../../model/label-titles';
import type { ReviewQueueItem } from '../../schema/review';
import { GOOD_ROAD_LABEL, NOT_ROAD_LABEL, type DamageBox } from '../../schema/survey';

/** The labels a reviewer can set, in key order: 1 = good road, 2 = not a road, 3.. = damages. */
export const REVIEW_LABELS: readonly string[] = [
  GOOD_ROAD_LABEL,
  NOT_ROAD_LABEL,
  ...DAMAGE_TYPE_NAMES,
];

export { labelTitle };

export function labelsText(labels: readonly string[] | null): string {
  if (labels === null) return 'no answer';
  if (labels.length === 0) return 'not analysed';
  return labels.map(labelTitle).join(', ');
}

/** " (2 marked on the photo)", as the phone says it; '' without boxes. */
function marked(boxes: readonly DamageBox[] | undefined): string {
  return boxes && boxes.length > 0 ? ` (${boxes.length} marked on the photo)` : '';
}

export interface ItemSummary {
  model: string;
  engineer: string;
  office: string;
  status: string;
}

export function itemSummary(item: ReviewQueueItem): ItemSummary {
  const review = item.review;
  return {
    model: labelsText(item.modelLabels),
    engineer:
      item.engineerLabels === null
        ? 'no answer'
        : labelsText(item.engineerLabels) + marked(item.survey.correction?.boxes),
    office: review
      ? `${labelsText(review.labels)}${marked(review.boxes)} (${review.reviewer}, ${review.reviewedAt.slice(0, 16).replace('T', ' ')})`
      : 'not reviewed',
    status:
      item.status === 'stale'
        ? 'Changed on the phone after the review: review it again'
        : item.status === 'reviewed'
          ? 'Reviewed'
          : 'Not reviewed',
  };
}

/** A box to draw over the photo, in percent of its size, and whose it is. */
export interface PhotoBox {
  who: 'engineer' | 'office';
  type: string;
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The boxes marked on the photo: the engineer's (from the phone's answer) and the office's (its
 * review), placed in percent of the photo so they sit on the image at any displayed size.
 */
export function photoBoxes(item: ReviewQueueItem): PhotoBox[] {
  const { width, height } = item.survey.photo;
  const place = (who: PhotoBox['who'], b: DamageBox): PhotoBox => ({
    who,
    type: b.type,
    left: (100 * b.box[0]) / width,
    top: (100 * b.box[1]) / height,
    width: (100 * (b.box[2] - b.box[0])) / width,
    height: (100 * (b.box[3] - b.box[1])) / height,
  });
  return [
    ...(item.survey.correction?.boxes ?? []).map((b) => place('engineer', b)),
    ...(item.review?.boxes ?? []).map((b) => place('office', b)),
  ];
}

export type KeyAction =
  | { kind: 'next' }
  | { kind: 'previous' }
  | { kind: 'accept' }
  | { kind: 'label'; label: string }
  | { kind: 'none' };

/** j / ArrowDown next, k / ArrowUp previous, a accept, 1..9 a label of REVIEW_LABELS. */
export function keyAction(key: string): KeyAction {
  if (key === 'j' || key === 'ArrowDown') return { kind: 'next' };
  if (key === 'k' || key === 'ArrowUp') return { kind: 'previous' };
  if (key === 'a') return { kind: 'accept' };
  if (/^[1-9]$/.test(key)) {
    const label = REVIEW_LABELS[Number(key) - 1];
    if (label) return { kind: 'label', label };
  }
  return { kind: 'none' };
}

/** The item's place after a step, staying inside the list. */
export function step(index: number, delta: number, length: number): number {
  if (length === 0) return -1;
  return Math.min(length - 1, Math.max(0, index + delta));
}
