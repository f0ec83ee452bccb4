/**
 * Turns a record read back from an export (by an independent reader: JSON.parse, csv-parse,
 * fast-xml-parser, better-sqlite3) into an ExportRow, so a test can compare it with what went
 * in. Written from the column list in docs/MAP.md, not from the writers' code.
 */
import type { ExportRow } from '../../src/geo/export-row';

type Cell = unknown;

const LISTED = ['pothole', 'crack', 'patch'];

function text(cell: Cell): string | null {
  return cell === null || cell === undefined || cell === '' ? null : String(cell);
}

function num(cell: Cell): number | null {
  const t = text(cell);
  return t === null ? null : Number(t);
}

function bool(cell: Cell): boolean | null {
  const t = text(cell);
  if (t === null) return null;
  return t === 'true' || t === '1';
}

export function rowFromRecord(
  record: Record<string, Cell>,
  position: { lat: number | null; lon: number | null },
): ExportRow {
  const probabilities = LISTED.filter((t) => text(record[`p_${t}`]) !== null).map((type) => ({
    type,
    probability: num(record[`p_${type}`])!,
  }));
  for (const pair of (text(record.other_probabilities) ?? '').split(';').filter(Boolean)) {
    const [type, p] = pair.split('=');
    probabilities.push({ type, probability: Number(p) });
  }
  probabilities.sort((a, b) => a.type.localeCompare(b.type));
  const roadId = text(record.road_id);
  return {
    id: String(record.id),
    time: String(record.time),
    lat: position.lat,
    lon: position.lon,
    accuracyM: num(record.accuracy_m),
    positionSource: text(record.position_source) as ExportRow['positionSource'],
    found: (text(record.found) ?? '').split(';').filter(Boolean),
    probabilities,
    notRoadScore: num(record.not_road_score),
    notRoadKept: bool(record.not_road_kept),
    lowConfidence: bool(record.low_confidence),
    severity: num(record.severity),
    notes: text(record.notes) ?? '',
    model: text(record.model),
    road:
      roadId === null
        ? null
        : {
            id: roadId,
            name: text(record.road_name),
            chainageM: num(record.chainage_m)!,
            distanceM: num(record.road_distance_m)!,
          },
    photoUrl: text(record.photo_url),
    ...(text(record.run_id) !== null ? { runId: text(record.run_id) } : {}),
  };
}
