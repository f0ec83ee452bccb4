/**
 * The photo fitted to a model's input size on a canvas (a 1600 px photo to 224 px costs a
 * millisecond there, against far more as a tensor resize on the wasm backend), and the part of
 * the photo the model saw, so that the heatmap is drawn over the right region.
 */
import type { RgbaImage } from '../explain/heatmap/scalar-map';

export type InputFit = 'stretch' | 'center-crop';

/** The part of the photo the model saw, as fractions of its width and height. */
export interface PhotoRegion {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const WHOLE_PHOTO: PhotoRegion = { x: 0, y: 0, width: 1, height: 1 };

/** Which part of a width x height photo a model of inputWidth x inputHeight sees. */
export function regionSeen(
  width: number,
  height: number,
  inputWidth: number,
  inputHeight: number,
  fit: InputFit,
): PhotoRegion {
  if (fit === 'stretch') return WHOLE_PHOTO;
  const photoAspect = width / height;
  const inputAspect = inputWidth / inputHeight;
  if (photoAspect > inputAspect) {
    const w = inputAspect / photoAspect;
    return { x: (1 - w) / 2, y: 0, width: w, height: 1 };
  }
  const h = photoAspect / inputAspect;
  return { x: 0, y: (1 - h) / 2, width: 1, height: h };
}

export function drawModelInput(
  source: OffscreenCanvas | ImageBitmap,
  inputWidth: number,
  inputHeight: number,
  fit: InputFit,
): { image: RgbaImage; region: PhotoRegion } {
  const region = regionSeen(source.width, source.height, inputWidth, inputHeight, fit);
  const canvas = new OffscreenCanvas(inputWidth, inputHeight);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(
    source,
    region.x * source.width,
    region.y * source.height,
    region.width * source.width,
    region.height * source.height,
    0,
    0,
    inputWidth,
    inputHeight,
  );
  const data = ctx.getImageData(0, 0, inputWidth, inputHeight).data;
  return { image: { width: inputWidth, height: inputHeight, data }, region };
}
