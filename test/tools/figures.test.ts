/**
 * The figures script's parts (tools/figures): the held-out digits it writes, the rule that picks
 * the pothole cases, the contact sheet, and the way it runs `roadcam explain` and reads its
 * output. The full run (`npm run figures`) takes minutes and is not part of the tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageToModelInput } from '../../src/model/preprocess';
import type { LoadedModel } from '../../src/model/load-model';
import { ToolError } from '../../tools/lib/tool-error';
import { loadMnistSplit, MNIST_SIDE, type MnistSplit } from '../../tools/data/mnist';
import { writeContactSheet, sheetLayout } from '../../tools/figures/contact-sheet';
import { firstOfEachDigit, writeDigitSamples } from '../../tools/figures/mnist-digits';
import { pickPotholeCases, type CaseCandidate } from '../../tools/figures/pothole-cases';
import {
  parseExplainOutput,
  runRoadcam,
  shellArg,
  uniqueNameBatches,
} from '../../tools/figures/run-roadcam';
import { readImageRgba } from '../../tools/lib/images';
import { loadModelDir } from '../../tools/lib/model-dir';
import { tf, useBackend } from '../../tools/lib/tf-node';
import { NO_SHARED_ENV, projectRoot } from '../../tools/lib/paths';
import { tempDir } from './synthetic-photos';

const MNIST_DIR = path.join(projectRoot, 'public', 'models', 'mnist');

function mnistSeed(): number {
  const manifest = JSON.parse(readFileSync(path.join(MNIST_DIR, 'manifest.json'), 'utf8')) as {
    training: { seed: number };
  };
  return manifest.training.seed;
}

describe('held-out MNIST digits written as PNG', () => {
  let split: MnistSplit;
  let model: LoadedModel;
  const dir = tempDir('figures-digits');

  beforeAll(async () => {
    await useBackend('wasm');
    split = loadMnistSplit(mnistSeed());
    model = await loadModelDir(MNIST_DIR);
  });
  afterAll(() => model?.dispose());

  it('picks one test digit of each class, in class order', () => {
    const picked = firstOfEachDigit(split.test);
    expect(picked.map((p) => p.label)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const p of picked) expect(split.test.labels[p.index]).toBe(p.label);
  });

  it('writes 28x28 grey PNGs that the model reads as it reads the digits themselves', async () => {
    const written = await writeDigitSamples(split.test, dir);
    expect(written).toHaveLength(10);
    const pixels = MNIST_SIDE * MNIST_SIDE;
    const tensorsBefore = tf.memory().numTensors;
    for (const [k, { file, label }] of written.entries()) {
      const meta = await sharp(file).metadata();
      expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 28, 28, 1]);
      const index = firstOfEachDigit(split.test)[k].index;
      const grey = split.test.images.subarray(index * pixels, (index + 1) * pixels);
      const { data } = await sharp(file)
        .extractChannel(0)
        .raw()
        .toBuffer({ resolveWithObject: true });
      for (let p = 0; p < pixels; p += 37) expect(data[p]).toBe(Math.round(grey[p] * 255));

      // The file as `roadcam explain` decodes it, against the digit straight from memory.
      const fromFile = imageToModelInput(await readImageRgba(file), model.manifest.input);
      const fromMemory = tf.tensor4d(grey, [1, 28, 28, 1]);
      const [a, b] = [fromFile, fromMemory].map((x) =>
        tf.tidy(() => model.adapter.predict(x).probabilities.dataSync()),
      );
      fromFile.dispose();
      fromMemory.dispose();
      for (let c = 0; c < 10; c++) expect(Math.abs(a[c] - b[c])).toBeLessThan(0.01);
      expect(a.indexOf(Math.max(...a))).toBe(b.indexOf(Math.max(...b)));
      expect(path.basename(file)).toBe(`digit-${label}.png`);
    }
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('runs roadcam explain --top 2 on a digit and reads back one line per overlay', async () => {
    const digit = path.join(dir, 'digit-3.png');
    if (!existsSync(digit)) await writeDigitSamples(split.test, dir);
    const out = path.join(dir, 'overlays');
    const run = await runRoadcam([
      'explain',
      digit,
      '--model',
      MNIST_DIR,
      '--top',
      '2',
      '--out',
      out,
    ]);
    const lines = parseExplainOutput(run.stdout);
    expect(lines.map((l) => l.rank)).toEqual([1, 2]);
    expect(lines[0].label).toBe(lines[0].verdict);
    expect(lines[0].probability).toBe(lines[0].verdictProbability);
    expect(lines[1].label).not.toBe(lines[0].label);
    expect(lines[0].probability!).toBeGreaterThanOrEqual(lines[1].probability!);
    for (const l of lines) {
      expect(path.resolve(l.photo)).toBe(digit);
      const meta = await sharp(l.overlay).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 28, 28]);
    }
    expect(run.command).toBe(
      `npx roadcam explain ${digit} --model public/models/mnist --top 2 --out ${out}`,
    );
  });

  it('stops with the failing command when roadcam exits non-zero', async () => {
    const missing = path.join(dir, 'no-such-model');
    await expect(runRoadcam(['explain', 'x.png', '--model', missing], dir)).rejects.toThrow(
      /exit code 2.*\n.*npx roadcam explain x\.png --model \$WORK\/no-such-model/,
    );
  });
});

describe('the figures script at the command line', () => {
  const tsx = path.join(
    path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')),
    'dist',
    'cli.mjs',
  );
  const figures = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [tsx, 'tools/figures/make-figures.ts', ...args], {
      cwd: projectRoot,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ...env },
    });

  it('says where the shared material is missing and what to do, and writes nothing', () => {
    const missing = path.join(tempDir('figures-noshared'), 'shared');
    const before = existsSync(path.join(projectRoot, 'docs/figures/README.md'))
      ? readFileSync(path.join(projectRoot, 'docs/figures/README.md'), 'utf8')
      : undefined;
    // Its own (missing) folder, not ../shared: npm test's guard against reading that is lifted.
    const run = figures([], { ROADCAM_SHARED: missing, [NO_SHARED_ENV]: '' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`The shared RoadCAM material was not found at ${missing}`);
    expect(run.stderr).toMatch(/ROADCAM_SHARED=\/path\/to\/shared/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const after = existsSync(path.join(projectRoot, 'docs/figures/README.md'))
      ? readFileSync(path.join(projectRoot, 'docs/figures/README.md'), 'utf8')
      : undefined;
    expect(after).toBe(before);
  });

  it('rejects an unknown figure name with the usage', () => {
    const run = figures(['--only', 'cats']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--only takes a list of filters, mnist, cat, potholes; not "cats"/);
    expect(run.stderr).toContain('Usage: npm run figures');
  });
});

describe('command lines as the README shows them', () => {
  it('writes project and ../shared paths relative, scratch paths as $WORK, and quotes', () => {
    const work = '/tmp/roadcam-figures-abc';
    expect(shellArg(path.join(projectRoot, 'public/models/pothole'))).toBe('public/models/pothole');
    expect(shellArg(path.join(projectRoot, '..', 'shared', 'images', 'cat.jpg'))).toBe(
      '../shared/images/cat.jpg',
    );
    expect(shellArg(`${work}/cat/out.png`, work)).toBe('$WORK/cat/out.png');
    expect(shellArg(`${work}/my photo.png`, work)).toBe('"$WORK/my photo.png"');
    expect(shellArg('/elsewhere/a b.jpg')).toBe(`'/elsewhere/a b.jpg'`);
    expect(shellArg('--range=-1,1')).toBe('--range=-1,1');
  });

  it('never puts two photos with the same file name in one explain run', () => {
    const photos = ['a/normal/12.jpg', 'a/potholes/12.jpg', 'b/img-3.jpg', 'c/normal/12.png'].map(
      (p) => ({ path: p }),
    );
    const batches = uniqueNameBatches(photos);
    expect(batches.flat()).toHaveLength(4);
    for (const b of batches) {
      const names = b.map((p) => path.parse(p.path).name);
      expect(new Set(names).size).toBe(names.length);
    }
    expect(batches).toHaveLength(3);
  });
});

describe('picking the pothole cases', () => {
  const candidate = (
    id: string,
    label: 'normal' | 'pothole',
    potholeProbability: number,
    peakInBox?: boolean,
  ): CaseCandidate => ({
    id,
    source: id.split('/')[0],
    path: `/data/${id}`,
    label,
    potholeProbability,
    ...(peakInBox === undefined ? {} : { peakInBox, energyInBox: peakInBox ? 0.7 : 0.1 }),
  });
  const candidates = [
    candidate('potholes-annotated/images/img-10.jpg', 'pothole', 0.95, true),
    candidate('potholes-annotated/images/img-2.jpg', 'pothole', 0.9, true),
    candidate('potholes-annotated/images/img-3.jpg', 'pothole', 0.3), // wrong verdict
    candidate('potholes-annotated/images/img-4.jpg', 'pothole', 0.8, false),
    candidate('potholes-annotated/images/img-5.jpg', 'pothole', 0.99, true),
    candidate('potholes-annotated/images/img-6.jpg', 'pothole', 0.97, true),
    candidate('potholes-closeup/potholes/d1_01_0.jpg', 'pothole', 0.99, true),
    candidate('potholes-closeup/normal/d1_02_x0_y0.jpg', 'normal', 0.1),
    candidate('potholes-kaggle/normal/7.jpg', 'normal', 0.8), // wrong verdict
    candidate('potholes-kaggle/normal/9.jpg', 'normal', 0.2),
    candidate('potholes-kaggle/normal/11.jpg', 'normal', 0.05),
    candidate('potholes-kaggle/normal/12.jpg', 'normal', 0.01),
  ];
  const mistakes = ['potholes-kaggle/normal/7.jpg', 'potholes-annotated/images/img-3.jpg'];
  const ids = (cs: CaseCandidate[]) => cs.map((c) => c.id);

  it('takes the first fitting photos in numeric id order, per data set, never a potholes-kaggle photo', () => {
    const cases = pickPotholeCases(candidates, mistakes);
    expect(ids(cases.pointsAtPothole)).toEqual([
      'potholes-annotated/images/img-2.jpg',
      'potholes-annotated/images/img-5.jpg',
      'potholes-annotated/images/img-6.jpg',
      'potholes-closeup/potholes/d1_01_0.jpg',
    ]);
    expect(ids(cases.peakOutsideBox)).toEqual(['potholes-annotated/images/img-4.jpg']);
    // Its photos state no licence: they are scored, never drawn into a committed figure.
    expect(ids(cases.goodRoads)).toEqual(['potholes-closeup/normal/d1_02_x0_y0.jpg']);
    expect(ids(cases.mistakes)).toEqual(['potholes-annotated/images/img-3.jpg']);
  });

  it('shows a listed wrong verdict only among the mistakes, even if it is right now', () => {
    const cases = pickPotholeCases(candidates, ['potholes-annotated/images/img-2.jpg']);
    expect(ids(cases.mistakes)).toEqual(['potholes-annotated/images/img-2.jpg']);
    expect(ids(cases.pointsAtPothole)).not.toContain('potholes-annotated/images/img-2.jpg');
    expect(ids(cases.pointsAtPothole)).toContain('potholes-annotated/images/img-10.jpg');
  });

  it('says so when the model card lists a photo that is not held out here', () => {
    const pick = () => pickPotholeCases(candidates, ['potholes-kaggle/normal/999.jpg']);
    expect(pick).toThrow(ToolError);
    expect(pick).toThrow(/potholes-kaggle\/normal\/999\.jpg.*not in the model's test split/);
  });
});

describe('contact sheet', () => {
  const dir = tempDir('figures-sheet');

  async function solid(file: string, width: number, height: number, rgb: number[]) {
    await sharp({
      create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } },
    })
      .png()
      .toFile(file);
  }

  it('places each image where the layout says, enlarges tiny ones as blocks, draws boxes', async () => {
    const red = path.join(dir, 'red.png');
    const blue = path.join(dir, 'blue.png');
    const checker = path.join(dir, 'checker.png');
    await solid(red, 80, 40, [220, 20, 20]);
    await solid(blue, 40, 80, [20, 20, 220]);
    const cells = Buffer.alloc(4 * 4);
    for (let i = 0; i < 16; i++) cells[i] = (Math.floor(i / 4) + i) % 2 ? 255 : 0;
    await sharp(cells, { raw: { width: 4, height: 4, channels: 1 } })
      .png()
      .toFile(checker);
    const options = {
      title: 'Test sheet',
      subtitle: 'two photos and a checkerboard',
      tileSize: 64,
      rows: [
        {
          title: 'row one',
          tiles: [
            {
              file: red,
              caption: ['red', 'wide'],
              boxes: [[0, 0, 40, 40]] as [number, number, number, number][],
            },
            { file: blue, caption: ['blue'] },
          ],
        },
        { title: 'row two', tiles: [{ file: checker, caption: ['4 px enlarged'] }] },
      ],
    };
    const out = path.join(dir, 'sheet.png');
    const bytes = await writeContactSheet(out, options);
    const layout = sheetLayout(options, [
      [
        { width: 80, height: 40 },
        { width: 40, height: 80 },
      ],
      [{ width: 4, height: 4 }],
    ]);
    const { data, info } = await sharp(out)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(bytes).toBe(readFileSync(out).byteLength);
    expect([info.width, info.height]).toEqual([layout.width, layout.height]);
    const at = (x: number, y: number) => {
      const i = (Math.round(y) * info.width + Math.round(x)) * 3;
      return [data[i], data[i + 1], data[i + 2]];
    };
    const centre = (f: { left: number; top: number; width: number; height: number }) =>
      at(f.left + f.width * 0.75, f.top + f.height / 2);

    const [redTile, blueTile] = layout.tiles[0];
    expect([redTile.image.width, redTile.image.height]).toEqual([64, 32]);
    expect([blueTile.image.width, blueTile.image.height]).toEqual([32, 64]);
    const [r, g, b] = centre(redTile.image);
    expect(r).toBeGreaterThan(180);
    expect(Math.max(g, b)).toBeLessThan(60);
    const [r2, , b2] = centre(blueTile.image);
    expect(b2).toBeGreaterThan(180);
    expect(r2).toBeLessThan(60);
    // The box [0, 0, 40, 40] of the 80 px wide photo ends halfway across its 64 px tile: its
    // right edge is a light dashed line on the red.
    const edge = Array.from({ length: 12 }, (_, k) =>
      at(redTile.image.left + 32, redTile.image.top + 4 + k),
    );
    expect(edge.some(([, gg]) => gg > 150)).toBe(true);
    // A 4 px checkerboard enlarged 16x stays black and white: no blurred greys inside cells.
    const check = layout.tiles[1][0].image;
    expect(check.width).toBe(64);
    const greys = new Set<number>();
    for (let y = 2; y < 64; y += 16) {
      for (let x = 2; x < 64; x += 5) greys.add(at(check.left + x, check.top + y)[0]);
    }
    expect([...greys].every((v) => v < 30 || v > 225)).toBe(true);
    expect(greys.size).toBeGreaterThan(1);
  });
});
