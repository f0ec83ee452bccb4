/**
 * The geometry of the boxes an engineer draws on a photo (issue 11), pure and DOM-free so that
 * it is tested in Node. A box is [xmin, ymin, xmax, ymax] in the photo's own pixels, as the
 * record's `correction.boxes` keeps it; the page converts pointer positions to photo pixels
 * with `photoPoint` and draws boxes in percentages with `boxPercent`.
 */

export type Box = [number, number, number, number];
export interface Point {
  x: number;
  y: number;
}
export interface Size {
  width: number;
  height: number;
}
/** Where a box's element sits on the screen (a DOMRect's fields). */
export interface ScreenRect {
  left: number;
  top: number;
  width: number;
  height: number;
}
/** A corner handle: north-west, north-east, south-west, south-east. */
export type Handle = 'nw' | 'ne' | 'sw' | 'se';
export const HANDLES: readonly Handle[] = ['nw', 'ne', 'sw', 'se'];

/**
 * The smallest side a box may have: 2% of the photo's shorter side, at least 4 pixels. A tap
 * (or a slip of the finger) makes no box; a real damage is never that small on a road photo.
 */
export function minBoxSide(photo: Size): number {
  return Math.max(4, Math.round(Math.min(photo.width, photo.height) * 0.02));
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** A point inside the photo, from a pointer's client position over the photo's element. */
export function photoPoint(clientX: number, clientY: number, rect: ScreenRect, photo: Size): Point {
  const fx = rect.width > 0 ? (clientX - rect.left) / rect.width : 0;
  const fy = rect.height > 0 ? (clientY - rect.top) / rect.height : 0;
  return {
    x: clamp(Math.round(fx * photo.width), 0, photo.width),
    y: clamp(Math.round(fy * photo.height), 0, photo.height),
  };
}

/** The box a drag from `start` to `end` spans (any direction), inside the photo; null when
 * smaller than `minBoxSide` either way. */
export function boxFromDrag(start: Point, end: Point, photo: Size): Box | null {
  const x0 = clamp(Math.round(Math.min(start.x, end.x)), 0, photo.width);
  const x1 = clamp(Math.round(Math.max(start.x, end.x)), 0, photo.width);
  const y0 = clamp(Math.round(Math.min(start.y, end.y)), 0, photo.height);
  const y1 = clamp(Math.round(Math.max(start.y, end.y)), 0, photo.height);
  const min = minBoxSide(photo);
  return x1 - x0 >= min && y1 - y0 >= min ? [x0, y0, x1, y1] : null;
}

/**
 * The box with one corner dragged to `to`: the opposite corner stays, the box never turns
 * inside out (a side stops at `minBoxSide` from the opposite one) and never leaves the photo.
 */
export function resizeBox(box: Box, handle: Handle, to: Point, photo: Size): Box {
  const min = minBoxSide(photo);
  let [x0, y0, x1, y1] = box;
  const x = Math.round(to.x);
  const y = Math.round(to.y);
  if (handle === 'nw' || handle === 'sw') x0 = clamp(x, 0, x1 - min);
  else x1 = clamp(x, x0 + min, photo.width);
  if (handle === 'nw' || handle === 'ne') y0 = clamp(y, 0, y1 - min);
  else y1 = clamp(y, y0 + min, photo.height);
  return [x0, y0, x1, y1];
}

/** The box moved by (dx, dy), kept whole inside the photo. */
export function moveBox(box: Box, dx: number, dy: number, photo: Size): Box {
  const [x0, y0, x1, y1] = box;
  const mx = clamp(Math.round(dx), -x0, photo.width - x1);
  const my = clamp(Math.round(dy), -y0, photo.height - y1);
  return [x0 + mx, y0 + my, x1 + mx, y1 + my];
}

/** A quarter-size box in the middle of the photo: where "Add a box" (keyboard) starts one. */
export function centredBox(photo: Size): Box {
  const w = Math.round(photo.width / 4);
  const h = Math.round(photo.height / 4);
  const x0 = Math.round((photo.width - w) / 2);
  const y0 = Math.round((photo.height - h) / 2);
  return [x0, y0, x0 + w, y0 + h];
}

/** The step of one arrow key press: 2% of the photo's longer side. */
export function keyStep(photo: Size): number {
  return Math.max(1, Math.round(Math.max(photo.width, photo.height) * 0.02));
}

/**
 * A box's arrow-key change: arrows move it; with Shift they move its south-east corner (grow
 * or shrink). Null for any other key.
 */
export function boxAfterKey(box: Box, key: string, shift: boolean, photo: Size): Box | null {
  const step = keyStep(photo);
  const deltas: Record<string, [number, number]> = {
    ArrowLeft: [-step, 0],
    ArrowRight: [step, 0],
    ArrowUp: [0, -step],
    ArrowDown: [0, step],
  };
  const delta = deltas[key];
  if (!delta) return null;
  if (!shift) return moveBox(box, delta[0], delta[1], photo);
  return resizeBox(box, 'se', { x: box[2] + delta[0], y: box[3] + delta[1] }, photo);
}

/** A box as CSS percentages of the photo (left, top, width, height). */
export function boxPercent(box: Box, photo: Size): ScreenRect {
  const [x0, y0, x1, y1] = box;
  return {
    left: (x0 / photo.width) * 100,
    top: (y0 / photo.height) * 100,
    width: ((x1 - x0) / photo.width) * 100,
    height: ((y1 - y0) / photo.height) * 100,
  };
}

/** A corner's position in photo pixels. */
export function handlePoint(box: Box, handle: Handle): Point {
  return {
    x: handle === 'nw' || handle === 'sw' ? box[0] : box[2],
    y: handle === 'nw' || handle === 'ne' ? box[1] : box[3],
  };
}
