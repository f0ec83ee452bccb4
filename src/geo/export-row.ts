/**
 * One survey as every export writes it (GeoJSON, CSV, KML, GeoPackage), on the phone and on the
 * server. The verdict is a list of types found and each type's probability, so new damage types
 * flow through without a code change. `exportRowFromSurvey` maps both forms of the survey
 * record: a road-damage model's (`damage`: every type's probability, the types found, the
 * not-a-road score) and the pothole model's (verdict pothole|normal with a pothole probability).
 */
import type { SurveyRecordWire } from '../schema/survey';
import { GOOD_ROAD, NOT_ROAD } from './damage-types';
import type { RoadMatch } from './road-matcher';

export interface TypeProbability {
  type: string;
  probability: number;
}

export interface ExportRoad {
  id: string;
  name: string | null;
  /** Metres from the road's start. */
  chainageM: number;
  /** Metres from the survey's position to the road. */
  distanceM: number;
}

export interface ExportRow {
  id: string;
  /** When the survey was taken, ISO 8601. */
  time: string;
  lat: number | null;
  lon: number | null;
  accuracyM: number | null;
  positionSource: 'gps' | 'exif' | null;
  /**
   * Types the model found: damage types, or `good_road`, or `not_road`; empty before analysis
   * and when a road-damage model was not sure (low_confidence says so).
   */
  found: string[];
  /** Each type's probability (0..1) as the model gave it. */
  probabilities: TypeProbability[];
  /**
   * How far the photo is from looking like a road (a squared Mahalanobis distance of its
   * features; above the model's threshold it is not a road); null from models without the check.
   */
  notRoadScore: number | null;
  /** Whether the engineer kept a photo the model called not a road; null when not asked. */
  notRoadKept: boolean | null;
  /** True when the model was not sure. */
  lowConfidence: boolean | null;
  /** The engineer's severity, 1 (minor) to 5 (severe). */
  severity: number | null;
  notes: string;
  /** The model as id@version. */
  model: string | null;
  road: ExportRoad | null;
  /** The drive run that made the survey (issue 13); absent for a survey taken by hand. */
  runId?: string | null;
  photoUrl: string | null;
  /** When the sync server first stored the survey, ISO 8601 (server exports only). */
  receivedAt?: string | null;
}

export interface SurveyRowOptions {
  /** The photo's link (the server makes it from its public URL; the phone may leave it null). */
  photoUrl?: string | null;
  /** The road the survey was matched to (RoadMatcher.match). */
  road?: RoadMatch | null;
  /** When the server first stored it (the server's exports). */
  receivedAt?: string | null;
}

/** What the verdict columns read of a record, stored (heatmaps as floats) or on the wire. */
export interface VerdictSource {
  verdict: SurveyRecordWire['verdict'];
  damage?: Omit<NonNullable<SurveyRecordWire['damage']>, 'cams'>;
}

/**
 * The verdict columns: from `damage` when the record has it, else from the pothole verdict. The
 * one mapping the exports, the map markers and the segment report share.
 */
export function verdictColumns(
  record: VerdictSource,
): Pick<ExportRow, 'found' | 'probabilities' | 'notRoadScore' | 'notRoadKept' | 'lowConfidence'> {
  const { verdict, damage } = record;
  if (damage) {
    const found =
      damage.outcome === 'not-a-road'
        ? [NOT_ROAD]
        : damage.found.length
          ? [...damage.found]
          : damage.outcome === 'good-road'
            ? [GOOD_ROAD]
            : [];
    return {
      found,
      probabilities: Object.entries(damage.probabilities).map(([type, probability]) => ({
        type,
        probability,
      })),
      notRoadScore: damage.notRoad?.score ?? null,
      notRoadKept: damage.notRoad?.kept ?? null,
      lowConfidence: damage.outcome === 'not-sure',
    };
  }
  return {
    found: verdict ? [verdict.label === 'pothole' ? 'pothole' : GOOD_ROAD] : [],
    probabilities: verdict ? [{ type: 'pothole', probability: verdict.potholeProbability }] : [],
    notRoadScore: null,
    notRoadKept: null,
    lowConfidence: verdict?.lowConfidence ?? null,
  };
}

/** What an export row reads of a survey: the record on the wire, or as the phone stores it. */
export type ExportableSurvey = Pick<
  SurveyRecordWire,
  'id' | 'createdAt' | 'position' | 'severity' | 'notes' | 'model' | 'runId'
> &
  VerdictSource;

/** A survey record as an export row. */
export function exportRowFromSurvey(
  record: ExportableSurvey,
  options: SurveyRowOptions = {},
): ExportRow {
  const { position, model } = record;
  const road = options.road ?? null;
  return {
    id: record.id,
    time: record.createdAt,
    lat: position?.lat ?? null,
    lon: position?.lon ?? null,
    accuracyM: position?.accuracyM ?? null,
    positionSource: position?.source ?? null,
    ...verdictColumns(record),
    severity: record.severity,
    notes: record.notes,
    model: model ? `${model.id}@${model.version}` : null,
    road: road
      ? {
          id: road.road.id,
          name: road.road.name,
          chainageM: road.chainageM,
          distanceM: road.distanceM,
        }
      : null,
    ...(record.runId ? { runId: record.runId } : {}),
    photoUrl: options.photoUrl ?? null,
    ...(options.receivedAt !== undefined ? { receivedAt: options.receivedAt } : {}),
  };
}
