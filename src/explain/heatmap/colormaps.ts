import { interpolateTurbo, interpolateViridis } from 'd3-scale-chromatic';
import { ExplainError } from '../errors';

export type ColormapName = 'turbo' | 'jet' | 'viridis';

export const COLORMAP_NAMES: readonly ColormapName[] = ['turbo', 'jet', 'viridis'];

/** Entries per lookup table: one per 8-bit level. */
export const COLORMAP_SIZE = 256;

/** `rgb(r, g, b)` or `#rrggbb`, the two forms d3-scale-chromatic's interpolators return. */
function parseCssColor(css: string): [number, number, number] {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(css);
  if (hex) return [parseInt(hex[1], 16), parseInt(hex[2], 16), parseInt(hex[3], 16)];
  const rgb = /^rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(css);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  throw new Error(`Unexpected colour string from d3-scale-chromatic: ${css}`);
}

function tableFromInterpolator(interpolate: (t: number) => string): Uint8Array {
  const table = new Uint8Array(COLORMAP_SIZE * 3);
  for (let i = 0; i < COLORMAP_SIZE; i++) {
    table.set(parseCssColor(interpolate(i / (COLORMAP_SIZE - 1))), i * 3);
  }
  return table;
}

/**
 * MATLAB's classic jet: each channel a trapezoid, 1.5 - |4t - c| clamped to [0, 1], with
 * c = 3 (red), 2 (green), 1 (blue). Dark blue at 0, green at 0.5, dark red at 1.
 */
function jetTable(): Uint8Array {
  const table = new Uint8Array(COLORMAP_SIZE * 3);
  const ramp = (v: number) => Math.round(255 * Math.min(Math.max(v, 0), 1));
  for (let i = 0; i < COLORMAP_SIZE; i++) {
    const t = i / (COLORMAP_SIZE - 1);
    table[i * 3] = ramp(1.5 - Math.abs(4 * t - 3));
    table[i * 3 + 1] = ramp(1.5 - Math.abs(4 * t - 2));
    table[i * 3 + 2] = ramp(1.5 - Math.abs(4 * t - 1));
  }
  return table;
}

const builders: Record<ColormapName, () => Uint8Array> = {
  // d3's turbo is Google's published polynomial approximation of the Turbo lookup table.
  turbo: () => tableFromInterpolator(interpolateTurbo),
  viridis: () => tableFromInterpolator(interpolateViridis),
  jet: jetTable,
};

const tables = new Map<ColormapName, Uint8Array>();

/**
 * The 256-entry RGB lookup table of a colour map, as [r0, g0, b0, r1, ...]. Built once per
 * colour map and shared: do not modify it.
 */
export function colormapTable(name: ColormapName): Uint8Array {
  let table = tables.get(name);
  if (!table) {
    const build = builders[name];
    if (!build) {
      throw new ExplainError(
        'bad-input-shape',
        `Unknown colour map "${String(name)}". Choose one of: ${COLORMAP_NAMES.join(', ')}.`,
        `colormapTable(${JSON.stringify(name)})`,
      );
    }
    table = build();
    tables.set(name, table);
  }
  return table;
}

/** Table index for a value in 0..1; out-of-range values clamp, non-finite ones count as 0. */
export function colormapIndex(value: number): number {
  if (!(value > 0)) return 0; // also catches NaN
  if (value >= 1) return COLORMAP_SIZE - 1;
  return Math.round(value * (COLORMAP_SIZE - 1));
}

/** The colour of one value in 0..1, as [r, g, b] in 0..255. */
export function colormapColor(name: ColormapName, value: number): [number, number, number] {
  const table = colormapTable(name);
  const i = colormapIndex(value) * 3;
  return [table[i], table[i + 1], table[i + 2]];
}
