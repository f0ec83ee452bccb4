/**
 * The segment report road agencies plan repairs from: each road cut into fixed-length sections
 * from its start (default 100 m; the last one shorter), with, per section, how many surveys
 * found each type and the worst severity the engineers gave. Types are counted by name as they
 * come, so a new damage type needs no change here.
 */
import type { Coordinate, Road, RoadNetwork } from './road-network';

export const DEFAULT_SECTION_LENGTH_M = 100;

/** What the report needs of a survey (an ExportRow has it). */
export interface ReportSurvey {
  road: { id: string; chainageM: number } | null;
  found: readonly string[];
  severity: number | null;
}

export interface RoadSection {
  fromM: number;
  toM: number;
  /** Surveys matched to this section. */
  surveys: number;
  /** Surveys per type found (a survey that found two types counts once for each). */
  counts: Record<string, number>;
  /** Highest severity (1-5) among the section's surveys; null when none gave one. */
  worstSeverity: number | null;
}

export interface RoadReport {
  roadId: string;
  roadName: string | null;
  lengthM: number;
  sections: RoadSection[];
}

export interface SegmentReport {
  sectionLengthM: number;
  roads: RoadReport[];
  /** Surveys whose road id is not in the network (matched against another network). */
  unknownRoad: number;
  /** Surveys not matched to any road. */
  unmatched: number;
}

function emptySections(lengthM: number, sectionLengthM: number): RoadSection[] {
  const count = Math.max(1, Math.ceil(lengthM / sectionLengthM - 1e-9));
  return Array.from({ length: count }, (_, i) => ({
    fromM: i * sectionLengthM,
    toM: Math.min(lengthM, (i + 1) * sectionLengthM),
    surveys: 0,
    counts: {},
    worstSeverity: null,
  }));
}

export function segmentReport(
  network: RoadNetwork,
  surveys: Iterable<ReportSurvey>,
  sectionLengthM = DEFAULT_SECTION_LENGTH_M,
): SegmentReport {
  if (!(sectionLengthM > 0))
    throw new RangeError(`The section length must be above 0 m (got ${sectionLengthM}).`);
  const roads = network.roads.map((road) => ({
    roadId: road.id,
    roadName: road.name,
    lengthM: road.lengthM,
    sections: emptySections(road.lengthM, sectionLengthM),
  }));
  const byId = new Map(roads.map((r) => [r.roadId, r]));
  let unknownRoad = 0;
  let unmatched = 0;
  for (const survey of surveys) {
    if (!survey.road) {
      unmatched++;
      continue;
    }
    const report = byId.get(survey.road.id);
    if (!report) {
      unknownRoad++;
      continue;
    }
    const index = Math.min(
      report.sections.length - 1,
      Math.max(0, Math.floor(survey.road.chainageM / sectionLengthM)),
    );
    const section = report.sections[index];
    section.surveys++;
    for (const type of new Set(survey.found))
      section.counts[type] = (section.counts[type] ?? 0) + 1;
    if (
      survey.severity !== null &&
      (section.worstSeverity === null || survey.severity > section.worstSeverity)
    )
      section.worstSeverity = survey.severity;
  }
  return { sectionLengthM, roads, unknownRoad, unmatched };
}

/** The piece of a road between two chainages, as lines of [lon, lat] (one per road part it
 * touches): what the map draws for a coloured section. */
export function roadBetween(road: Road, fromM: number, toM: number): Coordinate[][] {
  const lines: Coordinate[][] = [];
  for (const part of road.parts) {
    const c = part.coordinates;
    const at = part.chainageAt;
    if (at[at.length - 1] < fromM || at[0] > toM) continue;
    const line: Coordinate[] = [];
    for (let v = 0; v + 1 < c.length; v++) {
      const a = at[v];
      const b = at[v + 1];
      if (b < fromM || a > toM) continue;
      const lerp = (m: number): Coordinate => {
        const t = b > a ? (m - a) / (b - a) : 0;
        return [c[v][0] + t * (c[v + 1][0] - c[v][0]), c[v][1] + t * (c[v + 1][1] - c[v][1])];
      };
      if (line.length === 0) line.push(a >= fromM ? c[v] : lerp(fromM));
      line.push(b <= toM ? c[v + 1] : lerp(toM));
    }
    if (line.length >= 2) lines.push(line);
  }
  return lines;
}
