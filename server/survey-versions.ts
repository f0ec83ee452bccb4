/**
 * How the server answers a record whose id it already holds: a replay (`unchanged`), a newer
 * revision of the same survey (`updated`), or another version (`conflict`). Pure, so every
 * storage implementation decides the same way inside its own transaction. See docs/SYNC.md.
 */
import { IMMUTABLE_SURVEY_FIELDS, type SurveyRecordWire } from '../src/schema/survey';
import { canonicalJson } from './canonical-json';

export type ExistingSurveyDecision =
  | { status: 'unchanged' }
  | { status: 'updated' }
  | {
      status: 'conflict';
      /** 'stale-revision': same or lower revision with other content; 'immutable-changed': id,
       * createdAt or photo differ from what is stored (never allowed, whatever the revision). */
      why: 'stale-revision' | 'immutable-changed';
      storedRevision: number;
      /** With 'immutable-changed': which fields. */
      fields: string[];
    };

/**
 * `stored` is the record as stored (canonical JSON and its parsed form), `incoming` the
 * validated upload with its canonical JSON. Records stored before revisions existed count as
 * revision 1 (the schema's default; the SQLite migration writes it in).
 */
export function decideExistingSurvey(
  stored: { record: SurveyRecordWire; canonicalJson: string },
  incoming: { record: SurveyRecordWire; canonicalJson: string },
): ExistingSurveyDecision {
  return decideExistingVersion(stored, incoming, IMMUTABLE_SURVEY_FIELDS);
}

/** The same rules for any record type with an id, a revision and fields that never change
 * (runs: id and startedAt). */
export function decideExistingVersion<R extends { revision?: number }>(
  stored: { record: R; canonicalJson: string },
  incoming: { record: R; canonicalJson: string },
  immutableFields: readonly (keyof R & string)[],
): ExistingSurveyDecision {
  if (stored.canonicalJson === incoming.canonicalJson) return { status: 'unchanged' };
  const storedRevision = stored.record.revision ?? 1;
  const fields = immutableFields.filter(
    (field) => canonicalJson(stored.record[field]) !== canonicalJson(incoming.record[field]),
  );
  if (fields.length > 0) {
    return { status: 'conflict', why: 'immutable-changed', storedRevision, fields };
  }
  if ((incoming.record.revision ?? 1) > storedRevision) return { status: 'updated' };
  return { status: 'conflict', why: 'stale-revision', storedRevision, fields: [] };
}
