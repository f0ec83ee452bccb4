/**
 * Copy-paste augmentation: a pothole cut from one training photo (its box and a margin of the
 * road around it, the margin faded out) pasted at a random place and scale into a photo without
 * one, which is then labelled with a pothole in the pasted box. Wherever the paste lands (beside
 * grass, a kerb, a sign, in a wide view), the only evidence for "pothole" is the pothole itself:
 * the photo's surroundings stop telling the classes apart. Pure byte work on square RGB images,
 * no tfjs, so that it is cheap and testable.
 */
import type { NormalizedBox } from './augment';
import type { Rng } from './rng';

export interface PasteOptions {
  /** Share of the photos known to have no pothole that get one pasted, per batch. */
  rate: number;
  /** The paste's size against the donor's own, drawn from this range. */
  scale: [number, number];
  /** Road kept around the box, as a share of the box's side, faded from opaque to none. */
  context: number;
  /** Donor boxes smaller than this (pixels, at the stored size) are not cut. */
  minSide: number;
  /** The largest paste, as a share of the photo's side. */
  maxShare: number;
}

export const DEFAULT_PASTE: PasteOptions = {
  rate: 0.2,
  scale: [0.6, 1.4],
  context: 0.3,
  minSide: 6,
  maxShare: 0.5,
};

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * Pastes `box` of `source` into `target` (both `side` x `side` RGB bytes; `target` is changed)
 * and returns where the box itself landed, as shares of the photo. The margin around the box
 * fades linearly to transparent at the paste's edge; the box is opaque.
 */
export function pasteBox(
  target: Uint8Array,
  source: Uint8Array,
  side: number,
  box: NormalizedBox,
  rng: Rng,
  options: PasteOptions = DEFAULT_PASTE,
): NormalizedBox {
  const [bx1, by1, bx2, by2] = box.map((v) => v * side);
  const mx = (bx2 - bx1) * options.context;
  const my = (by2 - by1) * options.context;
  // The cut: the box grown by the margin, kept inside the photo.
  const sx1 = clamp(bx1 - mx, 0, side);
  const sy1 = clamp(by1 - my, 0, side);
  const sx2 = clamp(bx2 + mx, 0, side);
  const sy2 = clamp(by2 + my, 0, side);
  const sw = sx2 - sx1;
  const sh = sy2 - sy1;
  let s = options.scale[0] + rng() * (options.scale[1] - options.scale[0]);
  s = Math.min(s, (options.maxShare * side) / Math.max(sw, sh));
  const dw = Math.max(2, Math.round(sw * s));
  const dh = Math.max(2, Math.round(sh * s));
  const dx = Math.floor(rng() * (side - dw + 1));
  const dy = Math.floor(rng() * (side - dh + 1));
  // Fade widths: the margin's share of the cut on each side (none where the cut met the edge).
  const fadeLeft = ((bx1 - sx1) / sw) * dw;
  const fadeRight = ((sx2 - bx2) / sw) * dw;
  const fadeTop = ((by1 - sy1) / sh) * dh;
  const fadeBottom = ((sy2 - by2) / sh) * dh;
  const ramp = (d: number, width: number) => (width <= 0 ? 1 : clamp(d / width, 0, 1));
  for (let j = 0; j < dh; j++) {
    const v = sy1 + ((j + 0.5) / dh) * sh - 0.5;
    const y0 = clamp(Math.floor(v), 0, side - 1);
    const y1 = Math.min(y0 + 1, side - 1);
    const fy = clamp(v - y0, 0, 1);
    const ay = Math.min(ramp(j + 0.5, fadeTop), ramp(dh - j - 0.5, fadeBottom));
    for (let i = 0; i < dw; i++) {
      const alpha = ay * Math.min(ramp(i + 0.5, fadeLeft), ramp(dw - i - 0.5, fadeRight));
      if (alpha <= 0) continue;
      const u = sx1 + ((i + 0.5) / dw) * sw - 0.5;
      const x0 = clamp(Math.floor(u), 0, side - 1);
      const x1 = Math.min(x0 + 1, side - 1);
      const fx = clamp(u - x0, 0, 1);
      const t = ((dy + j) * side + dx + i) * 3;
      // The four source pixels around (u, v), bilinearly weighted.
      const p00 = (y0 * side + x0) * 3;
      const p10 = (y0 * side + x1) * 3;
      const p01 = (y1 * side + x0) * 3;
      const p11 = (y1 * side + x1) * 3;
      for (let c = 0; c < 3; c++) {
        const value =
          (1 - fy) * ((1 - fx) * source[p00 + c] + fx * source[p10 + c]) +
          fy * ((1 - fx) * source[p01 + c] + fx * source[p11 + c]);
        target[t + c] = Math.round(alpha * value + (1 - alpha) * target[t + c]);
      }
    }
  }
  return [
    (dx + fadeLeft) / side,
    (dy + fadeTop) / side,
    (dx + dw - fadeRight) / side,
    (dy + dh - fadeBottom) / side,
  ];
}

/** Every box worth cutting: (example, box) pairs of boxes at least `minSide` pixels a side. */
export function pasteDonors(
  boxesOf: readonly (readonly NormalizedBox[])[],
  side: number,
  minSide: number,
): { example: number; box: NormalizedBox }[] {
  return boxesOf.flatMap((boxes, example) =>
    boxes
      .filter(([x1, y1, x2, y2]) => Math.min(x2 - x1, y2 - y1) * side >= minSide)
      .map((box) => ({ example, box })),
  );
}
