/**
 * The shipped pothole model (public/models/pothole) against the full data it was made from, with
 * the commands as a user runs them: `npm run eval` gives the figures its card records, and
 * `npm run train` on the same folders splits them as the shipped model was split and writes a
 * model the project loads (a short run: a couple of batches, not the 13-minute training).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imageToModelInput } from '../../src/model/preprocess';
import { readImageRgba } from '../../tools/lib/images';
import { loadModelDir } from '../../tools/lib/model-dir';
import { projectRoot, sharedPath } from '../../tools/lib/paths';
import { tf, useBackend } from '../../tools/lib/tf-node';

const MODEL_DIR = path.join(projectRoot, 'public', 'models', 'pothole');
const manifest = JSON.parse(readFileSync(path.join(MODEL_DIR, 'manifest.json'), 'utf8')) as {
  training: { data: { source: string }[]; split: unknown; seed: number };
  metrics: { report: Record<string, unknown> };
};
const dataArgs = manifest.training.data.flatMap((d) => ['--data', sharedPath('data', d.source)]);

const tsx = path.join(
  path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')),
  'dist',
  'cli.mjs',
);

/** `npm run <script> -- args`, as tools/<script>/main.ts in a child process. */
function run(script: 'train' | 'eval', args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [tsx, `tools/${script}/main.ts`, ...args],
      { cwd: projectRoot, maxBuffer: 64 * 2 ** 20 },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'roadcam-full-data-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the shipped pothole model on the full data', () => {
  it('npm run eval on its held-out photos gives the figures its card records', async () => {
    const json = path.join(scratch, 'eval.json');
    // Without the deletion / insertion curves, which take minutes more; every other figure is compared.
    const r = await run('eval', [
      '--model',
      MODEL_DIR,
      ...dataArgs,
      '--no-perturbation',
      '--json',
      json,
    ]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
    const recorded = manifest.metrics.report;
    expect(report.n).toBe(221);
    // The same photos and verdicts; the continuous figures to rounding.
    const compare = (
      got: Record<string, unknown>,
      want: Record<string, unknown>,
      where: string,
    ) => {
      for (const [key, value] of Object.entries(want)) {
        if (key === 'by_folder' || /^(deletion|insertion)_auc$/.test(key)) continue;
        if (typeof value === 'number')
          expect(got[key] as number, where + key).toBeCloseTo(value, 3);
        else expect(got[key], where + key).toEqual(value);
      }
    };
    compare(report, recorded, '');
    const byFolder = report.by_folder as Record<string, Record<string, unknown>>;
    const recordedByFolder = recorded.by_folder as Record<string, Record<string, unknown>>;
    expect(Object.keys(byFolder).sort()).toEqual(Object.keys(recordedByFolder).sort());
    for (const [folder, want] of Object.entries(recordedByFolder)) {
      compare(byFolder[folder], want, `${folder}: `);
    }
  });

  it('npm run train on the same folders splits them as the shipped model was split', async () => {
    const out = path.join(scratch, 'trained');
    const r = await run('train', [
      'pothole',
      ...dataArgs,
      '--out',
      out,
      '--epochs',
      '1',
      '--max-batches',
      '2',
      '--no-eval',
    ]);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    const split = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'split.json'), 'utf8'));
    expect(split(out)).toEqual(split(MODEL_DIR));
    const written = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as {
      training: { data: unknown; split: unknown };
    };
    // The same photos per data set (the folders as given on each command line).
    const withoutFolder = (data: unknown) =>
      (data as Record<string, unknown>[]).map(({ folder: _folder, ...rest }) => rest);
    expect(withoutFolder(written.training.data)).toEqual(withoutFolder(manifest.training.data));
    expect(written.training.split).toEqual(manifest.training.split);

    // What it wrote loads with the project's loader and gives a probability for a photo.
    await useBackend('wasm');
    const model = await loadModelDir(out);
    const x = imageToModelInput(
      await readImageRgba(sharedPath('data', 'potholes-closeup', 'normal', 'd1_01_x0_y0.jpg')),
      model.manifest.input,
    );
    const p = tf.tidy(() => Array.from(model.adapter.predict(x).probabilities.dataSync()));
    x.dispose();
    model.dispose();
    expect(model.manifest.labels).toEqual(['normal', 'pothole']);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });
});
