import { ExplainError } from '../errors';

/** A single-channel map (a CAM grid, an upsampled heatmap, a mask), row-major. */
export interface ScalarMap {
  width: number;
  height: number;
  data: Float32Array;
}

/** An RGBA image as a canvas ImageData, a PNG encoder or a test reads it. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** A zero-filled map of the given size. */
export function createScalarMap(width: number, height: number): ScalarMap {
  checkSize(width, height, 'map');
  return { width, height, data: new Float32Array(width * height) };
}

function checkSize(width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ExplainError(
      'bad-input-shape',
      `The ${what} has no pixels: its size must be at least 1x1.`,
      `${what}: width=${width}, height=${height}; both must be positive integers`,
    );
  }
}

/**
 * Throws ExplainError('bad-input-shape') unless `map` has a positive integer size and exactly
 * width * height cells: a mismatch here would otherwise read past the data or skew every metric.
 */
export function assertScalarMap(
  map: { width: number; height: number; data: ArrayLike<number> },
  what = 'map',
): void {
  checkSize(map.width, map.height, what);
  if (map.data.length !== map.width * map.height) {
    throw new ExplainError(
      'bad-input-shape',
      `The ${what} is damaged: its data does not match its size.`,
      `${what}: ${map.width}x${map.height} needs ${map.width * map.height} cells, got ${map.data.length}`,
    );
  }
}

/** Throws ExplainError('bad-input-shape') unless `image` is a well-formed RGBA buffer. */
export function assertRgbaImage(image: RgbaImage, what = 'image'): void {
  checkSize(image.width, image.height, what);
  if (image.data.length !== image.width * image.height * 4) {
    throw new ExplainError(
      'bad-input-shape',
      `The ${what} is damaged: its pixel data does not match its size.`,
      `${what}: ${image.width}x${image.height} RGBA needs ${image.width * image.height * 4} bytes, ` +
        `got ${image.data.length}`,
    );
  }
}

/** Throws ExplainError('bad-input-shape') unless the two maps / images have the same size. */
export function assertSameSize(
  a: { width: number; height: number },
  b: { width: number; height: number },
  aName: string,
  bName: string,
): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new ExplainError(
      'bad-input-shape',
      `The ${bName} does not match the ${aName} in size (${b.width}x${b.height} against ` +
        `${a.width}x${a.height}).`,
      `${aName}: ${a.width}x${a.height}, ${bName}: ${b.width}x${b.height}; resize one to the other first`,
    );
  }
}
