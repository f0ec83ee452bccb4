/**
 * The office's reviews (issue 11):
 * - GET /review/surveys: the review page's queue, newest first, with filters (reviewer, admin);
 * - GET /reviews/:id: a survey's review and its audit trail (reviewer, admin);
 * - PUT /reviews/:id: a reviewer's decision, checked against what the reviewer saw (409 when
 *   the survey or the review changed since), a repeat of the stored decision is `unchanged`;
 * - GET /reviews: what the phones pull, reviews changed since a time, paged like GET /surveys
 *   (a surveyor gets its own surveys' reviews; a reviewer or admin all of them). A read: pulling
 *   the same page again gives the same answer and changes nothing.
 * A review never changes the phone's record: it sits beside it (server/store/review-store.ts).
 */
import type { FastifyInstance } from 'fastify';
import {
  reviewDecisionSchema,
  type ReviewDetailResponse,
  type ReviewPullResponse,
  type ReviewSaveResponse,
} from '../../src/schema/review';
import { z } from '../../src/schema/zod';
import { ApiError } from '../errors';
import { answerShown } from '../review/survey-truth';
import type { ReviewStore } from '../store/review-store';
import type { SurveyStore } from '../store/survey-store';
import { describeIssues, decodeListCursor, encodeListCursor } from './list-cursor';
import { readsAllReviews, requirePermission } from './permission';
import { reviewQueueRoute } from './review-queue';
import { toReviewEventWire, toReviewWire } from './review-wire';
import { parseSurveyIdParam } from './survey-id';

export const PULL_DEFAULT_LIMIT = 500;
export const PULL_MAX_LIMIT = 1000;

export interface ReviewRoutesOptions {
  surveys: SurveyStore;
  reviews: ReviewStore;
}

const pullQuerySchema = z.object({
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(PULL_MAX_LIMIT).optional(),
  cursor: z.string().max(300).optional(),
});

export async function reviewRoutes(app: FastifyInstance, options: ReviewRoutesOptions) {
  const { surveys, reviews } = options;

  app.get('/reviews', async (request) => {
    const parsed = pullQuerySchema.safeParse(request.query);
    if (!parsed.success) {
      throw new ApiError(
        400,
        'invalid_query',
        'Query parameters: since=ISO 8601 date-time with a time zone, ' +
          `limit=1..${PULL_MAX_LIMIT}, cursor=a nextCursor value. ${describeIssues(parsed.error)}`,
      );
    }
    const { since, limit = PULL_DEFAULT_LIMIT, cursor } = parsed.data;
    const after = cursor === undefined ? null : decodeListCursor(cursor);
    const page = await reviews.listReviewChanges({
      since: since === undefined ? null : Date.parse(since),
      after: after && { changedAt: after.changedAt, surveyId: after.id },
      limit,
      receivedFrom: readsAllReviews(request) ? null : request.deviceName,
    });
    const last = page.reviews.at(-1);
    const response: ReviewPullResponse = {
      reviews: page.reviews.map((r) => toReviewWire(r, r.surveyRevision)),
      nextCursor:
        page.reviews.length === limit && last
          ? encodeListCursor({ changedAt: last.changedAt, id: last.surveyId })
          : null,
      serverTime: new Date(page.readAt).toISOString(),
    };
    return response;
  });

  app.get('/reviews/:id', { onRequest: requirePermission('review:read') }, async (request) => {
    const id = parseSurveyIdParam(request.params);
    const survey = await requireSurvey(surveys, id);
    const [found, events] = await Promise.all([
      reviews.getReviews([id]),
      reviews.listReviewEvents(id),
    ]);
    const review = found.get(id);
    const response: ReviewDetailResponse = {
      review: review ? toReviewWire(review, survey.record.revision ?? 1) : null,
      events: events.map(toReviewEventWire),
    };
    return response;
  });

  app.put('/reviews/:id', { onRequest: requirePermission('review:write') }, async (request) => {
    const id = parseSurveyIdParam(request.params);
    const parsed = reviewDecisionSchema.safeParse(request.body);
    if (!parsed.success) {
      throw new ApiError(
        400,
        'invalid_review',
        `The review is not valid: ${describeIssues(parsed.error)}. Send ` +
          '{"basedOnRevision", "expectedVersion", "accept": true} or {..., "labels": [...], ' +
          '"boxes": [...]}.',
      );
    }
    const decision = parsed.data;
    const survey = await requireSurvey(surveys, id);
    let labels = decision.labels;
    let boxes = decision.boxes;
    if (decision.accept) {
      const shown = answerShown(survey.record);
      if (!shown) {
        throw new ApiError(
          400,
          'invalid_review',
          'There is nothing to accept: the survey has no verdict and no answer from the ' +
            'engineer. Set the labels instead.',
        );
      }
      ({ labels, boxes } = shown);
    }
    const outcome = await reviews.putReview({
      surveyId: id,
      labels,
      boxes,
      accepted: decision.accept,
      reviewer: request.deviceName,
      basedOnRevision: decision.basedOnRevision,
      expectedVersion: decision.expectedVersion,
    });
    switch (outcome.status) {
      case 'survey-not-found':
        throw surveyNotFound(id);
      case 'survey-changed':
        throw new ApiError(
          409,
          'survey_changed',
          `The engineer changed this survey after you opened it (the server holds revision ` +
            `${outcome.surveyRevision}, you reviewed ${decision.basedOnRevision}): nothing was ` +
            'saved. Reload it and review the new version.',
        );
      case 'review-changed':
        throw new ApiError(
          409,
          'review_changed',
          `${outcome.current ? `${outcome.current.reviewer} saved a review` : 'The review changed'} ` +
            'since you opened this survey: nothing was saved. Reload it to see theirs.',
        );
      case 'saved':
      case 'unchanged': {
        const response: ReviewSaveResponse = {
          status: outcome.status,
          review: toReviewWire(outcome.review, survey.record.revision ?? 1),
        };
        return response;
      }
    }
  });

  await app.register(reviewQueueRoute, { surveys, reviews });
}

async function requireSurvey(surveys: SurveyStore, id: string) {
  const stored = await surveys.getSurvey(id);
  if (!stored) throw surveyNotFound(id);
  return stored;
}

function surveyNotFound(id: string): ApiError {
  return new ApiError(404, 'survey_not_found', `The server has no survey ${id}.`);
}
