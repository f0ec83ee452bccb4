/**
 * Photo decoding in Node with sharp: EXIF orientation applied, alpha dropped, fitted to a size
 * the way the app fits it (stretched, or centre-cropped to the aspect first).
 */
import sharp from 'sharp';
import { ToolError } from '../lib/tool-error';

export interface DecodedPhoto {
  /** RGB, row-major, 3 bytes a pixel. */
  data: Uint8Array;
  width: number;
  height: number;
  /** Size of the photo as stored, after EXIF rotation. */
  originalWidth: number;
  originalHeight: number;
}

export type FitMode = 'stretch' | 'center-crop';

function unreadable(file: string, e: unknown): ToolError {
  return new ToolError(
    'unreadable-photo',
    `The photo ${file} could not be read: it is damaged or not an image. Remove it or replace it.`,
    e instanceof Error ? e.message : String(e),
  );
}

/** Decodes and resizes to width x height RGB. */
export async function decodePhoto(
  file: string,
  width: number,
  height: number,
  fit: FitMode = 'stretch',
): Promise<DecodedPhoto> {
  try {
    const rotated = sharp(file, { failOn: 'error' }).rotate();
    const meta = await sharp(file).metadata();
    const swap = (meta.orientation ?? 1) >= 5;
    const originalWidth = (swap ? meta.height : meta.width) ?? 0;
    const originalHeight = (swap ? meta.width : meta.height) ?? 0;
    const { data, info } = await rotated
      .removeAlpha()
      .toColourspace('srgb')
      .resize(width, height, { fit: fit === 'stretch' ? 'fill' : 'cover', position: 'centre' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      originalWidth,
      originalHeight,
    };
  } catch (e) {
    throw unreadable(file, e);
  }
}

/** Decodes a photo to grey levels at width x height (for perceptual hashing). */
export async function decodeGrey(file: string, width: number, height: number): Promise<Uint8Array> {
  try {
    const data = await sharp(file, { failOn: 'error' })
      .rotate()
      .removeAlpha()
      .greyscale()
      .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
      .raw()
      .toBuffer();
    return new Uint8Array(data.buffer, data.byteOffset, width * height);
  } catch (e) {
    throw unreadable(file, e);
  }
}

/** Runs `fn` over items with at most `limit` in flight (sharp decodes on its own threads). */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
