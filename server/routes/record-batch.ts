/**
 * What POST /surveys and POST /runs share: a phone uploads `{"<list>": [record, ...]}`, each
 * record is checked on its own (an invalid one is answered, the others are still stored), the
 * valid ones go to the store in one call, and the answer holds one result per record, in order.
 * Each route keeps its own words (clients show them and docs/SYNC.md quotes them).
 */
import type { SurveyUploadResult } from '../../src/schema/survey';
import type { z } from '../../src/schema/zod';
import { canonicalJson, sha256Hex } from '../canonical-json';
import { ApiError } from '../errors';
import type { PutSurveyOutcome } from '../store/survey-store';

/** A validated record with its canonical JSON and that text's SHA-256: what the stores take. */
export interface PreparedRecord<R> {
  id: string;
  record: R;
  canonicalJson: string;
  contentSha256: string;
}

export type StoredConflict = Extract<PutSurveyOutcome, { status: 'conflict' }>;

/** One upload route's list, limit, schema and words. */
export interface RecordBatch<R extends { id: string }> {
  /** The list's key in the body. */
  list: 'surveys' | 'runs';
  /** What an item is called in the body's shape: `{"runs": [run, ...]}`. */
  item: string;
  max: number;
  schema: z.ZodType<R>;
  /** The message for a batch of 0 or more than `max` records. */
  describeSize: (count: number) => string;
  /** An invalid record's reason. */
  describeInvalid: (error: z.ZodError) => string;
  /** Why a record was not stored: the server keeps another version. */
  describeConflict: (record: R, conflict: StoredConflict) => string;
}

/**
 * Answers an upload: 400 `invalid_batch` for a body that is not the list or an empty one,
 * 413 `batch_too_large` beyond `max` (nothing stored either way); otherwise one result per
 * record, `put` storing the valid ones.
 */
export async function storeBatch<R extends { id: string }>(
  body: unknown,
  batch: RecordBatch<R>,
  put: (records: PreparedRecord<R>[]) => Promise<PutSurveyOutcome[]>,
): Promise<SurveyUploadResult[]> {
  const records = batchRecords(body, batch);
  const results: SurveyUploadResult[] = new Array(records.length);
  const valid: { index: number; prepared: PreparedRecord<R> }[] = [];
  records.forEach((raw, index) => {
    const parsed = batch.schema.safeParse(raw);
    if (!parsed.success) {
      results[index] = {
        id: echoedId(raw),
        status: 'invalid',
        reason: batch.describeInvalid(parsed.error),
      };
      return;
    }
    const canonical = canonicalJson(parsed.data);
    valid.push({
      index,
      prepared: {
        id: parsed.data.id,
        record: parsed.data,
        canonicalJson: canonical,
        contentSha256: sha256Hex(canonical),
      },
    });
  });
  if (valid.length === 0) return results;

  const outcomes = await put(valid.map((v) => v.prepared));
  valid.forEach(({ index, prepared: { id, record } }, i) => {
    const outcome = outcomes[i];
    results[index] =
      outcome.status === 'conflict'
        ? {
            id,
            status: 'conflict',
            reason: batch.describeConflict(record, outcome),
            serverRevision: outcome.storedRevision,
          }
        : { id, status: outcome.status };
  });
  return results;
}

function batchRecords(
  body: unknown,
  batch: Pick<RecordBatch<{ id: string }>, 'list' | 'item' | 'max' | 'describeSize'>,
): unknown[] {
  const records =
    typeof body === 'object' && body !== null
      ? (body as Record<string, unknown>)[batch.list]
      : undefined;
  if (!Array.isArray(records)) {
    throw new ApiError(
      400,
      'invalid_batch',
      `The body must be JSON: {"${batch.list}": [${batch.item}, ...]}.`,
    );
  }
  if (records.length === 0) {
    throw new ApiError(400, 'invalid_batch', batch.describeSize(0));
  }
  if (records.length > batch.max) {
    throw new ApiError(413, 'batch_too_large', batch.describeSize(records.length));
  }
  return records;
}

/** An invalid record's id as sent, cut short, so the phone can tell which one it was. */
function echoedId(raw: unknown): string | null {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id.slice(0, 100) : null;
}
