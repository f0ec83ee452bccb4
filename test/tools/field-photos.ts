/**
 * Small synthetic field photos in the rdd2022 layout (images/ + labels.json), written as real
 * JPEG files: asphalt noise with, per photo, any of a pothole (dark blob, class D40), cracks
 * (thin dark lines, D00 along the road, D10 across it) and a patch (a darker rectangle, Repair).
 * `shots` > 1 writes the same scene from a few positions (shifted by a few pixels), as a field
 * survey photographs one place again: look-alikes, not copies.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { seededRng } from '../../tools/data/rng';

export type FieldDamage = 'D40' | 'D00' | 'D10' | 'Repair';
export interface FieldLabel {
  class: string;
  box: [number, number, number, number];
}

/** A scene larger than the photo, so shifted views of it share most of their pixels. */
function scene(side: number, seed: number, damage: readonly FieldDamage[]) {
  const rng = seededRng(seed);
  const big = side + 16;
  const grey = new Float32Array(big * big);
  const base = 90 + rng() * 70;
  const angle = rng() * 2 * Math.PI;
  const shapes = Array.from({ length: 6 }, () => ({
    x: rng() * big,
    y: rng() * big,
    r: (0.15 + rng() * 0.3) * big,
    shade: (rng() - 0.5) * 100,
  }));
  for (let y = 0; y < big; y++) {
    for (let x = 0; x < big; x++) {
      let v = base + (rng() - 0.5) * 24;
      v += Math.cos(angle) * 50 * (x / big - 0.5) + Math.sin(angle) * 50 * (y / big - 0.5);
      for (const s of shapes) if (Math.hypot(x - s.x, y - s.y) < s.r) v += s.shade;
      grey[y * big + x] = v;
    }
  }
  const labels: FieldLabel[] = [];
  const paint = (
    x1: number,
    y1: number,
    x2: number,
    y2: number,
    f: (x: number, y: number) => boolean,
    v: () => number,
  ) => {
    for (let y = Math.max(0, Math.floor(y1)); y < Math.min(big, y2); y++)
      for (let x = Math.max(0, Math.floor(x1)); x < Math.min(big, x2); x++)
        if (f(x, y)) grey[y * big + x] = v();
  };
  for (const d of damage) {
    const cx = 16 + rng() * (side - 32);
    const cy = 16 + rng() * (side - 32);
    if (d === 'D40') {
      const [rx, ry] = [side * 0.1, side * 0.07];
      paint(
        cx - rx,
        cy - ry,
        cx + rx,
        cy + ry,
        (x, y) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < 1,
        () => 20 + rng() * 15,
      );
      labels.push({ class: d, box: [cx - rx, cy - ry, cx + rx, cy + ry] });
    } else if (d === 'Repair') {
      const [w, h] = [side * 0.3, side * 0.2];
      paint(
        cx - w / 2,
        cy - h / 2,
        cx + w / 2,
        cy + h / 2,
        () => true,
        () => 45 + rng() * 10,
      );
      labels.push({ class: d, box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2] });
    } else {
      // A wiggly dark line, along the road (D00, vertical) or across it (D10, horizontal).
      const along = d === 'D00';
      const len = side * 0.5;
      const [x1, y1] = along ? [cx - 3, cy - len / 2] : [cx - len / 2, cy - 3];
      const [x2, y2] = along ? [cx + 3, cy + len / 2] : [cx + len / 2, cy + 3];
      paint(
        x1,
        y1,
        x2,
        y2,
        (x, y) =>
          along
            ? Math.abs(x - cx - Math.sin(y / 4) * 2) < 1.2
            : Math.abs(y - cy - Math.sin(x / 4) * 2) < 1.2,
        () => 30,
      );
      labels.push({ class: d, box: [x1, y1, x2, y2] });
    }
  }
  return { grey, big, labels };
}

/** Writes `name` as the view of the scene at offset (dx, dy); returns its labels. */
async function writeView(
  file: string,
  s: ReturnType<typeof scene>,
  side: number,
  dx: number,
  dy: number,
): Promise<FieldLabel[]> {
  const data = Buffer.alloc(side * side * 3);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const v = Math.max(0, Math.min(255, s.grey[(y + dy) * s.big + x + dx]));
      data.set(
        [v + 3, v, v - 3].map((c) => Math.max(0, Math.min(255, c))),
        (y * side + x) * 3,
      );
    }
  }
  mkdirSync(path.dirname(file), { recursive: true });
  await sharp(data, { raw: { width: side, height: side, channels: 3 } })
    .jpeg({ quality: 90 })
    .toFile(file);
  return s.labels
    .map((l) => ({
      class: l.class,
      box: [
        Math.max(0, l.box[0] - dx),
        Math.max(0, l.box[1] - dy),
        Math.min(side, l.box[2] - dx),
        Math.min(side, l.box[3] - dy),
      ] as [number, number, number, number],
    }))
    .filter((l) => l.box[2] > l.box[0] && l.box[3] > l.box[1]);
}

export interface FieldScene {
  damage: FieldDamage[];
  /** Photos of this scene, from slightly different positions (default 1). */
  shots?: number;
}

/**
 * Writes an rdd2022-layout folder: for each scene, `shots` photos named
 * `images/scene-<scene>-shot-<shot>.jpg`, and labels.json. Returns the labels written.
 */
export async function writeFieldFolder(
  dir: string,
  scenes: readonly FieldScene[],
  seed = 1,
  side = 96,
): Promise<Record<string, FieldLabel[]>> {
  const labels: Record<string, FieldLabel[]> = {};
  for (let i = 0; i < scenes.length; i++) {
    const s = scene(side, seed * 1000 + i, scenes[i].damage);
    for (let k = 0; k < (scenes[i].shots ?? 1); k++) {
      const name = `images/scene-${i + 1}-shot-${k + 1}.jpg`;
      labels[name] = await writeView(path.join(dir, name), s, side, 3 + k * 3, 2 + k * 2);
    }
  }
  writeFileSync(path.join(dir, 'labels.json'), JSON.stringify(labels));
  return labels;
}
