/**
 * A chosen file becomes an upright photo the app can keep and analyse: bytes checked (empty,
 * text, HEIC, cut short), decoded with its EXIF orientation applied, reduced while decoding so
 * that a 100-megapixel file never sits in memory at full size, transparency flattened on white,
 * and re-encoded (encodePhoto) as a JPEG of at most 1600 px and a thumbnail; a phone camera's
 * large JPEG is analysed from a smaller preview first (PREVIEW_LONG_SIDE). Runs in the worker
 * (OffscreenCanvas).
 */
import { gps, orientation as readOrientation } from 'exifr/dist/mini.esm.mjs';
import { sha256Hex } from '../schema/sha256-hex';
import type { Position } from '../schema/survey';
import { readJpegInfo, readPngInfo } from './jpeg-structure';
import { HEIC_MESSAGE, PhotoError } from './photo-error';
import { SNIFF_BYTES, sniffImage, type SniffedKind } from './sniff';

export const PHOTO_LONG_SIDE = 1600;
/**
 * A JPEG at least twice PHOTO_LONG_SIDE on its long side (a phone camera's 8-48 MP) is first
 * decoded at the smallest n/8 scale whose long side reaches this: the verdict, the heatmap and
 * the photo first shown come from that preview, and the photo kept (PHOTO_LONG_SIDE) is decoded
 * after the answer has gone. A 4000x3000 photo at 2/8 (1000x750) decodes in about half the time
 * of 4/8 plus its resize to 1600 px, and everything after the decode handles a third of the
 * pixels (docs/APP.md, "A phone's photo"). 1000 px is about the width a phone shows it at.
 */
export const PREVIEW_LONG_SIDE = 1000;
export const THUMBNAIL_LONG_SIDE = 192;
export const PHOTO_JPEG_QUALITY = 0.88;
export const THUMBNAIL_JPEG_QUALITY = 0.7;
/** Beyond this a photo is refused rather than risk the tab (a 12000x9000 photo is 108 MP). */
export const MAX_SOURCE_PIXELS = 250_000_000;
export const MAX_SOURCE_BYTES = 100 * 1024 * 1024;
/** Transparent parts of a PNG become this colour: white reads as "no road" and keeps the
 * photo's look; the model input is built from the same flattened pixels. */
export const FLATTEN_BACKGROUND = '#ffffff';

/** What was done to the photo on the way in, said to the engineer in one short line each. */
export type PhotoAdjustment = 'reduced' | 'rotated' | 'flattened' | 'greyscale' | 'cmyk';

export interface SourceInfo {
  kind: SniffedKind;
  bytes: number;
  /** Pixel size as stored in the file (before orientation). */
  width: number;
  height: number;
  orientation: number;
}

export interface PreparedPhoto {
  /** Upright, at most PHOTO_LONG_SIDE: the model input and the display are drawn from it, and
   * it is encoded as the JPEG to keep (encodePhoto), unless `decodeToKeep` is there. */
  canvas: OffscreenCanvas;
  /**
   * Present when `canvas` is a preview of a large JPEG (PREVIEW_LONG_SIDE): decodes the photo to
   * keep, upright and at most PHOTO_LONG_SIDE, once the caller is ready to spend the time.
   */
  decodeToKeep?: () => Promise<ImageBitmap>;
  width: number;
  height: number;
  exifPosition: Position | null;
  adjustments: PhotoAdjustment[];
  source: SourceInfo;
}

/** What the survey record stores of the photo. */
export interface EncodedPhoto {
  jpeg: Blob;
  thumbnail: Blob;
  sha256: string;
}

/** Times one stage of the work (the worker's stage clock); by default nothing is timed. */
export type TimeStage = <T>(stage: string, run: () => Promise<T> | T) => Promise<T>;
const untimed: TimeStage = async (_stage, run) => run();

const NOT_A_PHOTO =
  'This file is not a photo the app can read. Choose a JPEG or PNG photo, or take the photo again.';
const DAMAGED = 'This photo could not be read: the file is damaged. Take the photo again.';

