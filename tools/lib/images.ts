/** Photos in Node, through sharp: decoded upright (EXIF orientation applied) to RGBA pixels. */
import sharp from 'sharp';
import type { RgbaImage } from '../../src/explain/heatmap/scalar-map';

export interface ReadImageOptions {
  /** Resize to exactly this size (stretching), as a model input. */
  resizeTo?: { width: number; height: number };
  /** Shrink so that the longer side is at most this (keeps the aspect ratio). */
  maxSide?: number;
}

export async function readImageRgba(
  file: string,
  options: ReadImageOptions = {},
): Promise<RgbaImage> {
  let pipeline = sharp(file, { failOn: 'error' }).rotate();
  if (options.resizeTo) {
    pipeline = pipeline.resize(options.resizeTo.width, options.resizeTo.height, { fit: 'fill' });
  } else if (options.maxSide) {
    pipeline = pipeline.resize(options.maxSide, options.maxSide, {
      fit: 'inside',
      withoutEnlargement: true,
    });
  }
  const { data, info } = await pipeline
    .toColourspace('srgb')
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength),
  };
}

export async function writePng(file: string, image: RgbaImage): Promise<void> {
  await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 4 },
  })
    .png()
    .toFile(file);
}
