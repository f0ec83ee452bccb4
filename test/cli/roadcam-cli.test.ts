import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../helpers/fixtures';
import { roadcam } from '../helpers/run-roadcam';

describe('roadcam command line', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'roadcam-cli-'));
  const mobilenet = () => fixturePath('models', 'mobilenet_v1_0.25_224');
  const describeMobilenet = () => [
    '--size',
    '224x224',
    '--range=-1,1',
    '--labels',
    fixturePath('models', 'imagenet-labels.json'),
  ];

  it('explains a photo with a converted model described by flags, writing a PNG overlay', async () => {
    const out = path.join(work, 'overlays');
    const run = await roadcam(
      'explain',
      fixturePath('images', 'cat.jpg'),
      '--model',
      mobilenet(),
      ...describeMobilenet(),
      '--out',
      out,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/cat\.jpg: .*cat.* 0\.\d{3}; gradcam for ".*cat.*" -> /i);
    const meta = await sharp(path.join(out, 'cat.gradcam.png')).metadata();
    expect(meta.format).toBe('png');
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(1024);
  });

  it('writes a grid of activation-maximization images for chosen filters', async () => {
    const file = path.join(work, 'grid.png');
    const run = await roadcam(
      'filters',
      '--model',
      mobilenet(),
      ...describeMobilenet(),
      '--layer',
      'conv_pw_1_relu',
      '--filters',
      '0-3',
      '--steps',
      '4',
      '--out',
      file,
    );
    expect(run.stderr).not.toMatch(/Error|roadcam:/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('conv_pw_1_relu: 4 filters');
    const meta = await sharp(file).metadata();
    // 2 x 2 tiles of 224 px with a 2 px gap.
    expect([meta.width, meta.height]).toEqual([450, 450]);
  });

  it('rejects a model folder that does not exist', async () => {
    const run = await roadcam(
      'explain',
      fixturePath('images', 'cat.jpg'),
      '--model',
      path.join(work, 'nope'),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/model folder .*nope does not exist/);
  });

  it('rejects a model folder without model.json', async () => {
    const empty = path.join(work, 'empty-model');
    mkdirSync(empty, { recursive: true });
    const run = await roadcam('explain', fixturePath('images', 'cat.jpg'), '--model', empty);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no model\.json in .*empty-model/);
  });

  it('says when a folder has no manifest and how to describe the model', async () => {
    const run = await roadcam('explain', fixturePath('images', 'cat.jpg'), '--model', mobilenet());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no manifest\.json.*--size and --labels/);
  });

  it('reports an unreadable photo and a missing one, and exits non-zero', async () => {
    const fake = path.join(work, 'notes.jpg');
    writeFileSync(fake, 'this is a text file, not a photo');
    const run = await roadcam(
      'explain',
      fake,
      path.join(work, 'missing.jpg'),
      '--model',
      mobilenet(),
      ...describeMobilenet(),
      '--out',
      work,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/notes\.jpg: not a readable photo/);
    expect(run.stderr).toMatch(/missing\.jpg: no such file/);
  });

  it('lists the valid layers for an unknown layer', async () => {
    const run = await roadcam(
      'filters',
      '--model',
      mobilenet(),
      ...describeMobilenet(),
      '--layer',
      'conv_pw_99',
      '--out',
      path.join(work, 'x.png'),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no layer named "conv_pw_99".*conv_pw_13_relu/s);
  });
});