export function fitLongSide(
  width: number,
  height: number,
  longSide: number,
): { width: number; height: number } {
  const scale = Math.min(1, longSide / Math.max(width, height));
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/** Checks the bytes and returns what the file is, or throws the PhotoError that says why not. */
export function checkPhotoBytes(bytes: Uint8Array): {
  kind: SniffedKind;
  width: number | null;
  height: number | null;
  components: number | null;
  mayHaveAlpha: boolean;
} {
  const kind = sniffImage(bytes.subarray(0, SNIFF_BYTES));
  switch (kind) {
    case 'empty':
      throw new PhotoError('empty', 'The file is empty (0 bytes). Take the photo again.', 'size 0');
    case 'text':
      throw new PhotoError(
        'not-a-photo',
        'This file is not a photo: it contains text. Choose a JPEG or PNG photo.',
        'first bytes are printable text',
      );
    case 'unknown':
      throw new PhotoError(
        'not-a-photo',
        NOT_A_PHOTO,
        `unrecognised header ${Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')}`,
      );
    case 'jpeg': {
      const info = readJpegInfo(bytes);
      if (!info) {
        // A JPEG start with no readable frame header: either cut off early or garbage.
        throw new PhotoError('truncated', TRUNCATED, 'no SOF/SOS segment before the end of file');
      }
      if (!info.complete) {
        throw new PhotoError(
          'truncated',
          TRUNCATED,
          `no End Of Image marker (${bytes.length} bytes)`,
        );
      }
      return {
        kind,
        width: info.width,
        height: info.height,
        components: info.components,
        mayHaveAlpha: false,
      };
    }
    case 'png': {
      const info = readPngInfo(bytes);
      if (!info) throw new PhotoError('undecodable', DAMAGED, 'PNG without IHDR');
      return {
        kind,
        width: info.width,
        height: info.height,
        components: null,
        mayHaveAlpha: info.mayHaveAlpha,
      };
    }
    default:
      // GIF, WebP, BMP, AVIF, and HEIC where the browser reads it (Safari): the browser decodes
      // them; their size is known after decoding.
      return { kind, width: null, height: null, components: null, mayHaveAlpha: kind !== 'bmp' };
  }
}

const TRUNCATED =
  'This photo is incomplete: the file was cut short (a failed copy or a full memory card). ' +
  'Take the photo again.';

async function exifOf(
  bytes: ArrayBuffer,
  kind: SniffedKind,
): Promise<{ orientation: number; position: Position | null }> {
  if (kind !== 'jpeg' && kind !== 'png' && kind !== 'webp' && kind !== 'avif' && kind !== 'heic') {
    return { orientation: 1, position: null };
  }
  // A photo with broken EXIF is still a photo: read what can be read, ignore the rest.
  const [orientation, position] = await Promise.all([
    readOrientation(bytes).catch(() => undefined),
    gps(bytes).catch(() => undefined),
  ]);
  const lat = position?.latitude;
  const lon = position?.longitude;
  const valid =
    typeof lat === 'number' &&
    typeof lon === 'number' &&
    Number.isFinite(lat) &&
    Number.isFinite(lon) &&
    Math.abs(lat) <= 90 &&
    Math.abs(lon) <= 180 &&
    !(lat === 0 && lon === 0);
  return {
    orientation: typeof orientation === 'number' ? orientation : 1,
    position: valid ? { lat, lon, accuracyM: null, source: 'exif' } : null,
  };
}

export function heicNotSupported(detail: string): PhotoError {
  return new PhotoError('heic', HEIC_MESSAGE, detail);
}

async function decodeUpright(
  file: Blob,
  target: { width: number; height: number } | null,
  kind: SniffedKind,
): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(file, {
      imageOrientation: 'from-image',
      premultiplyAlpha: 'default',
      ...(target
        ? { resizeWidth: target.width, resizeHeight: target.height, resizeQuality: 'high' }
        : {}),
    });
  } catch (error) {
    if (kind === 'heic')
      throw heicNotSupported(`HEIF brand in ftyp; createImageBitmap: ${String(error)}`);
    throw new PhotoError('undecodable', DAMAGED, `createImageBitmap: ${String(error)}`);
  }
}

/**
 * The size to ask a JPEG decoder for, to reduce a width x height photo to `longSide`
 * (PHOTO_LONG_SIDE, or PREVIEW_LONG_SIDE for a preview). The decoder scales by n/8 (libjpeg's
 * DCT scaling, which filters as it reduces), taking the largest n/8 not above the size asked
 * for: this is the smallest n/8 still at least `longSide` on the long side; a high-quality
 * resize does the rest. Asking for twice the final size, as
 * before, decoded a 4000x3000 photo at 6/8 (3000x2250) instead of 4/8 (2000x1500), which took
 * half again as long (docs/APP.md).
 */
