/**
 * What the review page shows of a queue item, and what each key does: plain functions, tested
 * in Node (test/office/review-view.test.ts); the element only renders them.
 */
import { DAMAGE_TYPE_NAMES } from '../../model/damage-types';
import { labelTitle } from '../../model/label-titles';
import type { ReviewQueueItem } from '../../schema/review';
import { GOOD_ROAD_LABEL, NOT_ROAD_LABEL } from '../../schema/survey';

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
    engineer: item.engineerLabels === null ? 'no answer' : labelsText(item.engineerLabels),
    office: review
      ? `${labelsText(review.labels)} (${review.reviewer}, ${review.reviewedAt.slice(0, 16).replace('T', ' ')})`
      : 'not reviewed',
    status:
      item.status === 'stale'
        ? 'Changed on the phone after the review: review it again'
        : item.status === 'reviewed'
          ? 'Reviewed'
          : 'Not reviewed',
  };
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
