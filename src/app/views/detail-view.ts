/** A saved survey as the detail view shows it. */
import type { SurveyDetailView, SyncConflictView } from '../../components/rc-survey-detail';
import type { RoadMatch } from '../../geo/road-matcher';
import { answerText } from '../../features/correction/shared/correction-text';
import type { EarlierAnalysis } from '../../schema/survey';
import type { SurveyRecord } from '../../store/survey-record';
import { VERDICT_TITLES } from '../../ui/survey-filters';
import { officeCorrectionText } from './office-text';
import { damageHeadline, heatmapChoices, typeLines, typeTitle } from './damage-view';
import { positionText } from './position-text';
import { roadText } from './road-text';

/** The saved heatmaps' types, found ones first, then by probability. */
export function savedHeatmapTypes(record: SurveyRecord): string[] {
  const d = record.damage;
  if (!d?.cams) return [];
  const p = (t: string) => d.probabilities[t] ?? 0;
  return Object.keys(d.cams).sort(
    (a, b) => Number(d.found.includes(b)) - Number(d.found.includes(a)) || p(b) - p(a),
  );
}

function damageDetail(record: SurveyRecord): SurveyDetailView['damage'] {
  const d = record.damage;
  if (!d) return null;
  const headline = damageHeadline(d);
  const kept = d.outcome === 'not-a-road' && d.notRoad?.kept;
  return {
    headline: kept ? { ...headline, detail: `${headline.detail} Kept anyway.` } : headline,
    toggles: heatmapChoices(
      savedHeatmapTypes(record).map((type) => ({
        type,
        probability: d.probabilities[type] ?? 0,
        found: d.found.includes(type),
      })),
    ),
    lines: typeLines(d),
  };
}

/**
 * What an earlier model said of the photo, kept when a newer one analysed it again (model
 * roll-out): "roadcam-pothole 1.0.0: Pothole (until 2026-12-03)".
 */
export function earlierAnalysisText(e: EarlierAnalysis): string {
  const model = e.model ? `${e.model.id} ${e.model.version}` : 'An earlier model';
  const said = e.typesFound.length
    ? e.typesFound.map(typeTitle).join(', ')
    : e.verdict
      ? VERDICT_TITLES[e.verdict.label]
      : 'no verdict';
  return `${model}: ${said} (until ${e.replacedAt.slice(0, 10)})`;
}

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
    answerText: answerText(record.correction),
    officeCorrection: officeCorrectionText(record),
    damage: damageDetail(record),
    // Newest first, as the engineer reads back in time.
    earlierAnalyses: [...(record.earlierAnalyses ?? [])].reverse().map(earlierAnalysisText),
  };
}