export function scaledDecodeSize(
  width: number,
  height: number,
  longSide = PHOTO_LONG_SIDE,
): { width: number; height: number } {
  const eighths = Math.min(8, Math.ceil((8 * longSide) / Math.max(width, height)));
  return { width: Math.ceil((width * eighths) / 8), height: Math.ceil((height * eighths) / 8) };
}

/**
 * A large JPEG decoded at a fraction of its size (libjpeg's DCT scaling, through WebCodecs'
 * ImageDecoder): a 12000x9000 photo is decoded at 3000x2250 in a small fraction of the time and
 * memory createImageBitmap needs for the full 108 megapixels, then reduced to at most
 * PHOTO_LONG_SIDE. The decoder applies the EXIF orientation itself. Null where WebCodecs is
 * missing or refuses the file: the caller falls back to createImageBitmap.
 */
async function decodeJpegScaled(
  bytes: ArrayBuffer,
  width: number,
  height: number,
  longSide = PHOTO_LONG_SIDE,
): Promise<ImageBitmap | null> {
  if (typeof ImageDecoder === 'undefined') return null;
  let decoder: ImageDecoder | null = null;
  let frame: VideoFrame | null = null;
  try {
    if (!(await ImageDecoder.isTypeSupported('image/jpeg'))) return null;
    const desired = scaledDecodeSize(width, height, longSide);
    decoder = new ImageDecoder({
      // The bytes already read (a copy in this worker), not the file again: reading a chosen
      // file goes through the browser process.
      data: bytes,
      type: 'image/jpeg',
      desiredWidth: desired.width,
      desiredHeight: desired.height,
    });
    frame = (await decoder.decode()).image;
    // A decoder that went below the size asked for would make the photo smaller: not this way.
    if (Math.max(frame.displayWidth, frame.displayHeight) < longSide) return null;
    // A preview is taken as decoded (up to twice its long side): a resize would cost more than
    // the pixels it saves.
    if (longSide < PHOTO_LONG_SIDE) return await createImageBitmap(frame);
    const size = fitLongSide(frame.displayWidth, frame.displayHeight, PHOTO_LONG_SIDE);
    return await createImageBitmap(frame, {
      resizeWidth: size.width,
      resizeHeight: size.height,
      resizeQuality: 'high',
    });
  } catch {
    return null;
  } finally {
    frame?.close();
    decoder?.close();
  }
}

export async function preparePhoto(file: Blob, time: TimeStage = untimed): Promise<PreparedPhoto> {
  if (file.size === 0) {
    throw new PhotoError('empty', 'The file is empty (0 bytes). Take the photo again.', 'size 0');
  }
  if (file.size > MAX_SOURCE_BYTES) {
    throw new PhotoError(
      'too-large',
      `This file is too large (${Math.round(file.size / 1048576)} MB). Choose a photo under 100 MB.`,
      `size ${file.size}`,
    );
  }
  const { buffer, checked, exif } = await time('read', async () => {
    const buffer = await file.arrayBuffer();
    const checked = checkPhotoBytes(new Uint8Array(buffer));
    return { buffer, checked, exif: await exifOf(buffer, checked.kind) };
  });
  const { bitmap, adjustments, decodeToKeep } = await time('decode', () =>
    decode(file, buffer, checked, exif),
  );
  const width = bitmap.width;
  const height = bitmap.height;
  const canvas = await time('draw', () => uprightCanvas(bitmap, checked.mayHaveAlpha, adjustments));
  return {
    canvas,
    ...(decodeToKeep ? { decodeToKeep } : {}),
    width,
    height,
    exifPosition: exif.position,
    adjustments,
    source: {
      kind: checked.kind,
      bytes: file.size,
      width: checked.width ?? width,
      height: checked.height ?? height,
      orientation: exif.orientation,
    },
  };
}

