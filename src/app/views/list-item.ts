/** A saved survey as one line of the list. */
import type { SurveyListItem } from '../../components/rc-survey-list';
import { listAnswerText } from '../../features/correction/shared/correction-text';
import type { SurveyRecord } from '../../store/survey-record';
import type { SyncFailure } from '../../sync/errors';
import { verdictProbability } from '../../ui/verdict-probability';
import { damageHeadline } from './damage-view';
import { failureLabel } from './sync-text';

export function listItem(
  record: SurveyRecord,
  thumbnailUrl: string,
  failure: SyncFailure | undefined,
): SurveyListItem {
  const damage = record.damage;
  return {
    id: record.id,
    createdAt: record.createdAt,
    verdictKey: record.verdictKey,
    // A road-damage survey names its types; its probabilities are in the detail view.
    ...(damage ? { title: damageHeadline(damage).title } : {}),
    probability: damage ? null : verdictProbability(record.verdict),
    lowConfidence: record.verdict?.lowConfidence ?? false,
    syncState: record.sync.state,
    syncProblem: failureLabel(failure),
    severity: record.severity,
    hasPosition: !!record.position,
    notes: record.notes,
    ...(record.correction ? { answer: listAnswerText(record.correction) } : {}),
    thumbnailUrl,
  };
}
