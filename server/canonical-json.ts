/**
 * Canonical JSON: how the server decides that a replayed survey is "the same content".
 * Object keys sorted by UTF-16 code unit order (Array.prototype.sort's default), at every
 * depth; arrays keep their order; no whitespace; strings and numbers as JSON.stringify writes
 * them (numbers in their shortest round-trip form, so 0.5 and 0.50 are one value). It is applied
 * to the record *after* schema validation, so unknown keys (stripped by the schema) never make
 * two uploads differ.
 */
import { createHash } from 'node:crypto';

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`Not a JSON number: ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`Not JSON: ${typeof value}`);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
