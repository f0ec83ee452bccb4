import { createScalarMap, type ScalarMap } from '../heatmap/scalar-map';

/**
 * The pixel holding the photo's centre point (width / 2, height / 2): the middle pixel of an
 * odd side, the lower / right one of the two middle pixels of an even side.
 */
export function centrePixel(width: number, height: number): { x: number; y: number } {
  return { x: Math.floor(width / 2), y: Math.floor(height / 2) };
}

/**
 * Baseline "the object is in the middle" for the pointing game: a cone with its single maximum
 * (1) at centrePixel and values falling with the distance from it, so no tie can move the peak.
 */
export function centrePeakMap(width: number, height: number): ScalarMap {
  const map = createScalarMap(width, height);
  const { x: cx, y: cy } = centrePixel(width, height);
  const reach = Math.hypot(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      map.data[y * width + x] = 1 - Math.hypot(x - cx, y - cy) / reach;
    }
  }
  return map;
}

/**
 * Baseline for energy metrics: a Gaussian centred on the photo's centre point, sigma a quarter of
 * the width horizontally and a quarter of the height vertically, sampled at pixel centres.
 */
export function centredGaussianMap(width: number, height: number): ScalarMap {
  const map = createScalarMap(width, height);
  const sx = width / 4;
  const sy = height / 4;
  for (let y = 0; y < height; y++) {
    const dy = (y + 0.5 - height / 2) / sy;
    for (let x = 0; x < width; x++) {
      const dx = (x + 0.5 - width / 2) / sx;
      map.data[y * width + x] = Math.exp(-0.5 * (dx * dx + dy * dy));
    }
  }
  return map;
}

/** Baseline "no idea where": every pixel 1, so its energy in a region is the region's area. */
export function uniformMap(width: number, height: number): ScalarMap {
  const map = createScalarMap(width, height);
  map.data.fill(1);
  return map;
}
