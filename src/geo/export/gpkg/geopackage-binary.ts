/**
 * A point as GeoPackageBinary (OGC GeoPackage 1.3, clause 2.1.3): the "GP" header (version 0,
 * flags: little-endian, no envelope — a point is its own envelope — not empty, standard binary),
 * the SRS id, then the point as ISO WKB (little-endian, type 1, x = longitude, y = latitude).
 */
export const GEOPACKAGE_POINT_BYTES = 8 + 21;

export function geoPackagePoint(lon: number, lat: number, srsId: number): Uint8Array {
  const bytes = new Uint8Array(GEOPACKAGE_POINT_BYTES);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x47; // 'G'
  bytes[1] = 0x50; // 'P'
  bytes[2] = 0; // version 1 of the binary format is stored as 0
  bytes[3] = 0b0000_0001; // byte order 1 = little endian; envelope 0; not empty; standard
  view.setInt32(4, srsId, true);
  bytes[8] = 1; // WKB byte order: little endian
  view.setUint32(9, 1, true); // wkbPoint
  view.setFloat64(13, lon, true);
  view.setFloat64(21, lat, true);
  return bytes;
}
