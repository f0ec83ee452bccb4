/**
 * The shipped road-damage model (public/models/road-damage) against the full data it was made
 * from: `npm run eval`, as its card gives the command, reproduces every figure the card records
 * (per type, per folder, calibration error, the road photos and the not-a-road photos turned
 * away), so the card cannot drift from the model it describes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot, sharedPath } from '../../tools/lib/paths';

const MODEL_DIR = path.join(projectRoot, 'public', 'models', 'road-damage');
const manifest = JSON.parse(readFileSync(path.join(MODEL_DIR, 'manifest.json'), 'utf8')) as {
  training: { data: { source: string }[] };
  metrics: { report: Record<string, unknown>; notRoad: { n: number; not_road_rate: number } };
};

const tsx = path.join(
  path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')),
  'dist',
  'cli.mjs',
);

const scratch = mkdtempSync(path.join(os.tmpdir(), 'roadcam-full-data-damage-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function evaluate(args: string[]) {
  return new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [tsx, 'tools/eval/main.ts', '--model', MODEL_DIR, ...args],
      { cwd: projectRoot, maxBuffer: 64 * 2 ** 20 },
      (error, _stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

/** Every recorded figure, numbers to rounding; the perturbation curves are not recomputed. */
function expectSameFigures(got: unknown, want: unknown, where: string): void {
  if (typeof want === 'number') {
    expect(got as number, where).toBeCloseTo(want, 3);
  } else if (Array.isArray(want)) {
    expect(got, where).toBeInstanceOf(Array);
    expect((got as unknown[]).length, where).toBe(want.length);
    want.forEach((w, i) => expectSameFigures((got as unknown[])[i], w, `${where}[${i}]`));
  } else if (want !== null && typeof want === 'object') {
    expect(got, where).toBeTypeOf('object');
    for (const [key, value] of Object.entries(want)) {
      if (/^(deletion|insertion)_auc$/.test(key)) continue;
      expectSameFigures((got as Record<string, unknown>)[key], value, `${where}.${key}`);
    }
  } else {
    expect(got, where).toEqual(want);
  }
}

describe('the shipped road-damage model on the full data', () => {
  it('npm run eval on its held-out photos gives the figures its card records', async () => {
    const json = path.join(scratch, 'eval.json');
    const data = manifest.training.data.flatMap((d) => ['--data', sharedPath('data', d.source)]);
    const r = await evaluate([...data, '--no-perturbation', '--json', json]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
    expectSameFigures(report, manifest.metrics.report, 'report');
  });

  it('npm run eval --not-road turns away the share of not-a-road photos the card records', async () => {
    const json = path.join(scratch, 'not-road.json');
    const r = await evaluate(['--not-road', sharedPath('data', 'not-road'), '--json', json]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { n: number; not_road_rate: number };
    expect(report.n).toBe(manifest.metrics.notRoad.n);
    expect(report.not_road_rate).toBeCloseTo(manifest.metrics.notRoad.not_road_rate, 3);
  });
});
