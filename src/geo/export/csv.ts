/**
 * CSV (RFC 4180), streamed: a header line, CRLF line ends, fields quoted when they hold a
 * comma, quote, CR or LF (quotes doubled). The office opens it in a spreadsheet, and notes come
 * from phones: a text cell that a spreadsheet would run as a formula (it starts with = + - @,
 * their full-width forms, or white space before one) gets a leading apostrophe, and NUL
 * characters are dropped. Numbers are written as numbers and never touched.
 */
import { exportColumns, ChunkBuffer, type ColumnValue, type RowSource } from './columns';
import type { StreamOptions } from './geojson';

/** = + - @ and ＝ ＋ － ＠ (some spreadsheets read the full-width forms the same), or any leading
 * white space (tab, CR, LF, space: a spreadsheet skips it and finds what is behind). */
const FORMULA_START = /^[\s=+\-@\uff1d\uff0b\uff0d\uff20]/;

export function csvField(value: ColumnValue): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let text = value.replace(/\0/g, '');
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export async function* csvChunks(
  rows: RowSource,
  options: StreamOptions = {},
): AsyncGenerator<string> {
  const columns = exportColumns(options);
  const buffer = new ChunkBuffer(options.chunkSize);
  yield columns.map((c) => c.name).join(',') + '\r\n';
  for await (const row of rows) {
    const chunk = buffer.add(columns.map((c) => csvField(c.value(row))).join(',') + '\r\n');
    if (chunk) yield chunk;
  }
  const rest = buffer.flush();
  if (rest) yield rest;
}
