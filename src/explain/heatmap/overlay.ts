import { ExplainError } from '../errors';
import { colormapIndex, colormapTable, type ColormapName } from './colormaps';
import { normalizeMap } from './normalize';
import {
  assertRgbaImage,
  assertSameSize,
  assertScalarMap,
  type RgbaImage,
  type ScalarMap,
} from './scalar-map';
import { upsampleBilinear } from './upsample';

/** Colours a map of values in 0..1 (values outside clamp, NaN counts as 0); opaque output. */
export function colorize(map01: ScalarMap, colormap: ColormapName = 'turbo'): RgbaImage {
  assertScalarMap(map01);
  const table = colormapTable(colormap);
  const n = map01.width * map01.height;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const t = colormapIndex(map01.data[i]) * 3;
    out[i * 4] = table[t];
    out[i * 4 + 1] = table[t + 1];
    out[i * 4 + 2] = table[t + 2];
    out[i * 4 + 3] = 255;
  }
  return { width: map01.width, height: map01.height, data: out };
}

export interface OverlayOptions {
  colormap?: ColormapName;
  /** Weight of the colour map: 0 leaves the photo unchanged, 1 shows only the colour map. */
  alpha?: number;
}

const DEFAULT_ALPHA = 0.5;

function checkAlpha(alpha: number): void {
  if (!(alpha >= 0 && alpha <= 1)) {
    throw new ExplainError(
      'bad-input-shape',
      `The heatmap opacity must be between 0 and 1 (got ${alpha}).`,
      `overlay alpha=${alpha}`,
    );
  }
}

/**
 * Alpha-blends the coloured heatmap over the photo: out = (1 - alpha) * photo + alpha * colour,
 * per RGB channel, rounded to the nearest 8-bit level. The result is opaque: a photo's own alpha
 * (usually 255 anyway) would otherwise make the heatmap fade where the photo is transparent.
 */
export function overlayHeatmap(
  photo: RgbaImage,
  heat: ScalarMap,
  { colormap = 'turbo', alpha = DEFAULT_ALPHA }: OverlayOptions = {},
): RgbaImage {
  assertRgbaImage(photo, 'photo');
  assertScalarMap(heat, 'heatmap');
  assertSameSize(photo, heat, 'photo', 'heatmap');
  checkAlpha(alpha);
  const table = colormapTable(colormap);
  const n = photo.width * photo.height;
  const src = photo.data;
  const out = new Uint8ClampedArray(n * 4);
  const keep = 1 - alpha;
  for (let i = 0; i < n; i++) {
    const t = colormapIndex(heat.data[i]) * 3;
    const p = i * 4;
    out[p] = keep * src[p] + alpha * table[t];
    out[p + 1] = keep * src[p + 1] + alpha * table[t + 1];
    out[p + 2] = keep * src[p + 2] + alpha * table[t + 2];
    out[p + 3] = 255;
  }
  return { width: photo.width, height: photo.height, data: out };
}

export interface CamOverlay {
  /** The blended image; when `empty`, an opaque copy of the photo with no colour laid over. */
  image: RgbaImage;
  /** The heatmap at the photo's size, 0..1 (all zeros when `empty`). */
  heat: ScalarMap;
  /** True when the CAM had no positive evidence (see normalizeMap); tell the user so. */
  empty: boolean;
  /** The CAM's maximum after ReLU, before normalisation. */
  max: number;
  /** NaN / Infinity cells found in the CAM grid (treated as 0). */
  nonFinite: number;
}

/**
 * The whole way from a CAM grid (e.g. 7x7) to what the user sees: ReLU and normalise on the
 * grid, upsample to the photo with half-pixel centres, colour and blend. An empty map leaves the
 * photo uncoloured rather than painting it all "cold", so the caller can say "no evidence".
 */
export function renderCamOverlay(
  photo: RgbaImage,
  camGrid: ScalarMap,
  options: OverlayOptions = {},
): CamOverlay {
  assertRgbaImage(photo, 'photo');
  checkAlpha(options.alpha ?? DEFAULT_ALPHA);
  const normalized = normalizeMap(camGrid);
  const heat = upsampleBilinear(normalized.map, photo.width, photo.height);
  const { empty, max, nonFinite } = normalized;
  if (empty) {
    const image = { width: photo.width, height: photo.height, data: photo.data.slice() };
    for (let p = 3; p < image.data.length; p += 4) image.data[p] = 255;
    return { image, heat, empty, max, nonFinite };
  }
  return { image: overlayHeatmap(photo, heat, options), heat, empty, max, nonFinite };
}
