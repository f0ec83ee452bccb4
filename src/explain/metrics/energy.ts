import { assertSameSize, assertScalarMap, type ScalarMap } from '../heatmap/scalar-map';
import { boxUnionMask, type Box } from './boxes';

export interface EnergyShare {
  /** Share of the map's positive energy inside the region, 0..1 (0 when `empty`). */
  share: number;
  /** Total positive energy of the map (sum after ReLU, non-finite cells as 0). */
  total: number;
  /** The map has no positive energy: `share` is 0 by definition, not a measurement. */
  empty: boolean;
}

/** A cell's contribution to energy: ReLU, and NaN / Infinity count as 0, as in normalizeMap. */
function energyOf(v: number): number {
  return v > 0 && Number.isFinite(v) ? v : 0;
}

function shareInside(map: ScalarMap, inside: (i: number) => boolean): EnergyShare {
  let total = 0;
  let within = 0;
  const { data } = map;
  for (let i = 0; i < data.length; i++) {
    const e = energyOf(data[i]);
    total += e;
    if (inside(i)) within += e;
  }
  if (!(total > 0)) return { share: 0, total: 0, empty: true };
  return { share: within / total, total, empty: false };
}

/**
 * Share of the map's energy (sum after ReLU) inside the union of the boxes; overlapping boxes
 * count once. The map must be at the photo's size. An all-zero map gives 0 with `empty: true`.
 */
export function energyInBoxes(map: ScalarMap, boxes: readonly Box[]): EnergyShare {
  assertScalarMap(map);
  const mask = boxUnionMask(map.width, map.height, boxes);
  return shareInside(map, (i) => mask[i] === 1);
}

/** A mask of the map's size; any numeric array (Float32Array, Uint8Array of a PNG, ...). */
export interface MapMask {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

export interface MaskOptions {
  /** A cell is inside when its mask value is at least this (0.5 for 0/1 masks, 128 for 0/255). */
  threshold?: number;
}

/** Share of the map's energy (sum after ReLU) inside an arbitrary mask of the same size. */
export function energyInMask(
  map: ScalarMap,
  mask: MapMask,
  { threshold = 0.5 }: MaskOptions = {},
): EnergyShare {
  assertScalarMap(map);
  assertScalarMap(mask, 'mask');
  assertSameSize(map, mask, 'map', 'mask');
  const m = mask.data;
  return shareInside(map, (i) => m[i] >= threshold);
}

export interface RegionShares {
  centre: number;
  top: number;
  bottom: number;
  edges: number;
}

export interface RegionEnergy {
  /** Share of the map's energy in each region; they sum to 1 unless `empty`. */
  energy: RegionShares;
  /** Share of the photo's area in each region (a flat map's energy shares). */
  area: RegionShares;
  empty: boolean;
}

/** Rows / columns in a 25% band, rounded, and never more than half of the side. */
function bandSize(side: number): number {
  return Math.min(Math.round(side * 0.25), Math.floor(side / 2));
}

/**
 * Region audit: where the heatmap's energy (sum after ReLU) lies, for spotting shortcuts such as
 * sky, vegetation at the sides or road signs. The four regions partition the photo:
 * - `top`: the top 25% of the rows, full width;
 * - `bottom`: the bottom 25% of the rows, full width;
 * - `edges`: in the middle rows, the outer 25% of the columns on the left and on the right;
 * - `centre`: the rest (middle rows, middle 50% of the columns).
 * Band sizes are rounded to whole pixels. For sides divisible by 4 each region is a quarter of
 * the area, so a flat map gives 0.25 everywhere; `area` gives the exact shares otherwise.
 */
export function regionEnergyShares(map: ScalarMap): RegionEnergy {
  assertScalarMap(map);
  const { width, height, data } = map;
  const rows = bandSize(height);
  const cols = bandSize(width);
  const regionOf = (x: number, y: number): keyof RegionShares => {
    if (y < rows) return 'top';
    if (y >= height - rows) return 'bottom';
    if (x < cols || x >= width - cols) return 'edges';
    return 'centre';
  };
  const energy: RegionShares = { centre: 0, top: 0, bottom: 0, edges: 0 };
  const area: RegionShares = { centre: 0, top: 0, bottom: 0, edges: 0 };
  let total = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const region = regionOf(x, y);
      const e = energyOf(data[y * width + x]);
      energy[region] += e;
      area[region] += 1;
      total += e;
    }
  }
  const cells = width * height;
  for (const k of Object.keys(area) as (keyof RegionShares)[]) {
    area[k] /= cells;
    energy[k] = total > 0 ? energy[k] / total : 0;
  }
  return { energy, area, empty: !(total > 0) };
}
