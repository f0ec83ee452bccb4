/**
 * Decides a whole batch against what the store holds, the same way on every database: each
 * record's outcome, in order (a repeated id in the batch is decided against the earlier one),
 * and the final content to write per id. The store reads (and locks) the stored versions,
 * calls this, then writes `writes` in the same transaction.
 */
import type { SurveyRecordWire } from '../../src/schema/survey';
import { decideExistingSurvey } from '../survey-versions';
import type { PreparedSurvey, PutSurveyOutcome } from './survey-store';

export interface StoredVersion {
  record: SurveyRecordWire;
  canonicalJson: string;
}

export interface SurveyBatchPlan {
  outcomes: PutSurveyOutcome[];
  /** Final content per id that changed; `created` true when the store held no such id. */
  writes: Map<string, { survey: PreparedSurvey; created: boolean }>;
}

export function planSurveyBatch(
  surveys: readonly PreparedSurvey[],
  stored: ReadonlyMap<string, StoredVersion>,
): SurveyBatchPlan {
  const current = new Map(stored);
  const writes: SurveyBatchPlan['writes'] = new Map();
  const outcomes = surveys.map((survey): PutSurveyOutcome => {
    const existing = current.get(survey.id);
    if (!existing) {
      current.set(survey.id, survey);
      writes.set(survey.id, { survey, created: true });
      return { status: 'created' };
    }
    const decision = decideExistingSurvey(existing, survey);
    if (decision.status === 'updated') {
      current.set(survey.id, survey);
      writes.set(survey.id, { survey, created: writes.get(survey.id)?.created ?? false });
    }
    return decision;
  });
  return { outcomes, writes };
}

/** A stored row's record_json (canonical JSON) as the plan compares it. */
export function storedVersion(recordJson: string): StoredVersion {
  return { record: JSON.parse(recordJson) as SurveyRecordWire, canonicalJson: recordJson };
}
