/**
 * The pure parts of the map pages: a segment report as map sections and table rows, chainage
 * as road agencies write it, surveys as markers and as report entries, the segment report as
 * CSV (read back with csv-parse), and the office's reading of the server's GeoJSON export.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { surveyMarker, reportSurveys } from '../../../src/app/views/map-markers';
import { roadText } from '../../../src/app/views/road-text';
import {
  chainageText,
  countsText,
  reportSections,
  segmentRows,
} from '../../../src/features/map/report-sections';
import { geoJsonChunks } from '../../../src/geo/export';
import { segmentReportCsv } from '../../../src/geo/export/segment-report-csv';
import { RoadMatcher } from '../../../src/geo/road-matcher';
import { parseRoadNetwork } from '../../../src/geo/road-network';
import { segmentReport } from '../../../src/geo/segment-report';
import { rowFromFeature } from '../../../src/office/views/office-rows';
import { TRICKY_ROWS } from '../../geo/export-rows';
import { collection, geodesicMetres, lineFeature, offset } from '../../geo/helpers';

const start = { lat: -1.3, lon: 36.8 };
const end = offset(start.lat, start.lon, 90, 450);
const network = parseRoadNetwork(
  collection([
    lineFeature('A104', 'Mombasa Road', [
      [start.lon, start.lat],
      [end.lon, end.lat],
    ]),
  ]),
);
const matcher = new RoadMatcher(network);

/** A survey record 5 m north of the road at a chainage. */
function survey(
  id: string,
  chainage: number,
  label: 'pothole' | 'normal' | null,
  severity: 1 | 2 | 3 | 4 | 5 | null,
) {
  const foot = offset(start.lat, start.lon, 90, chainage);
  const at = offset(foot.lat, foot.lon, 0, 5);
  return {
    id,
    position: { lat: at.lat, lon: at.lon, accuracyM: 5, source: 'gps' as const },
    verdict: label
      ? { label, potholeProbability: label === 'pothole' ? 0.9 : 0.2, lowConfidence: false }
      : null,
    severity,
  };
}

describe('map views', () => {
  it('writes chainage as km+metres', () => {
    expect(chainageText(0)).toBe('0+000');
    expect(chainageText(99.6)).toBe('0+100');
    expect(chainageText(1234.4)).toBe('1+234');
    expect(chainageText(999.5)).toBe('1+000');
  });

  it('makes markers by verdict, none without a position', () => {
    expect(surveyMarker(survey('a', 10, 'pothole', 3))?.kind).toBe('pothole');
    expect(surveyMarker(survey('b', 10, 'normal', null))?.kind).toBe('good_road');
    expect(surveyMarker(survey('c', 10, null, null))?.kind).toBe('pending');
    expect(surveyMarker({ ...survey('d', 10, 'pothole', 1), position: null })).toBeNull();
  });

  it('reports sections, colours them by the worst find, dashed where only good road was found', () => {
    const records = [
      survey('a', 30, 'pothole', 2),
      survey('b', 60, 'normal', 4),
      survey('c', 250, 'normal', 1),
      { ...survey('d', 10, 'pothole', 5), position: null },
    ];
    const report = segmentReport(network, reportSurveys(records, matcher));
    const rows = segmentRows(report);
    expect(rows.map((r) => [r.chainage, r.surveys, r.found, r.worstSeverity])).toEqual([
      ['0+000 – 0+100', 2, 'pothole 1, good road 1', 4],
      ['0+200 – 0+300', 1, 'good road 1', 1],
    ]);
    const sections = reportSections(network, report);
    expect(sections.map((s) => [s.colour, s.dashed])).toEqual([
      ['#d55e00', false],
      ['#009e73', true],
    ]);
    // The second section's line runs from chainage 200 m to 300 m of the road.
    const [from, to] = sections[1].lines[0];
    expect(geodesicMetres(start, { lon: from[0], lat: from[1] })).toBeCloseTo(200, 0);
    expect(geodesicMetres(start, { lon: to[0], lat: to[1] })).toBeCloseTo(300, 0);
    expect(report.unmatched).toBe(1);
    expect(countsText({ crack: 2, pothole: 1 })).toBe('pothole 1, crack 2');
  });

  it('says the road and chainage of a survey', () => {
    const s = survey('a', 123.4, 'pothole', 2);
    expect(roadText(matcher.match(s.position)!)).toBe(
      'Road A104 Mombasa Road, chainage 0+123 (5 m from the road)',
    );
  });

  it('writes the segment report as CSV, every section, counts per type', () => {
    const report = segmentReport(network, [
      { road: { id: 'A104', chainageM: 30 }, found: ['pothole'], severity: 2 },
      { road: { id: 'A104', chainageM: 35 }, found: ['rutting'], severity: 5 },
    ]);
    const rows = parseCsv([...segmentReportCsv(report)].join(''), {
      columns: true,
    }) as Record<string, string>[];
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatchObject({
      road_id: 'A104',
      road_name: 'Mombasa Road',
      from_m: '0',
      to_m: '100',
      surveys: '2',
      n_pothole: '1',
      n_good_road: '0',
      other_counts: 'rutting=1',
      worst_severity: '5',
    });
    expect(rows[4]).toMatchObject({ from_m: '400', surveys: '0', worst_severity: '' });
    expect(Number(rows[4].to_m)).toBeCloseTo(450, 0);
  });
});

describe("the office's reading of the GeoJSON export", () => {
  it('gives back the rows the server wrote', async () => {
    let text = '';
    for await (const chunk of geoJsonChunks(TRICKY_ROWS)) text += chunk;
    const back = JSON.parse(text).features.map(rowFromFeature);
    const sortProbabilities = (r: { probabilities: { type: string }[] }) =>
      [...r.probabilities].sort((a, b) => a.type.localeCompare(b.type));
    expect(
      back.map((r: (typeof TRICKY_ROWS)[number]) => ({
        ...r,
        probabilities: sortProbabilities(r),
      })),
    ).toEqual(
      TRICKY_ROWS.map((r) => ({
        ...r,
        receivedAt: null,
        probabilities: sortProbabilities(r),
      })),
    );
  });
});
