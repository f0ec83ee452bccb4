/**
 * A Y4M video made from photos, for Chromium's fake camera in the drive test and benchmark
 * (`--use-file-for-fake-video-capture`): a one-line header, then per frame `FRAME\n` and the
 * raw I420 planes (Y full size, U and V at half size, BT.601 studio range). No external tool:
 * sharp resizes and decodes each photo to RGB, the conversion is here.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import sharp from 'sharp';

export interface Y4mScene {
  /** Photo file, shown for `seconds`. */
  photo: string;
  seconds: number;
}

/** RGB (3 bytes per pixel) to I420 planes; width and height even. */
export function rgbToI420(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const ySize = width * height;
  const cSize = (width / 2) * (height / 2);
  const out = new Uint8Array(ySize + 2 * cSize);
  for (let i = 0; i < ySize; i++) {
    const r = rgb[i * 3];
    const g = rgb[i * 3 + 1];
    const b = rgb[i * 3 + 2];
    out[i] = Math.round(16 + 0.257 * r + 0.504 * g + 0.098 * b);
  }
  for (let y = 0; y < height / 2; y++) {
    for (let x = 0; x < width / 2; x++) {
      // Average of the 2x2 block.
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ]) {
        const p = ((y * 2 + dy) * width + (x * 2 + dx)) * 3;
        r += rgb[p];
        g += rgb[p + 1];
        b += rgb[p + 2];
      }
      r /= 4;
      g /= 4;
      b /= 4;
      const c = y * (width / 2) + x;
      out[ySize + c] = Math.round(128 - 0.148 * r - 0.291 * g + 0.439 * b);
      out[ySize + cSize + c] = Math.round(128 + 0.439 * r - 0.368 * g - 0.071 * b);
    }
  }
  return out;
}

/** Writes the scenes, in order, as one Y4M file at `fps`. Returns the number of frames. */
export async function writeY4m(
  file: string,
  scenes: readonly Y4mScene[],
  options: { width: number; height: number; fps: number },
): Promise<number> {
  const { width, height, fps } = options;
  if (width % 2 || height % 2) throw new Error('Y4M I420 needs an even width and height');
  const out = createWriteStream(file);
  out.write(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  let frames = 0;
  for (const scene of scenes) {
    const rgb = await sharp(scene.photo)
      .rotate()
      .resize(width, height, { fit: 'cover' })
      .removeAlpha()
      .raw()
      .toBuffer();
    const planes = rgbToI420(rgb, width, height);
    const count = Math.max(1, Math.round(scene.seconds * fps));
    for (let i = 0; i < count; i++) {
      out.write('FRAME\n');
      if (!out.write(planes)) await once(out, 'drain');
      frames++;
    }
  }
  out.end();
  await once(out, 'finish');
  return frames;
}
