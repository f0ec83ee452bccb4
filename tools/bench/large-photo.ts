/**
 * A phone-sized photo for the app benchmark: a 256 px road photo from test/fixtures upscaled to
 * 4000x3000 (12 megapixels, as phones take them) with sharp, with a little sensor-like noise so
 * that the JPEG's size and decoding work are near a real photo's (an upscaled photo alone is
 * smooth and compresses to a fraction of one). Made in a temporary folder at each run; never
 * committed.
 */
import sharp from 'sharp';

export const LARGE_WIDTH = 4000;
export const LARGE_HEIGHT = 3000;

/** Writes the photo to `file`; returns its size in bytes. */
export async function makeLargePhoto(source: string, file: string): Promise<number> {
  const { data, info } = await sharp(source)
    .rotate()
    .resize(LARGE_WIDTH, LARGE_HEIGHT, { fit: 'cover', kernel: 'lanczos3' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  // xorshift32: fast, and the same photo at every run.
  let state = 0x9e3779b9;
  for (let i = 0; i < data.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const noise = ((state >>> 0) % 13) - 6;
    data[i] = Math.min(255, Math.max(0, data[i] + noise));
  }
  const out = await sharp(data, {
    raw: { width: info.width, height: info.height, channels: info.channels },
  })
    .jpeg({ quality: 92 })
    .toFile(file);
  return out.size;
}
