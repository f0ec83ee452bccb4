/**
 * The attribute columns every export writes, in one order, with one name each (short,
 * lower-case, no spaces: what QGIS, Excel and a shapefile conversion all keep). The verdict
 * becomes `found` (types joined by ';'), one `p_<type>` column per type the caller lists
 * (default: the known damage types) and `other_probabilities` for any type not listed, so a
 * new damage type is never lost, only not given its own column until it is listed.
 */
import { KNOWN_DAMAGE_TYPES } from '../damage-types';
import type { ExportRow } from '../export-row';
import { checkFix, DEFAULT_ACCURACY_LIMIT_M } from '../gps-quality';

export type ColumnValue = string | number | boolean | null;

/** How a column is typed where the format has types (GeoPackage, KML's schema). */
export type ColumnKind = 'text' | 'real' | 'integer' | 'boolean' | 'datetime';

export interface Column {
  name: string;
  kind: ColumnKind;
  value(row: ExportRow): ColumnValue;
}

export interface ExportOptions {
  /** Types given their own probability column p_<type>; default: pothole, crack, patch. */
  types?: readonly string[];
  /** A fix worse than this (m) is flagged in `fix_quality`; default 25. */
  accuracyLimitM?: number;
}

/** Rows as the writers take them: from a database page by page, or an array. */
export type RowSource = AsyncIterable<ExportRow> | Iterable<ExportRow>;

/** A type name as a column name: lower case, letters, digits and '_' only. */
export function probabilityColumnName(type: string): string {
  return `p_${type.toLowerCase().replace(/[^a-z0-9_]+/g, '_')}`;
}

function probabilityOf(row: ExportRow, type: string): number | null {
  return row.probabilities.find((p) => p.type === type)?.probability ?? null;
}

export function exportColumns(options: ExportOptions = {}): Column[] {
  const types = [...(options.types ?? KNOWN_DAMAGE_TYPES)];
  const listed = new Set(types);
  const limit = options.accuracyLimitM ?? DEFAULT_ACCURACY_LIMIT_M;
  return [
    { name: 'id', kind: 'text', value: (r) => r.id },
    { name: 'time', kind: 'datetime', value: (r) => r.time },
    { name: 'lat', kind: 'real', value: (r) => r.lat },
    { name: 'lon', kind: 'real', value: (r) => r.lon },
    { name: 'accuracy_m', kind: 'real', value: (r) => r.accuracyM },
    { name: 'position_source', kind: 'text', value: (r) => r.positionSource },
    {
      name: 'fix_quality',
      kind: 'text',
      value: (r) => (r.lat === null ? null : checkFix(r.accuracyM, limit).quality),
    },
    { name: 'found', kind: 'text', value: (r) => r.found.join(';') },
    ...types.map((type): Column => ({
      name: probabilityColumnName(type),
      kind: 'real',
      value: (r) => probabilityOf(r, type),
    })),
    {
      name: 'other_probabilities',
      kind: 'text',
      value: (r) =>
        r.probabilities
          .filter((p) => !listed.has(p.type))
          .map((p) => `${p.type}=${p.probability}`)
          .join(';') || null,
    },
    { name: 'not_road_score', kind: 'real', value: (r) => r.notRoadScore },
    { name: 'not_road_kept', kind: 'boolean', value: (r) => r.notRoadKept },
    { name: 'low_confidence', kind: 'boolean', value: (r) => r.lowConfidence },
    { name: 'severity', kind: 'integer', value: (r) => r.severity },
    { name: 'notes', kind: 'text', value: (r) => r.notes },
    { name: 'model', kind: 'text', value: (r) => r.model },
    { name: 'road_id', kind: 'text', value: (r) => r.road?.id ?? null },
    { name: 'road_name', kind: 'text', value: (r) => r.road?.name ?? null },
    { name: 'chainage_m', kind: 'real', value: (r) => r.road?.chainageM ?? null },
    { name: 'road_distance_m', kind: 'real', value: (r) => r.road?.distanceM ?? null },
    { name: 'run_id', kind: 'text', value: (r) => r.runId ?? null },
    { name: 'photo_url', kind: 'text', value: (r) => r.photoUrl },
    // Empty in the phone's exports: only the server knows when it received a survey.
    { name: 'received_at', kind: 'datetime', value: (r) => r.receivedAt ?? null },
  ];
}

/** The columns without lat/lon, for formats that carry the position as geometry. */
export function attributeColumns(options: ExportOptions = {}): Column[] {
  return exportColumns(options).filter((c) => c.name !== 'lat' && c.name !== 'lon');
}

/** Collects small strings into chunks of about `size` characters: one write per chunk, not
 * per row, and never more than a chunk held. */
export class ChunkBuffer {
  private parts: string[] = [];
  private length = 0;

  constructor(private readonly size = 64 * 1024) {}

  /** Adds text; returns a chunk when the buffer is full, else null. */
  add(text: string): string | null {
    this.parts.push(text);
    this.length += text.length;
    return this.length >= this.size ? this.flush() : null;
  }

  flush(): string | null {
    if (this.parts.length === 0) return null;
    const chunk = this.parts.join('');
    this.parts = [];
    this.length = 0;
    return chunk;
  }
}
