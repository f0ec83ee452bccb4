/**
 * A segment report as CSV (RFC 4180, the same field rules as the survey CSV): one line per
 * section of every road, surveyed or not, so an office can sort and filter it in a spreadsheet
 * and see the gaps in a survey too. A count column per known damage type, good road and not a
 * road, and `other_counts` (`type=n;...`) for any type not listed, so no count is lost.
 */
import { GOOD_ROAD, KNOWN_DAMAGE_TYPES, NOT_ROAD } from '../damage-types';
import type { SegmentReport } from '../segment-report';
import { csvField } from './csv';

const COUNTED = [...KNOWN_DAMAGE_TYPES, GOOD_ROAD, NOT_ROAD] as string[];

export const SEGMENT_REPORT_COLUMNS = [
  'road_id',
  'road_name',
  'from_m',
  'to_m',
  'surveys',
  ...COUNTED.map((type) => `n_${type}`),
  'other_counts',
  'worst_severity',
];

export function* segmentReportCsv(report: SegmentReport): Generator<string> {
  yield SEGMENT_REPORT_COLUMNS.join(',') + '\r\n';
  for (const road of report.roads) {
    const lines: string[] = [];
    for (const section of road.sections) {
      const other = Object.entries(section.counts)
        .filter(([type]) => !COUNTED.includes(type))
        .map(([type, n]) => `${type}=${n}`)
        .join(';');
      lines.push(
        [
          road.roadId,
          road.roadName,
          Math.round(section.fromM * 100) / 100,
          Math.round(section.toM * 100) / 100,
          section.surveys,
          ...COUNTED.map((type) => section.counts[type] ?? 0),
          other || null,
          section.worstSeverity,
        ]
          .map(csvField)
          .join(',') + '\r\n',
      );
    }
    yield lines.join('');
  }
}
