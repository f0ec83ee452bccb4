import { describe, expect, it } from 'vitest';
import {
  boxAfterKey,
  boxFromDrag,
  boxPercent,
  centredBox,
  keyStep,
  minBoxSide,
  moveBox,
  photoPoint,
  resizeBox,
  type Box,
} from '../../../src/features/correction/shared/box-geometry';
import { damageBoxSchema } from '../../../src/schema/survey';

const PHOTO = { width: 1600, height: 1200 };

describe('box geometry (photo pixels)', () => {
  it('maps a pointer over the shown photo to photo pixels, clamped to the photo', () => {
    const rect = { left: 10, top: 100, width: 400, height: 300 }; // shown at a quarter size
    expect(photoPoint(10, 100, rect, PHOTO)).toEqual({ x: 0, y: 0 });
    expect(photoPoint(210, 250, rect, PHOTO)).toEqual({ x: 800, y: 600 });
    expect(photoPoint(410, 400, rect, PHOTO)).toEqual({ x: 1600, y: 1200 });
    // Outside the photo (a drag that left it): the nearest edge.
    expect(photoPoint(-50, 900, rect, PHOTO)).toEqual({ x: 0, y: 1200 });
  });

  it('a drag in any direction gives the same box; a tap or a thin slip gives none', () => {
    const a = boxFromDrag({ x: 100, y: 200 }, { x: 500, y: 600 }, PHOTO);
    const b = boxFromDrag({ x: 500, y: 600 }, { x: 100, y: 200 }, PHOTO);
    const c = boxFromDrag({ x: 500, y: 200 }, { x: 100, y: 600 }, PHOTO);
    expect(a).toEqual([100, 200, 500, 600]);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(boxFromDrag({ x: 100, y: 100 }, { x: 101, y: 102 }, PHOTO)).toBeNull();
    expect(boxFromDrag({ x: 100, y: 100 }, { x: 900, y: 105 }, PHOTO)).toBeNull();
    expect(minBoxSide(PHOTO)).toBe(24);
    expect(minBoxSide({ width: 50, height: 40 })).toBe(4);
  });

  it('every box it makes passes the record schema and stays inside the photo', () => {
    const boxes: Box[] = [
      boxFromDrag({ x: -20, y: -20 }, { x: 2000, y: 2000 }, PHOTO)!,
      resizeBox([100, 100, 300, 300], 'nw', { x: 900, y: 900 }, PHOTO),
      moveBox([100, 100, 300, 300], 5000, -5000, PHOTO),
      centredBox(PHOTO),
    ];
    for (const box of boxes) {
      expect(damageBoxSchema.safeParse({ type: 'pothole', box }).success, String(box)).toBe(true);
      expect(box[2]).toBeLessThanOrEqual(PHOTO.width);
      expect(box[3]).toBeLessThanOrEqual(PHOTO.height);
      expect(Math.min(...box)).toBeGreaterThanOrEqual(0);
    }
  });

  it('resizing moves one corner; the opposite one stays and the box never turns inside out', () => {
    const box: Box = [100, 100, 300, 300];
    expect(resizeBox(box, 'se', { x: 500, y: 400 }, PHOTO)).toEqual([100, 100, 500, 400]);
    expect(resizeBox(box, 'nw', { x: 50, y: 60 }, PHOTO)).toEqual([50, 60, 300, 300]);
    expect(resizeBox(box, 'ne', { x: 400, y: 20 }, PHOTO)).toEqual([100, 20, 400, 300]);
    expect(resizeBox(box, 'sw', { x: 0, y: 1500 }, PHOTO)).toEqual([0, 100, 300, 1200]);
    // Dragged past the opposite corner: stops at the smallest side.
    expect(resizeBox(box, 'nw', { x: 900, y: 900 }, PHOTO)).toEqual([276, 276, 300, 300]);
    expect(resizeBox(box, 'se', { x: 0, y: 0 }, PHOTO)).toEqual([100, 100, 124, 124]);
  });

  it('moving keeps the whole box inside the photo and its size unchanged', () => {
    expect(moveBox([100, 100, 300, 300], 50, -30, PHOTO)).toEqual([150, 70, 350, 270]);
    expect(moveBox([100, 100, 300, 300], -500, 0, PHOTO)).toEqual([0, 100, 200, 300]);
    expect(moveBox([100, 100, 300, 300], 5000, 5000, PHOTO)).toEqual([1400, 1000, 1600, 1200]);
  });

  it('arrow keys move a box, Shift+arrows resize it, other keys do nothing', () => {
    const step = keyStep(PHOTO);
    expect(step).toBe(32);
    const box: Box = [100, 100, 300, 300];
    expect(boxAfterKey(box, 'ArrowRight', false, PHOTO)).toEqual([132, 100, 332, 300]);
    expect(boxAfterKey(box, 'ArrowUp', false, PHOTO)).toEqual([100, 68, 300, 268]);
    expect(boxAfterKey(box, 'ArrowRight', true, PHOTO)).toEqual([100, 100, 332, 300]);
    expect(boxAfterKey(box, 'ArrowUp', true, PHOTO)).toEqual([100, 100, 300, 268]);
    expect(boxAfterKey(box, 'Enter', false, PHOTO)).toBeNull();
  });

  it('gives CSS percentages of the photo', () => {
    expect(boxPercent([400, 300, 800, 900], PHOTO)).toEqual({
      left: 25,
      top: 25,
      width: 25,
      height: 50,
    });
    expect(centredBox(PHOTO)).toEqual([600, 450, 1000, 750]);
  });
});
