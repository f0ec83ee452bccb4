/**
 * A PMTiles v3 archive written from scratch (spec: github.com/protomaps/PMTiles, spec/v3): a
 * 127-byte header, a root directory of varint-coded entries, JSON metadata and the tiles. No
 * basemap can be downloaded here, so the map tests make their own; the pmtiles reader that
 * the app uses reads it back in test/features/map (an independent check of this writer).
 * Only what the tests need: one directory level, uncompressed directories.
 */
import { gzipSync } from 'node:zlib';

export const TILE_TYPE = { mvt: 1, png: 2, jpeg: 3, webp: 4 } as const;
const COMPRESSION = { none: 1, gzip: 2 } as const;

export interface PmtilesTile {
  z: number;
  x: number;
  y: number;
  data: Uint8Array;
}

/** The Hilbert-curve tile id of the PMTiles spec. */
export function tileId(z: number, x: number, y: number): number {
  let acc = 0;
  for (let t = 0; t < z; t++) acc += 4 ** t;
  const n = 2 ** z;
  let d = 0;
  let rx: number;
  let ry: number;
  let xx = x;
  let yy = y;
  for (let s = n / 2; s >= 1; s /= 2) {
    rx = (xx & s) > 0 ? 1 : 0;
    ry = (yy & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    // rotate
    if (ry === 0) {
      if (rx === 1) {
        xx = s - 1 - xx;
        yy = s - 1 - yy;
      }
      [xx, yy] = [yy, xx];
    }
  }
  return acc + d;
}

function varint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

export interface PmtilesOptions {
  tileType: number;
  /** gzip the tiles (as Protomaps vector builds do). */
  gzipTiles?: boolean;
  bounds: [number, number, number, number];
  center: [number, number, number];
  metadata?: Record<string, unknown>;
}

export function writePmtiles(
  tiles: PmtilesTile[],
  options: PmtilesOptions,
): Uint8Array<ArrayBuffer> {
  const entries = tiles
    .map((t) => ({
      id: tileId(t.z, t.x, t.y),
      data: options.gzipTiles ? gzipSync(t.data) : t.data,
      z: t.z,
    }))
    .sort((a, b) => a.id - b.id);
  const dir: number[] = [];
  varint(dir, entries.length);
  let last = 0;
  for (const e of entries) {
    varint(dir, e.id - last);
    last = e.id;
  }
  for (let i = 0; i < entries.length; i++) varint(dir, 1);
  for (const e of entries) varint(dir, e.data.length);
  for (let i = 0; i < entries.length; i++) varint(dir, i === 0 ? 1 : 0); // contiguous: offset 0 + 1, then 0
  const rootDir = Uint8Array.from(dir);
  const metadata = new TextEncoder().encode(JSON.stringify(options.metadata ?? {}));
  const tileBytes = entries.reduce((n, e) => n + e.data.length, 0);
  const header = new Uint8Array(127);
  const view = new DataView(header.buffer);
  header.set(new TextEncoder().encode('PMTiles'), 0);
  header[7] = 3;
  const u64 = (at: number, v: number) => view.setBigUint64(at, BigInt(v), true);
  const rootOffset = 127;
  const metaOffset = rootOffset + rootDir.length;
  const dataOffset = metaOffset + metadata.length;
  u64(8, rootOffset);
  u64(16, rootDir.length);
  u64(24, metaOffset);
  u64(32, metadata.length);
  u64(40, dataOffset); // no leaf directories
  u64(48, 0);
  u64(56, dataOffset);
  u64(64, tileBytes);
  u64(72, entries.length);
  u64(80, entries.length);
  u64(88, entries.length);
  header[96] = 1; // clustered
  header[97] = COMPRESSION.none;
  header[98] = options.gzipTiles ? COMPRESSION.gzip : COMPRESSION.none;
  header[99] = options.tileType;
  header[100] = Math.min(...entries.map((e) => e.z));
  header[101] = Math.max(...entries.map((e) => e.z));
  const e7 = (at: number, v: number) => view.setInt32(at, Math.round(v * 1e7), true);
  e7(102, options.bounds[0]);
  e7(106, options.bounds[1]);
  e7(110, options.bounds[2]);
  e7(114, options.bounds[3]);
  header[118] = options.center[2];
  e7(119, options.center[0]);
  e7(123, options.center[1]);
  const out = new Uint8Array(dataOffset + tileBytes);
  out.set(header, 0);
  out.set(rootDir, rootOffset);
  out.set(metadata, metaOffset);
  let at = dataOffset;
  for (const e of entries) {
    out.set(e.data, at);
    at += e.data.length;
  }
  return out;
}
