import { ExplainError } from '../errors';

/**
 * An axis-aligned box [xmin, ymin, xmax, ymax] in the pixels of the photo, as the annotated
 * data sets give them (fractions allowed). Pixel (x, y) covers [x, x + 1) x [y, y + 1); it is
 * inside a box when its centre (x + 0.5, y + 0.5) is, edges included. A box with integer corners
 * [0, 0, 10, 10] thus holds exactly 10 x 10 pixels, so area shares match the boxes' geometry.
 */
export type Box = readonly [number, number, number, number];

/** Throws ExplainError('bad-input-shape') for a box with non-finite or inverted corners. */
export function assertBoxes(boxes: readonly Box[]): void {
  boxes.forEach((box, i) => {
    const ok =
      Array.isArray(box) &&
      box.length === 4 &&
      box.every((v) => Number.isFinite(v)) &&
      box[0] <= box[2] &&
      box[1] <= box[3];
    if (!ok) {
      throw new ExplainError(
        'bad-input-shape',
        `Box ${i + 1} is not a valid [xmin, ymin, xmax, ymax] box in pixels.`,
        `boxes[${i}] = ${JSON.stringify(box)}; corners must be finite with xmin <= xmax, ymin <= ymax`,
      );
    }
  });
}

/** Euclidean distance from point (px, py) to the box, 0 when the point is inside or on it. */
export function distanceToBox(px: number, py: number, box: Box): number {
  const dx = Math.max(box[0] - px, 0, px - box[2]);
  const dy = Math.max(box[1] - py, 0, py - box[3]);
  return Math.hypot(dx, dy);
}

/**
 * The union of the boxes as a width x height mask (1 inside, 0 outside); overlapping boxes
 * count once and parts outside the photo are dropped.
 */
export function boxUnionMask(width: number, height: number, boxes: readonly Box[]): Uint8Array {
  assertBoxes(boxes);
  const mask = new Uint8Array(width * height);
  for (const [xmin, ymin, xmax, ymax] of boxes) {
    // Pixel x is inside when xmin <= x + 0.5 <= xmax.
    const x0 = Math.max(0, Math.ceil(xmin - 0.5));
    const x1 = Math.min(width - 1, Math.floor(xmax - 0.5));
    const y0 = Math.max(0, Math.ceil(ymin - 0.5));
    const y1 = Math.min(height - 1, Math.floor(ymax - 0.5));
    for (let y = y0; y <= y1; y++) mask.fill(1, y * width + x0, y * width + x1 + 1);
  }
  return mask;
}
