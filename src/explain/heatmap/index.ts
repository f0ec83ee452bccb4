export type { RgbaImage, ScalarMap } from './scalar-map';
export { assertRgbaImage, assertSameSize, assertScalarMap, createScalarMap } from './scalar-map';
export { normalizeMap, type NormalizedMap } from './normalize';
export { upsampleBilinear } from './upsample';
export {
  COLORMAP_NAMES,
  COLORMAP_SIZE,
  colormapColor,
  colormapIndex,
  colormapTable,
  type ColormapName,
} from './colormaps';
export {
  colorize,
  overlayHeatmap,
  renderCamOverlay,
  type CamOverlay,
  type OverlayOptions,
} from './overlay';
