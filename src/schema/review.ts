/**
 * The office's review of a survey, as it travels: the review page (src/office) sends a decision,
 * the server keeps it beside the phone's record (never inside it), and the phones pull what
 * changed. Shared by the server (server/routes/reviews.ts), the office page and, later, the
 * phone's sync. See docs/SYNC.md, "Reviews".
 */
import {
  damageBoxSchema,
  labelNameSchema,
  labelSetProblems,
  MAX_BOXES,
  MAX_LABELS,
  MAX_REVISION,
  type DamageBox,
  type SurveyRecordWire,
} from './survey';
import { z } from './zod';

/**
 * Body of PUT /api/v1/reviews/:surveyId. `accept: true` confirms the answer the page showed
 * (the engineer's, or the model's when the engineer has not answered or said Right); otherwise
 * `labels` (and `boxes`) say what the photo shows.
 */
export const reviewDecisionSchema = z
  .object({
    /** The survey revision the reviewer looked at; a newer one on the server is a 409. */
    basedOnRevision: z.number().int().min(1).max(MAX_REVISION),
    /** The review version the reviewer saw (0: none yet); another reviewer's save is a 409. */
    expectedVersion: z.number().int().min(0),
    accept: z.boolean().default(false),
    labels: z.array(labelNameSchema).max(MAX_LABELS).default([]),
    boxes: z.array(damageBoxSchema).max(MAX_BOXES).default([]),
  })
  .superRefine((decision, context) => {
    if (decision.accept) {
      if (decision.labels.length > 0 || decision.boxes.length > 0) {
        context.addIssue({
          code: 'custom',
          path: ['accept'],
          message: 'Accept takes no labels or boxes: it confirms the answer shown',
        });
      }
      return;
    }
    if (decision.labels.length === 0) {
      context.addIssue({
        code: 'custom',
        path: ['labels'],
        message: 'Say what the photo shows (at least one label), or accept the answer shown',
      });
    }
    for (const problem of labelSetProblems(decision.labels, decision.boxes)) {
      context.addIssue({ code: 'custom', ...problem });
    }
  });
export type ReviewDecision = z.infer<typeof reviewDecisionSchema>;
export type ReviewDecisionInput = z.input<typeof reviewDecisionSchema>;

/** `not-reviewed`: no review; `reviewed`: a review of the survey as it is; `stale`: the
 * engineer changed the survey after the review (it needs reviewing again). */
export type ReviewStatus = 'not-reviewed' | 'reviewed' | 'stale';

/** A review as the API answers it. */
export interface ReviewWire {
  surveyId: string;
  labels: string[];
  boxes: DamageBox[];
  /** True when the reviewer accepted the answer shown rather than setting labels. */
  accepted: boolean;
  /** The reviewer's token name. */
  reviewer: string;
  reviewedAt: string;
  basedOnRevision: number;
  /** 1 for the first decision on this survey, +1 at each change. */
  version: number;
  /** The change clock; GET /reviews pages by it. */
  changedAt: string;
  /** The survey revision the server holds now. */
  surveyRevision: number;
  /** True when the survey changed after the review (surveyRevision > basedOnRevision). */
  stale: boolean;
}

/** One entry of a review's audit trail (append-only: never changed or removed). */
export interface ReviewEventWire {
  reviewer: string;
  at: string;
  action: 'accepted' | 'set';
  previous: { labels: string[]; boxes: DamageBox[]; basedOnRevision: number } | null;
  next: { labels: string[]; boxes: DamageBox[]; basedOnRevision: number };
}

/** What goes into a data set for a survey, and who said it. */
export interface SurveyTruth {
  labels: string[];
  boxes: DamageBox[];
  /** `review`: the office; `engineer`: the engineer's Right / Wrong. */
  source: 'review' | 'engineer';
  /** The reviewer's token name, or the uploading device's for the engineer. */
  by: string;
}

/** An item of GET /api/v1/review/surveys: everything the review page shows of a survey. */
export interface ReviewQueueItem {
  id: string;
  revision: number;
  receivedAt: string;
  /** The uploading device token's name. */
  device: string;
  photo: { present: boolean };
  survey: SurveyRecordWire;
  /** What the model found: damage types, `good_road` or `not_road`; empty before analysis. */
  modelLabels: string[];
  /** The engineer's answer resolved to labels (Right: the model's), or null. */
  engineerLabels: string[] | null;
  /** The engineer said the model was wrong. */
  disagreement: boolean;
  review: ReviewWire | null;
  status: ReviewStatus;
  /** What a data set would take for it now, or null (nobody confirmed anything yet). */
  truth: SurveyTruth | null;
}

/** 200 answer of GET /api/v1/review/surveys. */
export interface ReviewQueueResponse {
  items: ReviewQueueItem[];
  /** More surveys to look through (pass as `cursor`), or null at the end. */
  nextCursor: string | null;
  /** How many surveys this page looked through to find `items`. */
  scanned: number;
}

/** 200 answer of GET /api/v1/reviews/:surveyId: the review (null: none) and its trail. */
export interface ReviewDetailResponse {
  review: ReviewWire | null;
  events: ReviewEventWire[];
}

/** 200 answer of PUT /api/v1/reviews/:surveyId. */
export interface ReviewSaveResponse {
  status: 'saved' | 'unchanged';
  review: ReviewWire;
}

/** 200 answer of GET /api/v1/reviews (for the phones: reviews changed since a cursor). */
export interface ReviewPullResponse {
  reviews: ReviewWire[];
  nextCursor: string | null;
  /** A safe `since` for the next pull, as in GET /surveys. */
  serverTime: string;
}
