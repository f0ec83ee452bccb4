/**
 * Saved surveys as the Map page shows them: a marker for each survey with a position (its kind
 * from the verdict, by the same mapping the exports use), and what the segment report needs of
 * each survey once a road network is loaded.
 */
import { verdictColumns } from '../../geo/export-row';
import { markerKind, type MapMarker } from '../../geo/markers';
import type { RoadMatcher } from '../../geo/road-matcher';
import type { ReportSurvey } from '../../geo/segment-report';
import type { SurveyRecord } from '../../store/survey-record';

type Mapped = Pick<SurveyRecord, 'id' | 'position' | 'verdict' | 'damage' | 'severity'>;

export function surveyMarker(record: Mapped): MapMarker | null {
  if (!record.position) return null;
  return {
    id: record.id,
    lat: record.position.lat,
    lon: record.position.lon,
    kind: markerKind(verdictColumns(record)),
  };
}

export function surveyMarkers(records: readonly Mapped[]): MapMarker[] {
  return records.map(surveyMarker).filter((m): m is MapMarker => m !== null);
}

/** Each survey matched to the nearest road (within the matcher's distance), for the report. */
export function reportSurveys(records: readonly Mapped[], matcher: RoadMatcher): ReportSurvey[] {
  return records.map((record) => {
    const match = record.position
      ? matcher.match({ lon: record.position.lon, lat: record.position.lat })
      : null;
    return {
      road: match ? { id: match.road.id, chainageM: match.chainageM } : null,
      found: verdictColumns(record).found,
      severity: record.severity,
    };
  });
}
