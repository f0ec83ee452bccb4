/**
 * Small synthetic road photos for the tools' tests, written as real JPEG files with sharp:
 * "good roads" are grey asphalt noise, "potholes" the same with a dark blob, and each photo
 * gets a few seeded shapes so that different photos have different perceptual hashes.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { seededRng } from '../../tools/data/rng';

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `roadcam-${prefix}-`));
}

/** RGB pixels of a synthetic road photo; `pothole` adds a dark elliptical blob. */
export function roadPixels(
  width: number,
  height: number,
  seed: number,
  pothole: boolean,
): { data: Buffer; box?: [number, number, number, number] } {
  const rng = seededRng(seed);
  const data = Buffer.alloc(width * height * 3);
  const base = 100 + rng() * 60;
  // A random shading gradient and large shapes of other greys make the photo's structure (and
  // so its perceptual hash) its own.
  const angle = rng() * 2 * Math.PI;
  const [gx, gy] = [Math.cos(angle) * 60, Math.sin(angle) * 60];
  const shapes = Array.from({ length: 8 }, () => ({
    x: rng() * width,
    y: rng() * height,
    r: (0.1 + rng() * 0.3) * Math.min(width, height),
    shade: (rng() - 0.5) * 120,
  }));
  const blob = pothole
    ? {
        x: (0.3 + rng() * 0.4) * width,
        y: (0.3 + rng() * 0.4) * height,
        rx: width * 0.16,
        ry: height * 0.12,
      }
    : undefined;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = base + (rng() - 0.5) * 30 + gx * (x / width - 0.5) + gy * (y / height - 0.5);
      for (const s of shapes) if (Math.hypot(x - s.x, y - s.y) < s.r) v += s.shade;
      if (blob && ((x - blob.x) / blob.rx) ** 2 + ((y - blob.y) / blob.ry) ** 2 < 1)
        v = 25 + rng() * 15;
      const p = (y * width + x) * 3;
      data[p] = Math.max(0, Math.min(255, v + 4));
      data[p + 1] = Math.max(0, Math.min(255, v));
      data[p + 2] = Math.max(0, Math.min(255, v - 4));
    }
  }
  const box = blob
    ? ([blob.x - blob.rx, blob.y - blob.ry, blob.x + blob.rx, blob.y + blob.ry] as [
        number,
        number,
        number,
        number,
      ])
    : undefined;
  return { data, box };
}

export async function writeRoadPhoto(
  file: string,
  seed: number,
  pothole: boolean,
  width = 96,
  height = 72,
): Promise<[number, number, number, number] | undefined> {
  mkdirSync(path.dirname(file), { recursive: true });
  const { data, box } = roadPixels(width, height, seed, pothole);
  await sharp(data, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toFile(file);
  return box;
}

/** A folder in the public layout: normal/ and potholes/ with `perClass` photos each. */
export async function writeLabelledFolder(
  dir: string,
  perClass: number,
  seed = 1,
  names: (label: 'normal' | 'potholes', i: number) => string = (_, i) => `${i + 1}.jpg`,
): Promise<void> {
  for (let i = 0; i < perClass; i++) {
    await writeRoadPhoto(path.join(dir, 'normal', names('normal', i)), seed * 1000 + i, false);
    await writeRoadPhoto(
      path.join(dir, 'potholes', names('potholes', i)),
      seed * 1000 + 500 + i,
      true,
    );
  }
}
