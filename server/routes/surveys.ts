/**
 * Survey records: POST /surveys (a batch, idempotent), GET /surveys (what the server holds),
 * GET /surveys/:id (one record, e.g. to show a conflict to the engineer), POST /surveys/check
 * (which of a phone's synced surveys the server lacks, e.g. after a restore from a backup).
 */
import type { FastifyInstance } from 'fastify';
import { z } from '../../src/schema/zod';
import {
  MAX_SURVEYS_PER_BATCH,
  surveyRecordSchema,
  type SurveyBatchResponse,
  type SurveyCheckItem,
  type SurveyCheckResponse,
  type SurveyCheckResult,
  type SurveyDetailResponse,
  type SurveyListResponse,
  type SurveyRecordWire,
  type SurveyServerState,
} from '../../src/schema/survey';
import { ApiError } from '../errors';
import type { StoredSurvey, SurveyHolding, SurveyStore } from '../store/survey-store';
import {
  decodeListCursor as decodeCursor,
  describeIssues,
  encodeListCursor as encodeCursor,
} from './list-cursor';
import { requirePermission } from './permission';
import { storeBatch, type RecordBatch } from './record-batch';
import { CHECK_ROUTE_OPTIONS, checkAnswers, idsToLookUp, parseCheckItems } from './record-check';
import { parseSurveyIdParam } from './survey-id';

/**
 * A record is at most ~60 kB of JSON (a 64x64 CAM grid in base64 is 22 kB, notes up to 5,000
 * characters of up to 4 UTF-8 bytes each, the rest is small); 100 of them fit in 8 MB.
 */
export const SURVEY_BATCH_BODY_LIMIT = 8 * 1024 * 1024;
export const LIST_DEFAULT_LIMIT = 500;
export const LIST_MAX_LIMIT = 1000;

export interface SurveyRoutesOptions {
  surveys: SurveyStore;
}

const listQuerySchema = z.object({
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(LIST_MAX_LIMIT).optional(),
  cursor: z.string().max(300).optional(),
});

/** POST /surveys: a batch of survey records (record-batch.ts). */
const SURVEY_BATCH: RecordBatch<SurveyRecordWire> = {
  list: 'surveys',
  item: 'record',
  max: MAX_SURVEYS_PER_BATCH,
  schema: surveyRecordSchema,
  describeSize: (count) =>
    count === 0
      ? `The batch is empty: send 1 to ${MAX_SURVEYS_PER_BATCH} surveys.`
      : `A batch holds at most ${MAX_SURVEYS_PER_BATCH} surveys; this one has ${count}. Split it.`,
  describeInvalid: describeIssues,
  describeConflict: (survey, conflict) => {
    const why =
      conflict.why === 'immutable-changed'
        ? `its ${conflict.fields.join(', ')} differ from the stored survey's, and they never change`
        : `the server holds revision ${conflict.storedRevision} with other content, and this ` +
          `upload is revision ${survey.revision} (an edit must raise the revision)`;
    return (
      `The server already holds a different version of this survey (${why}); it was not ` +
      `changed. GET /api/v1/surveys/${survey.id} shows it.`
    );
  },
};

export async function surveyRoutes(app: FastifyInstance, options: SurveyRoutesOptions) {
  const { surveys } = options;

  app.post(
    '/surveys',
    { bodyLimit: SURVEY_BATCH_BODY_LIMIT, onRequest: requirePermission('survey:write') },
    async (request) => {
      const results = await storeBatch(request.body, SURVEY_BATCH, (prepared) =>
        surveys.putSurveys(prepared, request.deviceName),
      );
      const response: SurveyBatchResponse = { results };
      return response;
    },
  );

  app.post('/surveys/check', CHECK_ROUTE_OPTIONS, async (request) => {
    const items = parseCheckItems(request.body, 'surveys');
    const holdings = await surveys.findHoldings(idsToLookUp(items));
    const response: SurveyCheckResponse = { results: checkResults(items, holdings) };
    return response;
  });

  app.get('/surveys', async (request) => {
    const parsed = listQuerySchema.safeParse(request.query);
    if (!parsed.success) {
      throw new ApiError(
        400,
        'invalid_query',
        'Query parameters: since=ISO 8601 date-time with a time zone (e.g. ' +
          `2026-11-26T08:00:00Z), limit=1..${LIST_MAX_LIMIT}, cursor=a nextCursor value. ` +
          describeIssues(parsed.error),
      );
    }
    const { since, limit = LIST_DEFAULT_LIMIT, cursor } = parsed.data;
    const { surveys: page, readAt } = await surveys.listSurveys({
      since: since === undefined ? null : Date.parse(since),
      after: cursor === undefined ? null : decodeCursor(cursor),
      limit,
    });
    const last = page.at(-1);
    const response: SurveyListResponse = {
      surveys: page.map(toServerState),
      nextCursor:
        page.length === limit && last
          ? encodeCursor({ changedAt: last.changedAt, id: last.id })
          : null,
      serverTime: new Date(readAt).toISOString(),
    };
    return response;
  });

  app.get('/surveys/:id', async (request) => {
    const id = parseSurveyIdParam(request.params);
    const stored = await surveys.getSurvey(id);
    if (!stored) {
      throw new ApiError(404, 'survey_not_found', `The server has no survey ${id}.`);
    }
    const response: SurveyDetailResponse = { ...toServerState(stored), survey: stored.record };
    return response;
  });
}

export function toServerState(stored: StoredSurvey): SurveyServerState {
  return {
    id: stored.id,
    revision: stored.record.revision ?? 1,
    createdAt: stored.record.createdAt,
    updatedAt: stored.record.updatedAt,
    receivedAt: new Date(stored.receivedAt).toISOString(),
    changedAt: new Date(stored.changedAt).toISOString(),
    contentSha256: stored.contentSha256,
    photo: {
      sha256: stored.photo.sha256,
      bytes: stored.photo.bytes,
      present: stored.photo.storedAt !== null,
      storedAt:
        stored.photo.storedAt === null ? null : new Date(stored.photo.storedAt).toISOString(),
    },
  };
}

/** One answer per asked item, in order: held at that revision or higher, and the photo. */
function checkResults(
  items: readonly SurveyCheckItem[],
  holdings: readonly SurveyHolding[],
): SurveyCheckResult[] {
  return checkAnswers(items, holdings, (held) => ({ photoPresent: held?.photoStored ?? false }));
}
