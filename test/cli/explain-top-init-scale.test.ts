/**
 * Two small options of the roadcam command line, as a user runs them (child processes):
 * `explain --top K` (one overlay per class of the K most probable) and `filters --init-scale X`
 * (a noisier start image, so filters that are zero on grey get a gradient).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../tools/lib/paths';
import { fixturePath } from '../helpers/fixtures';
import { roadcam } from '../helpers/run-roadcam';

async function rawPixels(file: string): Promise<Buffer> {
  return sharp(file).removeAlpha().raw().toBuffer();
}

describe('roadcam explain --top K', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'roadcam-cli-top-'));
  const mobilenet = () => [
    '--model',
    fixturePath('models', 'mobilenet_v1_0.25_224'),
    '--size',
    '224x224',
    '--range=-1,1',
    '--labels',
    fixturePath('models', 'imagenet-labels.json'),
  ];

  it('writes one overlay per class of the top 3, most probable first', async () => {
    const run = await roadcam(
      'explain',
      fixturePath('images', 'cat.jpg'),
      ...mobilenet(),
      '--top',
      '3',
      '--out',
      work,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    const parsed = lines.map((l) => {
      const m =
        /: (.+) (\d\.\d{3}); gradcam for "(.+)" \((\d\.\d{3}), rank (\d)\) -> (.+\.png)$/.exec(l);
      expect(m, l).not.toBeNull();
      return {
        verdict: m![1],
        label: m![3],
        probability: Number(m![4]),
        rank: Number(m![5]),
        file: m![6],
      };
    });
    expect(parsed.map((p) => p.rank)).toEqual([1, 2, 3]);
    expect(parsed[0].label).toBe(parsed[0].verdict);
    expect(parsed[0].label).toMatch(/cat/i);
    expect(new Set(parsed.map((p) => p.label)).size).toBe(3);
    expect(parsed[0].probability).toBeGreaterThanOrEqual(parsed[1].probability);
    expect(parsed[1].probability).toBeGreaterThanOrEqual(parsed[2].probability);
    expect(path.basename(parsed[0].file)).toMatch(/^cat\.gradcam\.top1-[a-z0-9-]+\.png$/);
    // Different classes rest on different evidence: the three overlays are not the same image.
    const images = await Promise.all(parsed.map((p) => rawPixels(p.file)));
    expect(images[0].equals(images[1])).toBe(false);
    expect(images[1].equals(images[2])).toBe(false);
  });

  it('rejects --top 0 and --top together with a named --class', async () => {
    const zero = await roadcam(
      'explain',
      fixturePath('images', 'cat.jpg'),
      ...mobilenet(),
      '--top',
      '0',
    );
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--top takes a whole number from 1 to 20, not "0"/);
    const both = await roadcam(
      'explain',
      fixturePath('images', 'cat.jpg'),
      ...mobilenet(),
      '--top',
      '2',
      '--class',
      'tabby, tabby cat',
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/either --class NAME or --top K, not both/);
  });
});

describe('roadcam filters --init-scale X', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'roadcam-cli-init-'));
  const mnist = ['--model', path.join(projectRoot, 'public/models/mnist'), '--layer', 'conv2'];

  /** Tiles (112 px: 28 px enlarged 4x, 2 px gaps) that are one flat grey: no response. */
  async function flatTiles(file: string, count: number): Promise<number> {
    const { data, info } = await sharp(file)
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const columns = Math.ceil(Math.sqrt(count));
    let flat = 0;
    for (let t = 0; t < count; t++) {
      const x0 = (t % columns) * 114;
      const y0 = Math.floor(t / columns) * 114;
      let min = 255;
      let max = 0;
      for (let y = y0; y < y0 + 112; y++) {
        for (let x = x0; x < x0 + 112; x++) {
          const v = data[y * info.width + x];
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
      }
      if (max - min < 8) flat++;
    }
    return flat;
  }

  it('lets conv2 filters that stay grey from the default start respond', async () => {
    const plain = path.join(work, 'plain.png');
    const noisy = path.join(work, 'noisy.png');
    const a = await roadcam(
      'filters',
      ...mnist,
      '--filters',
      '0-8',
      '--steps',
      '24',
      '--out',
      plain,
    );
    expect(a.code).toBe(0);
    const b = await roadcam(
      'filters',
      ...mnist,
      '--filters',
      '0-8',
      '--steps',
      '24',
      '--init-scale',
      '1',
      '--out',
      noisy,
    );
    expect(b.stderr).not.toMatch(/roadcam:|Error/);
    expect(b.code).toBe(0);
    const flatBefore = await flatTiles(plain, 9);
    // The default start leaves most of this layer's filters without a gradient.
    expect(flatBefore).toBeGreaterThan(2);
    expect(await flatTiles(noisy, 9)).toBeLessThan(flatBefore);
  });

  it('rejects a start noise of 0', async () => {
    const run = await roadcam(
      'filters',
      ...mnist,
      '--init-scale',
      '0',
      '--out',
      path.join(work, 'x.png'),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--init-scale must be a number above 0 and at most 10/);
  });
});
