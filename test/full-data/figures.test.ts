/**
 * `npm run figures` on the shared material: the MobileNet cat figure and the pothole figures
 * (cases picked from the shipped model's held-out photos) come out as docs/figures shows them.
 * Written into a scratch folder with --out; docs/figures is left alone.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../tools/lib/paths';

const tsx = path.join(
  path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')),
  'dist',
  'cli.mjs',
);
const out = mkdtempSync(path.join(os.tmpdir(), 'roadcam-full-data-figures-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function pixels(file: string) {
  const { data, info } = await sharp(file)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('npm run figures on the shared material', () => {
  it('draws the cat and pothole figures as docs/figures has them', async () => {
    const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [tsx, 'tools/figures/make-figures.ts', '--only', 'cat,potholes', '--out', out],
        { cwd: projectRoot, maxBuffer: 64 * 2 ** 20 },
        (error, _stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    for (const name of [
      'mobilenet-cat-gradcam.png',
      'pothole-gradcam.png',
      'pothole-gradcam-mistakes.png',
    ]) {
      const [made, committed] = await Promise.all([
        pixels(path.join(out, name)),
        pixels(path.join(projectRoot, 'docs', 'figures', name)),
      ]);
      expect([made.width, made.height], name).toEqual([committed.width, committed.height]);
      // Same photos, heatmaps and captions; a last-digit change in a kernel may move a colour.
      let diff = 0;
      for (let i = 0; i < made.data.length; i++) diff += Math.abs(made.data[i] - committed.data[i]);
      expect(diff / made.data.length, name).toBeLessThan(2);
    }
  });
});
