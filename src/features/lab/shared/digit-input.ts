/**
 * A digit drawn with a finger, turned into what an MNIST model was trained on: white ink on
 * black, the digit's bounding box scaled to fit 20x20 (keeping its aspect) and placed in a
 * 28x28 image with its centre of mass at the centre (LeCun et al.'s preprocessing). Drawn
 * strokes are thick and off-centre; without this a good MNIST model misreads them.
 * Plain TypeScript over RGBA pixels, so Node tests check it without a canvas.
 */
import type { RgbaPixels } from './lab-protocol';

/** Ink darker than this (0..255 luminance) counts as background when finding the digit. */
const INK_THRESHOLD = 24;

function luminance(data: ArrayLike<number>, i: number): number {
  return 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
}

/** Bilinear sample of a grey image at (x, y) in pixel centres; outside is 0. */
function sample(grey: Float32Array, w: number, h: number, x: number, y: number): number {
  const x0 = Math.floor(x - 0.5);
  const y0 = Math.floor(y - 0.5);
  const fx = x - 0.5 - x0;
  const fy = y - 0.5 - y0;
  const at = (xx: number, yy: number) =>
    xx < 0 || yy < 0 || xx >= w || yy >= h ? 0 : grey[yy * w + xx];
  return (
    at(x0, y0) * (1 - fx) * (1 - fy) +
    at(x0 + 1, y0) * fx * (1 - fy) +
    at(x0, y0 + 1) * (1 - fx) * fy +
    at(x0 + 1, y0 + 1) * fx * fy
  );
}

/**
 * The drawing as a `size` x `size` MNIST-style image (grey in R = G = B, opaque), or null when
 * nothing is drawn.
 */
export function digitToMnist(drawing: RgbaPixels, size = 28): RgbaPixels | null {
  const { width: w, height: h, data } = drawing;
  const grey = new Float32Array(w * h);
  let left = w;
  let right = -1;
  let top = h;
  let bottom = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = luminance(data, (y * w + x) * 4);
      grey[y * w + x] = v;
      if (v > INK_THRESHOLD) {
        if (x < left) left = x;
        if (x > right) right = x;
        if (y < top) top = y;
        if (y > bottom) bottom = y;
      }
    }
  }
  if (right < 0) return null;
  const boxW = right - left + 1;
  const boxH = bottom - top + 1;
  const fit = (size * 20) / 28;
  const scale = fit / Math.max(boxW, boxH);
  const outW = Math.max(1, Math.round(boxW * scale));
  const outH = Math.max(1, Math.round(boxH * scale));
  // Area-average by supersampling each target pixel on a grid of source points: a plain
  // bilinear sample of a 280 px stroke would alias at 20 px.
  const sub = Math.max(1, Math.ceil(1 / scale));
  const small = new Float32Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let sum = 0;
      for (let sy = 0; sy < sub; sy++) {
        for (let sx = 0; sx < sub; sx++) {
          const srcX = left + (x + (sx + 0.5) / sub) / scale;
          const srcY = top + (y + (sy + 0.5) / sub) / scale;
          sum += sample(grey, w, h, srcX, srcY);
        }
      }
      small[y * outW + x] = sum / (sub * sub);
    }
  }
  // Centre of mass of the scaled digit, placed at the image centre.
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const v = small[y * outW + x];
      mass += v;
      cx += v * (x + 0.5);
      cy += v * (y + 0.5);
    }
  }
  const offX = Math.round(size / 2 - cx / mass);
  const offY = Math.round(size / 2 - cy / mass);
  const out = new Uint8ClampedArray(size * size * 4);
  for (let p = 3; p < out.length; p += 4) out[p] = 255;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const tx = x + offX;
      const ty = y + offY;
      if (tx < 0 || ty < 0 || tx >= size || ty >= size) continue;
      const v = Math.min(255, Math.round(small[y * outW + x]));
      const i = (ty * size + tx) * 4;
      out[i] = out[i + 1] = out[i + 2] = v;
    }
  }
  return { width: size, height: size, data: out };
}