/** The photo decoded upright and reduced to at most PHOTO_LONG_SIDE, and what was done to it. */
async function decode(
  file: Blob,
  bytes: ArrayBuffer,
  checked: ReturnType<typeof checkPhotoBytes>,
  exif: { orientation: number },
): Promise<{
  bitmap: ImageBitmap;
  adjustments: PhotoAdjustment[];
  decodeToKeep?: () => Promise<ImageBitmap>;
}> {
  const adjustments: PhotoAdjustment[] = [];
  let bitmap: ImageBitmap;
  let decodeToKeep: (() => Promise<ImageBitmap>) | undefined;
  if (checked.width && checked.height) {
    if (checked.width * checked.height > MAX_SOURCE_PIXELS) {
      throw new PhotoError(
        'too-large',
        `This photo is too large to open (${Math.round((checked.width * checked.height) / 1e6)} megapixels). ` +
          'Use a photo of at most 250 megapixels.',
        `${checked.width}x${checked.height}`,
      );
    }
    const swap = exif.orientation >= 5 && exif.orientation <= 8;
    const upright = swap
      ? { width: checked.height, height: checked.width }
      : { width: checked.width, height: checked.height };
    const target = fitLongSide(upright.width, upright.height, PHOTO_LONG_SIDE);
    const reduce = target.width !== upright.width || target.height !== upright.height;
    const { width, height, kind } = checked;
    const keepSize = async () =>
      (kind === 'jpeg' && reduce ? await decodeJpegScaled(bytes, width, height) : null) ??
      (await decodeUpright(file, reduce ? target : null, kind));
    const preview =
      kind === 'jpeg' && Math.max(width, height) >= 2 * PHOTO_LONG_SIDE
        ? await decodeJpegScaled(bytes, width, height, PREVIEW_LONG_SIDE)
        : null;
    if (preview) decodeToKeep = keepSize;
    bitmap = preview ?? (await keepSize());
    if (reduce) adjustments.push('reduced');
    if (swap || exif.orientation > 1) adjustments.push('rotated');
  } else {
    const full = await decodeUpright(file, null, checked.kind);
    const target = fitLongSide(full.width, full.height, PHOTO_LONG_SIDE);
    if (target.width !== full.width || target.height !== full.height) {
      bitmap = await createImageBitmap(full, {
        resizeWidth: target.width,
        resizeHeight: target.height,
        resizeQuality: 'high',
      });
      full.close();
      adjustments.push('reduced');
    } else {
      bitmap = full;
    }
  }
  if (checked.components === 1) adjustments.push('greyscale');
  if (checked.components === 4) adjustments.push('cmyk');
  return { bitmap, adjustments, ...(decodeToKeep ? { decodeToKeep } : {}) };
}

/** The decoded photo on a canvas, transparency flattened on white (noted in adjustments). */
function uprightCanvas(
  bitmap: ImageBitmap,
  mayHaveAlpha: boolean,
  adjustments: PhotoAdjustment[],
): OffscreenCanvas {
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new PhotoError('undecodable', DAMAGED, 'no 2d context on OffscreenCanvas');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  if (mayHaveAlpha) {
    if (hasTransparency(ctx.getImageData(0, 0, width, height).data)) adjustments.push('flattened');
  }
  // Flatten: paint the background behind what is drawn, so JPEG and model see the same pixels.
  ctx.globalCompositeOperation = 'destination-over';
  ctx.fillStyle = FLATTEN_BACKGROUND;
  ctx.fillRect(0, 0, width, height);
  ctx.globalCompositeOperation = 'source-over';
  return canvas;
}

/**
 * The JPEG that is kept, its thumbnail and its SHA-256 (what the survey record stores), of the
 * upright photo (its canvas, or a bitmap of it). Both images are snapshotted before the first
 * await, so the caller may draw from or transfer the canvas while they are encoded.
 */
export async function encodePhoto(photo: OffscreenCanvas | ImageBitmap): Promise<EncodedPhoto> {
  const { width, height } = photo;
  const canvas = photo instanceof OffscreenCanvas ? photo : canvasOf(photo);
  const thumbSize = fitLongSide(width, height, THUMBNAIL_LONG_SIDE);
  const thumbCanvas = new OffscreenCanvas(thumbSize.width, thumbSize.height);
  const thumbCtx = thumbCanvas.getContext('2d')!;
  thumbCtx.imageSmoothingQuality = 'high';
  thumbCtx.drawImage(canvas, 0, 0, thumbSize.width, thumbSize.height);
  const thumbnail = thumbCanvas.convertToBlob({
    type: 'image/jpeg',
    quality: THUMBNAIL_JPEG_QUALITY,
  });
  // Awaited below, after the photo's; it must not reject unobserved meanwhile.
  thumbnail.catch(() => undefined);
  const jpeg = await canvas.convertToBlob({ type: 'image/jpeg', quality: PHOTO_JPEG_QUALITY });
  return {
    jpeg,
    thumbnail: await thumbnail,
    sha256: await sha256Hex(await jpeg.arrayBuffer()),
  };
}

function canvasOf(bitmap: ImageBitmap): OffscreenCanvas {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
  return canvas;
}

function hasTransparency(rgba: Uint8ClampedArray): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] < 255) return true;
  return false;
}
