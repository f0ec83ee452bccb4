/** A saved survey as the detail view shows it. */
import type { SurveyDetailView, SyncConflictView } from '../../components/rc-survey-detail';
import type { RoadMatch } from '../../geo/road-matcher';
import type { SurveyRecord } from '../../store/survey-record';
import { officeCorrectionText } from './office-text';
import { positionText } from './position-text';
import { roadText } from './road-text';

/**
 * `conflict` is shown only while the survey's sync failed; `pendingNotes` (typed, not saved
 * yet) win over the saved notes, so that a re-read record never wipes what is being typed.
 */
export function detailView(
  record: SurveyRecord,
  conflict: SyncConflictView | null,
  pendingNotes: string | null,
  road: RoadMatch | null = null,
): SurveyDetailView {
  return {
    id: record.id,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    verdict: record.verdict,
    analysisError: record.analysisError,
    // The road and chainage, once a road network is loaded, on the position's line.
    positionText: road ? `${positionText(record)}. ${roadText(road)}` : positionText(record),
    modelText: record.model
      ? `${record.model.id} ${record.model.version}`
      : 'none (not analysed yet)',
    syncState: record.sync.state,
    syncReason: record.sync.reason,
    revision: record.revision,
    conflict: record.sync.state === 'failed' ? conflict : null,
    notes: pendingNotes ?? record.notes,
    severity: record.severity,
    officeCorrection: officeCorrectionText(record),
  };
}
