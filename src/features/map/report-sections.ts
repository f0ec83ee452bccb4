/**
 * A segment report as the map and a table show it, for the phone's Map page and the office map
 * alike: each section where surveys were matched becomes a coloured stretch of road, in the
 * colour of the worst thing found there (the marker colours), dashed where nothing but good road
 * was found, so the state does not rest on colour alone; and one table row per such section.
 * Sections without surveys are not drawn: "not surveyed" is not "no damage".
 */
import { chainageText } from '../../geo/chainage-text';
import { GOOD_ROAD, NOT_ROAD } from '../../geo/damage-types';
import type { RoadNetwork } from '../../geo/road-network';
import { roadBetween, type RoadSection, type SegmentReport } from '../../geo/segment-report';
import type { MapSection } from './map-view';
import { clusterKind, markerStyle } from './marker-style';

export { chainageText };

/** The kind a section is drawn as: the highest-ranked type found in it (as for a cluster). */
export function sectionKind(section: RoadSection): string {
  return clusterKind(section.counts);
}

function damageFound(section: RoadSection): boolean {
  return Object.keys(section.counts).some((type) => type !== GOOD_ROAD && type !== NOT_ROAD);
}

/** "pothole 2, crack 1" (types by rank, then name). */
export function countsText(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => markerStyle(b).rank - markerStyle(a).rank || a.localeCompare(b, 'en'))
    .map(([type, n]) => `${markerStyle(type).label.toLowerCase()} ${n}`)
    .join(', ');
}

export interface SegmentRow {
  roadId: string;
  roadName: string | null;
  /** "0+100 – 0+200". */
  chainage: string;
  fromM: number;
  toM: number;
  surveys: number;
  found: string;
  worstSeverity: number | null;
  kind: string;
}

/** The report's surveyed sections, road by road in the network's order. */
export function segmentRows(report: SegmentReport): SegmentRow[] {
  return report.roads.flatMap((road) =>
    road.sections
      .filter((section) => section.surveys > 0)
      .map((section) => ({
        roadId: road.roadId,
        roadName: road.roadName,
        chainage: `${chainageText(section.fromM)} – ${chainageText(section.toM)}`,
        fromM: section.fromM,
        toM: section.toM,
        surveys: section.surveys,
        found: countsText(section.counts),
        worstSeverity: section.worstSeverity,
        kind: sectionKind(section),
      })),
  );
}

/** The surveyed sections as coloured road stretches for <rc-map-view>. */
export function reportSections(network: RoadNetwork, report: SegmentReport): MapSection[] {
  const roads = new Map(network.roads.map((road) => [road.id, road]));
  return report.roads.flatMap((roadReport) => {
    const road = roads.get(roadReport.roadId);
    if (!road) return [];
    return roadReport.sections
      .filter((section) => section.surveys > 0)
      .map((section) => {
        const style = markerStyle(sectionKind(section));
        const name = roadReport.roadName ?? roadReport.roadId;
        const severity =
          section.worstSeverity === null ? '' : `, worst severity ${section.worstSeverity}`;
        return {
          lines: roadBetween(road, section.fromM, section.toM),
          colour: style.colour,
          dashed: !damageFound(section),
          label: `${name} ${chainageText(section.fromM)}–${chainageText(section.toM)}: ${countsText(section.counts)}${severity}`,
        };
      });
  });
}
