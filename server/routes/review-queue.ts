/**
 * GET /review/surveys: the review page's list, newest upload first, each survey with what the
 * model found, the engineer's answer, the office's review and what a data set would take.
 * Filters (all optional): status=not-reviewed|reviewed|stale, disagreement=true (the engineer
 * said Wrong), label=NAME (anyone's labels), device=NAME, from / to (the survey's createdAt).
 * A page looks through at most SCAN_LIMIT surveys to find `limit` matches, so a rare filter
 * answers quickly with fewer items and a nextCursor to go on from.
 */
import type { FastifyInstance } from 'fastify';
import type { ReviewQueueItem, ReviewQueueResponse } from '../../src/schema/review';
import { z } from '../../src/schema/zod';
import { ApiError } from '../errors';
import {
  disagreement,
  engineerAnswer,
  modelLabels,
  reviewStatus,
  surveyTruth,
} from '../review/survey-truth';
import type { ReviewStore } from '../store/review-store';
import type { SurveyStore } from '../store/survey-store';
import { describeIssues } from './list-cursor';
import { requirePermission } from './permission';
import { toReviewWire } from './review-wire';

export const QUEUE_MAX_LIMIT = 100;
const SCAN_LIMIT = 500;

const queueQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(QUEUE_MAX_LIMIT).optional(),
  cursor: z.string().max(300).optional(),
  status: z.enum(['not-reviewed', 'reviewed', 'stale']).optional(),
  disagreement: z.enum(['true', 'false']).optional(),
  label: z.string().max(40).optional(),
  device: z.string().max(64).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
type QueueQuery = z.infer<typeof queueQuerySchema>;

export async function reviewQueueRoute(
  app: FastifyInstance,
  options: { surveys: SurveyStore; reviews: ReviewStore },
) {
  app.get('/review/surveys', { onRequest: requirePermission('review:read') }, async (request) => {
    const parsed = queueQuerySchema.safeParse(request.query);
    if (!parsed.success) {
      throw new ApiError(
        400,
        'invalid_query',
        `Query parameters: limit=1..${QUEUE_MAX_LIMIT}, cursor, status=not-reviewed|reviewed|` +
          'stale, disagreement=true|false, label, device, from / to (ISO 8601 with a time ' +
          `zone). ${describeIssues(parsed.error)}`,
      );
    }
    const query = parsed.data;
    const limit = query.limit ?? 50;
    let before = query.cursor === undefined ? null : decodeQueueCursor(query.cursor);
    const items: ReviewQueueItem[] = [];
    let scanned = 0;
    let exhausted = false;
    while (items.length < limit && scanned < SCAN_LIMIT) {
      const requested = Math.min(100, SCAN_LIMIT - scanned);
      const batch = await options.surveys.listSurveysByReceived(before, requested);
      if (batch.length === 0) {
        exhausted = true;
        break;
      }
      const found = await options.reviews.getReviews(batch.map((s) => s.id));
      for (const stored of batch) {
        scanned++;
        before = { receivedAt: stored.receivedAt, id: stored.id };
        const revision = stored.record.revision ?? 1;
        const review = found.get(stored.id) ?? null;
        const engineer = engineerAnswer(stored.record);
        const item: ReviewQueueItem = {
          id: stored.id,
          revision,
          receivedAt: new Date(stored.receivedAt).toISOString(),
          device: stored.receivedFrom,
          photo: { present: stored.photo.storedAt !== null },
          survey: stored.record,
          modelLabels: modelLabels(stored.record),
          engineerLabels: engineer ? engineer.labels : null,
          disagreement: disagreement(stored.record),
          review: review ? toReviewWire(review, revision) : null,
          status: reviewStatus(review, revision),
          truth: surveyTruth(stored.record, stored.receivedFrom, review),
        };
        if (matches(item, query)) items.push(item);
        if (items.length === limit) break;
      }
      if (batch.length < requested && items.length < limit) {
        exhausted = true;
        break;
      }
    }
    const response: ReviewQueueResponse = {
      items,
      nextCursor: exhausted || before === null ? null : encodeQueueCursor(before),
      scanned,
    };
    return response;
  });
}

function matches(item: ReviewQueueItem, query: QueueQuery): boolean {
  if (query.status !== undefined && item.status !== query.status) return false;
  if (query.disagreement !== undefined && item.disagreement !== (query.disagreement === 'true')) {
    return false;
  }
  if (query.device !== undefined && item.device !== query.device) return false;
  const created = Date.parse(item.survey.createdAt);
  if (query.from !== undefined && created < Date.parse(query.from)) return false;
  if (query.to !== undefined && created > Date.parse(query.to)) return false;
  if (query.label !== undefined) {
    const all = [
      ...item.modelLabels,
      ...(item.engineerLabels ?? []),
      ...(item.review?.labels ?? []),
    ];
    if (!all.includes(query.label)) return false;
  }
  return true;
}

function encodeQueueCursor(at: { receivedAt: number; id: string }): string {
  return Buffer.from(JSON.stringify([at.receivedAt, at.id])).toString('base64url');
}

function decodeQueueCursor(text: string): { receivedAt: number; id: string } {
  try {
    const [receivedAt, id] = JSON.parse(
      Buffer.from(text, 'base64url').toString('utf8'),
    ) as unknown[];
    if (Number.isSafeInteger(receivedAt) && typeof id === 'string' && id.length <= 100) {
      return { receivedAt: receivedAt as number, id };
    }
  } catch {
    // Falls through to the error below.
  }
  throw new ApiError(400, 'invalid_query', 'The cursor is not one this server gave out.');
}
