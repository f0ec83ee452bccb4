/**
 * The server's GeoJSON export (the columns of docs/MAP.md, written by src/geo/export) read back
 * into export rows, so the office map can draw, match to roads and re-export exactly what the
 * server sent. Unknown `p_<type>` columns and `other_probabilities` keep every type's
 * probability.
 */
import type { ExportRow, TypeProbability } from '../../geo/export-row';
import type { ColumnValue } from '../../geo/export/columns';

export interface ExportFeature {
  type: 'Feature';
  id?: string;
  geometry: { type: 'Point'; coordinates: [number, number] } | null;
  properties: Record<string, ColumnValue>;
}

export interface ExportFeatureCollection {
  type: 'FeatureCollection';
  features: ExportFeature[];
}

const text = (v: ColumnValue | undefined): string | null =>
  v === null || v === undefined || v === '' ? null : String(v);
const num = (v: ColumnValue | undefined): number | null => {
  const t = text(v);
  return t === null || !Number.isFinite(Number(t)) ? null : Number(t);
};

function probabilities(properties: Record<string, ColumnValue>): TypeProbability[] {
  const out: TypeProbability[] = [];
  for (const [name, value] of Object.entries(properties)) {
    const p = num(value);
    if (name.startsWith('p_') && p !== null) out.push({ type: name.slice(2), probability: p });
  }
  for (const pair of (text(properties.other_probabilities) ?? '').split(';').filter(Boolean)) {
    const [type, p] = pair.split('=');
    if (type && Number.isFinite(Number(p))) out.push({ type, probability: Number(p) });
  }
  return out;
}

function roadOf(p: ExportFeature['properties']): ExportRow['road'] {
  const id = text(p.road_id);
  const chainageM = num(p.chainage_m);
  if (id === null || chainageM === null) return null;
  return { id, name: text(p.road_name), chainageM, distanceM: num(p.road_distance_m) ?? 0 };
}

export function rowFromFeature(feature: ExportFeature): ExportRow {
  const p = feature.properties;
  const [lon, lat] = feature.geometry?.coordinates ?? [null, null];
  const source = text(p.position_source);
  return {
    id: String(p.id ?? feature.id),
    time: String(p.time ?? ''),
    lat,
    lon,
    accuracyM: num(p.accuracy_m),
    positionSource: source === 'gps' || source === 'exif' ? source : null,
    found: (text(p.found) ?? '').split(';').filter(Boolean),
    probabilities: probabilities(p),
    notRoadScore: num(p.not_road_score),
    notRoadKept: typeof p.not_road_kept === 'boolean' ? p.not_road_kept : null,
    lowConfidence: typeof p.low_confidence === 'boolean' ? p.low_confidence : null,
    severity: num(p.severity),
    notes: text(p.notes) ?? '',
    model: text(p.model),
    // The server's road network's match, when it has one; a network loaded in the office's
    // browser replaces it (the office map matches again).
    road: roadOf(p),
    ...(text(p.run_id) !== null ? { runId: text(p.run_id)! } : {}),
    photoUrl: text(p.photo_url),
    receivedAt: text(p.received_at),
  };
}
