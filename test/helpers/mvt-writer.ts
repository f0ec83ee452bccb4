/**
 * A Mapbox Vector Tile (spec 2.1) with polygon and line layers, encoded by hand (protobuf
 * varints, packed zig-zag geometry commands): enough to make a basemap tile with Protomaps'
 * layer names (earth, water, roads) for the map tests.
 */
export interface MvtFeature {
  type: 'polygon' | 'line';
  /** Rings or lines in tile coordinates (0..4096, y down). */
  geometry: [number, number][][];
  properties?: Record<string, string>;
}

function varint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

const zigzag = (n: number) => (n << 1) ^ (n >> 31);

function field(out: number[], number: number, wire: 0 | 2): void {
  varint(out, (number << 3) | wire);
}

function bytes(out: number[], number: number, data: number[]): void {
  field(out, number, 2);
  varint(out, data.length);
  out.push(...data);
}

function geometry(feature: MvtFeature): number[] {
  const commands: number[] = [];
  let cx = 0;
  let cy = 0;
  for (const ring of feature.geometry) {
    const points = feature.type === 'polygon' ? ring.slice(0, -1) : ring; // closed by ClosePath
    const move = (x: number, y: number) => {
      commands.push(zigzag(x - cx), zigzag(y - cy));
      cx = x;
      cy = y;
    };
    commands.push((1 << 3) | 1); // MoveTo, 1
    move(...points[0]);
    commands.push(((points.length - 1) << 3) | 2); // LineTo
    for (const p of points.slice(1)) move(...p);
    if (feature.type === 'polygon') commands.push((1 << 3) | 7); // ClosePath
  }
  return commands;
}

export function writeMvt(layers: Record<string, MvtFeature[]>): Uint8Array {
  const tile: number[] = [];
  for (const [name, features] of Object.entries(layers)) {
    const keys: string[] = [];
    const values: string[] = [];
    const layer: number[] = [];
    field(layer, 15, 0);
    varint(layer, 2);
    bytes(layer, 1, [...new TextEncoder().encode(name)]);
    for (const feature of features) {
      const tags: number[] = [];
      for (const [k, v] of Object.entries(feature.properties ?? {})) {
        if (!keys.includes(k)) keys.push(k);
        if (!values.includes(v)) values.push(v);
        varint(tags, keys.indexOf(k));
        varint(tags, values.indexOf(v));
      }
      const f: number[] = [];
      if (tags.length) bytes(f, 2, tags);
      field(f, 3, 0);
      varint(f, feature.type === 'polygon' ? 3 : 2);
      const g: number[] = [];
      for (const c of geometry(feature)) varint(g, c);
      bytes(f, 4, g);
      bytes(layer, 2, f);
    }
    for (const k of keys) bytes(layer, 3, [...new TextEncoder().encode(k)]);
    for (const v of values) {
      const value: number[] = [];
      bytes(value, 1, [...new TextEncoder().encode(v)]); // string_value
      bytes(layer, 4, value);
    }
    field(layer, 5, 0);
    varint(layer, 4096);
    bytes(tile, 3, layer);
  }
  return Uint8Array.from(tile);
}

/** A tile of land whose western hemisphere (of the world, at z0 or z1) is under water. */
export function halfWaterTile(z: 0 | 1, x: number): Uint8Array {
  const square = (x0: number, x1: number): [number, number][] => [
    [x0, 0],
    [x1, 0],
    [x1, 4096],
    [x0, 4096],
    [x0, 0],
  ];
  const water = z === 0 ? square(0, 2048) : x === 0 ? square(0, 4096) : null;
  return writeMvt({
    earth: [{ type: 'polygon', geometry: [square(0, 4096)], properties: { kind: 'earth' } }],
    water: water ? [{ type: 'polygon', geometry: [water], properties: { kind: 'ocean' } }] : [],
  });
}
