/**
 * What POST /surveys/check and POST /runs/check share: a phone asks which of the records it
 * marked synced the server holds (e.g. after a restore from a backup), as
 * `{"<list>": [{"id", "revision"}, ...]}`, and gets one answer per item, in order.
 */
import { z } from '../../src/schema/zod';
import {
  MAX_SURVEYS_PER_CHECK,
  surveyCheckItemSchema,
  type RecordCheckResult,
  type SurveyCheckItem,
} from '../../src/schema/survey';
import { ApiError } from '../errors';
import type { RecordHolding } from '../store/survey-store';
import { describeIssues } from './list-cursor';
import { requirePermission } from './permission';

/** 1000 items of at most ~75 bytes each (id, revision, JSON punctuation), with room to spare. */
export const RECORD_CHECK_BODY_LIMIT = 256 * 1024;

/**
 * Both checks' route options. A read, but a phone's own question about what it uploaded: the
 * surveyor's permission.
 */
export const CHECK_ROUTE_OPTIONS = {
  bodyLimit: RECORD_CHECK_BODY_LIMIT,
  onRequest: requirePermission('survey:write'),
};

/** The list's key in the body, which is also the records' name in the messages. */
export type CheckedList = 'surveys' | 'runs';

const itemsSchema = z.array(surveyCheckItemSchema);

/**
 * The check's body: `{"<list>": [{"id", "revision"}, ...]}` with 1 to MAX_SURVEYS_PER_CHECK
 * items. Unlike an upload, one bad item refuses the whole request: only a broken client sends
 * one, and nothing is stored either way.
 */
export function parseCheckItems(body: unknown, list: CheckedList): SurveyCheckItem[] {
  const items = (body as Record<string, unknown> | null | undefined)?.[list];
  if (!Array.isArray(items) || items.length === 0) {
    throw new ApiError(
      400,
      'invalid_batch',
      `The body must be JSON: {"${list}": [{"id": ..., "revision": ...}, ...]} with 1 to ` +
        `${MAX_SURVEYS_PER_CHECK} ${list}.`,
    );
  }
  if (items.length > MAX_SURVEYS_PER_CHECK) {
    throw new ApiError(
      413,
      'batch_too_large',
      `A check holds at most ${MAX_SURVEYS_PER_CHECK} ${list}; this one has ${items.length}. ` +
        'Split it.',
    );
  }
  const parsed = itemsSchema.safeParse(items);
  if (!parsed.success) {
    // Where, as in the body: "surveys.3.revision".
    for (const issue of parsed.error.issues) issue.path.unshift(list);
    const one = list === 'surveys' ? 'survey' : 'run';
    throw new ApiError(
      400,
      'invalid_batch',
      `Each ${one} to check is {"id": a lowercase UUID v4, "revision": an integer of 1 or more}. ` +
        describeIssues(parsed.error),
    );
  }
  return parsed.data;
}

/** The ids to look up: an id asked twice is read once. */
export function idsToLookUp(items: readonly SurveyCheckItem[]): string[] {
  return [...new Set(items.map((i) => i.id))];
}

/**
 * One answer per asked item, in order: held at that revision or higher, plus what `more` adds
 * from the holding (undefined when the server lacks the record).
 */
export function checkAnswers<H extends RecordHolding, More extends object>(
  items: readonly SurveyCheckItem[],
  holdings: readonly H[],
  more: (holding: H | undefined) => More,
): (RecordCheckResult & More)[] {
  const byId = new Map(holdings.map((h) => [h.id, h]));
  return items.map(({ id, revision }) => {
    const holding = byId.get(id);
    return {
      id,
      held: holding !== undefined && holding.revision >= revision,
      serverRevision: holding?.revision ?? null,
      ...more(holding),
    };
  });
}
