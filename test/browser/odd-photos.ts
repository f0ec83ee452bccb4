/**
 * The awkward files a field engineer's phone can hand the app, made with sharp: valid but
 * unusual photos (CMYK, greyscale, PNG with alpha, EXIF-rotated, 108 megapixels) and broken
 * ones (cut short, empty, text, HEIC). Each valid one has a known layout so a test can check
 * the stored photo's pixels, not just that something was stored.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { projectRoot } from '../../tools/lib/paths';
import { potholePhotos } from '../helpers/fixtures';

export interface OddFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** A width x height RGB image: top half red, bottom half blue. */
async function redOverBlue(width: number, height: number): Promise<ReturnType<typeof sharp>> {
  const top = await sharp({
    create: {
      width,
      height: Math.floor(height / 2),
      channels: 3,
      background: { r: 220, g: 20, b: 20 },
    },
  })
    .png()
    .toBuffer();
  return sharp({
    create: { width, height, channels: 3, background: { r: 20, g: 20, b: 220 } },
  }).composite([{ input: top, top: 0, left: 0 }]);
}

export async function cmykJpeg(): Promise<OddFile> {
  const image = await redOverBlue(400, 300);
  const buffer = await sharp(await image.png().toBuffer())
    .toColourspace('cmyk')
    .jpeg({ quality: 92 })
    .toBuffer();
  return { name: 'cmyk.jpg', mimeType: 'image/jpeg', buffer };
}

export async function greyscaleJpeg(): Promise<OddFile> {
  const road = readFileSync(potholePhotos()[0]);
  const buffer = await sharp(road).toColourspace('b-w').jpeg({ quality: 90 }).toBuffer();
  return { name: 'grey.jpg', mimeType: 'image/jpeg', buffer };
}

/** 400x300 PNG: left half fully transparent, right half opaque green. */
export async function pngWithAlpha(): Promise<OddFile> {
  const green = await sharp({
    create: {
      width: 200,
      height: 300,
      channels: 4,
      background: { r: 30, g: 160, b: 40, alpha: 1 },
    },
  })
    .png()
    .toBuffer();
  const buffer = await sharp({
    create: { width: 400, height: 300, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
  })
    .composite([{ input: green, left: 200, top: 0 }])
    .png()
    .toBuffer();
  return { name: 'alpha.png', mimeType: 'image/png', buffer };
}

/**
 * Stored 400x300 with red in the left quarter, EXIF orientation 6 ("rotate 90° clockwise to
 * view"): upright it is 300x400 with red along the top.
 */
export async function exifRotatedJpeg(width = 400, height = 300): Promise<OddFile> {
  const red = await sharp({
    create: { width: width / 4, height, channels: 3, background: { r: 220, g: 20, b: 20 } },
  })
    .png()
    .toBuffer();
  const buffer = await sharp({
    create: { width, height, channels: 3, background: { r: 20, g: 20, b: 220 } },
  })
    .composite([{ input: red, left: 0, top: 0 }])
    .jpeg({ quality: 92 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  return { name: `rotated-${width}x${height}.jpg`, mimeType: 'image/jpeg', buffer };
}

/** 12000x9000 (108 MP), top half red, bottom half blue. Encoding it takes sharp ~10 s here,
 * so it is kept in .test-output between runs. */
export async function hugeJpeg(): Promise<OddFile> {
  const cached = path.join(projectRoot, '.test-output', 'odd-photos', 'huge-12000x9000-v1.jpg');
  if (!existsSync(cached)) {
    const halves = await sharp({
      create: { width: 4, height: 2, channels: 3, background: { r: 20, g: 20, b: 220 } },
    })
      .composite([
        {
          input: {
            create: { width: 4, height: 1, channels: 3, background: { r: 220, g: 20, b: 20 } },
          },
          top: 0,
          left: 0,
        },
      ])
      .png()
      .toBuffer();
    const buffer = await sharp(halves)
      .resize(12000, 9000, { kernel: 'nearest', fit: 'fill' })
      .jpeg({ quality: 80 })
      .toBuffer();
    mkdirSync(path.dirname(cached), { recursive: true });
    writeFileSync(`${cached}.tmp`, buffer);
    renameSync(`${cached}.tmp`, cached);
  }
  return { name: 'huge.jpg', mimeType: 'image/jpeg', buffer: readFileSync(cached) };
}

export function truncatedJpeg(): OddFile {
  const whole = readFileSync(potholePhotos()[2]);
  return {
    name: 'cut.jpg',
    mimeType: 'image/jpeg',
    buffer: whole.subarray(0, Math.floor(whole.length * 0.6)),
  };
}

export function emptyFile(): OddFile {
  return { name: 'empty.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(0) };
}

export function textAsJpeg(): OddFile {
  return {
    name: 'notes.jpg',
    mimeType: 'image/jpeg',
    buffer: Buffer.from('Road survey notes: kerb damaged near the school.\n'),
  };
}

/** The start of an iPhone HEIC: an ISO-BMFF ftyp box with brands heic/mif1, then filler. */
export function heicLike(): OddFile {
  const ftyp = Buffer.concat([
    Buffer.from([0, 0, 0, 0x18]),
    Buffer.from('ftypheic'),
    Buffer.from([0, 0, 0, 0]),
    Buffer.from('mif1heic'),
  ]);
  const meta = Buffer.alloc(4096, 0x5a);
  return { name: 'IMG_0042.HEIC', mimeType: 'image/heic', buffer: Buffer.concat([ftyp, meta]) };
}

/** 1600x1200 of random noise: a JPEG of about 1.5 MB that stays that big when re-encoded. */
export async function noisyPhoto(): Promise<OddFile> {
  const pixels = Buffer.alloc(1600 * 1200 * 3);
  let state = 12345;
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    pixels[i] = state >>> 24;
  }
  const buffer = await sharp(pixels, { raw: { width: 1600, height: 1200, channels: 3 } })
    .jpeg({ quality: 92 })
    .toBuffer();
  return { name: 'noise.jpg', mimeType: 'image/jpeg', buffer };
}

/** A road photo carrying EXIF GPS (the Eiffel Tower: 48°51'29.52"N 2°17'40.20"E), as a
 * gallery photo taken elsewhere would. */
export async function photoWithGps(): Promise<OddFile> {
  const road = readFileSync(potholePhotos()[3]);
  const buffer = await sharp(road)
    .jpeg({ quality: 90 })
    .withExif({
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '48/1 51/1 2952/100',
        GPSLongitudeRef: 'E',
        GPSLongitude: '2/1 17/1 4020/100',
      },
    })
    .toBuffer();
  return { name: 'gallery.jpg', mimeType: 'image/jpeg', buffer };
}
