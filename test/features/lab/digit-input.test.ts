/**
 * The digit pad's preprocessing: a thick stroke drawn anywhere on the 280 px pad becomes an
 * MNIST-style 28x28 digit (fitted to 20 px, centre of mass at the centre), and a small MNIST CNN
 * trained here for a few seconds reads drawn digits as what they are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import { digitToMnist } from '../../../src/features/lab/shared/digit-input';
import type { RgbaPixels } from '../../../src/features/lab/shared/lab-protocol';
import { tf, useBackend } from '../../../tools/lib/tf-node';
import { trainedMnistCnn } from '../../explain/actmax-models';

const PAD = 280;
const STROKE = 22;

type Point = [number, number];

/** White strokes of width STROKE on a black pad, as the pad draws them. */
function drawStrokes(strokes: Point[][]): RgbaPixels {
  const data = new Uint8ClampedArray(PAD * PAD * 4);
  for (let p = 3; p < data.length; p += 4) data[p] = 255;
  const segments: [Point, Point][] = strokes.flatMap((s) =>
    s.slice(1).map((to, i) => [s[i], to] as [Point, Point]),
  );
  for (let y = 0; y < PAD; y++) {
    for (let x = 0; x < PAD; x++) {
      const inside = segments.some(([a, b]) => {
        const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
        const t = Math.max(
          0,
          Math.min(1, ((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy || 1)),
        );
        return Math.hypot(x - a[0] - t * dx, y - a[1] - t * dy) <= STROKE / 2;
      });
      if (inside) data.fill(255, (y * PAD + x) * 4, (y * PAD + x) * 4 + 3);
    }
  }
  return { width: PAD, height: PAD, data };
}

function circle(cx: number, cy: number, rx: number, ry: number): Point[] {
  return Array.from({ length: 33 }, (_, i) => {
    const a = (i / 32) * 2 * Math.PI;
    return [cx + rx * Math.cos(a), cy + ry * Math.sin(a)] as Point;
  });
}

function centreOfMass(p: RgbaPixels): [number, number] {
  let m = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      const v = p.data[(y * p.width + x) * 4];
      m += v;
      cx += v * (x + 0.5);
      cy += v * (y + 0.5);
    }
  }
  return [cx / m, cy / m];
}

function inkBox(p: RgbaPixels): { w: number; h: number } {
  let [l, r, t, b] = [p.width, -1, p.height, -1];
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      if (p.data[(y * p.width + x) * 4] > 24) {
        l = Math.min(l, x);
        r = Math.max(r, x);
        t = Math.min(t, y);
        b = Math.max(b, y);
      }
    }
  }
  return { w: r - l + 1, h: b - t + 1 };
}

describe('digit pad preprocessing', () => {
  it('an empty pad is no digit', () => {
    expect(digitToMnist(drawStrokes([]))).toBeNull();
  });

  it('a stroke in a corner is fitted to 20 px and centred by its centre of mass', () => {
    const one = digitToMnist(
      drawStrokes([
        [
          [40, 20],
          [50, 120],
        ],
      ]),
    )!;
    expect([one.width, one.height]).toEqual([28, 28]);
    const [cx, cy] = centreOfMass(one);
    expect(Math.abs(cx - 14)).toBeLessThanOrEqual(1);
    expect(Math.abs(cy - 14)).toBeLessThanOrEqual(1);
    const box = inkBox(one);
    expect(box.h).toBeGreaterThanOrEqual(19);
    expect(box.h).toBeLessThanOrEqual(21);
    expect(box.w).toBeLessThan(box.h);
    // Grey: R = G = B, opaque.
    for (let i = 0; i < one.data.length; i += 4) {
      expect(one.data[i + 1]).toBe(one.data[i]);
      expect(one.data[i + 3]).toBe(255);
    }
  });
});

describe('drawn digits read by a small MNIST CNN (wasm)', () => {
  let model: tfl.LayersModel;

  beforeAll(async () => {
    await useBackend('wasm');
    ({ model } = await trainedMnistCnn());
  });
  afterAll(() => model?.dispose());

  function read(drawing: RgbaPixels): number {
    const digit = digitToMnist(drawing)!;
    return tf.tidy(() => {
      const grey = Float32Array.from({ length: 28 * 28 }, (_, i) => digit.data[i * 4] / 255);
      const probs = model.predict(tf.tensor4d(grey, [1, 28, 28, 1])) as tf.Tensor2D;
      return tf.argMax(probs, 1).dataSync()[0];
    });
  }

  it('reads a drawn 1, 0 and 7 anywhere on the pad', () => {
    const one = [
      [
        [150, 40],
        [140, 240],
      ] as Point[],
    ];
    const zero = [circle(120, 150, 60, 95)];
    const seven = [
      [
        [60, 50],
        [220, 50],
        [120, 250],
      ] as Point[],
    ];
    expect(read(drawStrokes(one))).toBe(1);
    expect(read(drawStrokes(zero))).toBe(0);
    expect(read(drawStrokes(seven))).toBe(7);
  });
});
