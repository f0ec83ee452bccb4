/**
 * The train and eval commands as a user runs them (child processes): bad input gives a clear
 * message and a non-zero exit code, never a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../tools/lib/paths';
import { tempDir, writeLabelledFolder, writeRoadPhoto } from './synthetic-photos';

const tsx = path.join(
  path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')),
  'dist',
  'cli.mjs',
);

function run(script: 'train' | 'eval', args: string[]) {
  const r = spawnSync(process.execPath, [tsx, `tools/${script}/main.ts`, ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('command line errors', () => {
  const root = tempDir('cli');
  const out = path.join(root, 'out');

  it('train rejects a missing data folder', () => {
    const r = run('train', [
      'pothole',
      '--data',
      path.join(root, 'missing'),
      '--out',
      out,
      '--arch',
      'seed-cnn',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: The data folder .*missing does not exist\./m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('train rejects a folder without photos', () => {
    const empty = path.join(root, 'empty');
    mkdirSync(path.join(empty, 'normal'), { recursive: true });
    mkdirSync(path.join(empty, 'potholes'), { recursive: true });
    const r = run('train', ['pothole', '--data', empty, '--out', out, '--arch', 'seed-cnn']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .*empty has no photos/);
  });

  it('train names an unreadable photo', async () => {
    const data = path.join(root, 'broken');
    await writeLabelledFolder(data, 2);
    writeFileSync(path.join(data, 'potholes', 'torn.jpg'), Buffer.from('not really a jpeg'));
    const r = run('train', ['pothole', '--data', data, '--out', out, '--arch', 'seed-cnn']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: The photo .*potholes\/torn\.jpg could not be read/);
  });

  it('eval rejects a model folder without model.json', async () => {
    const data = path.join(root, 'good');
    await writeLabelledFolder(data, 1);
    const noModel = path.join(root, 'no-model');
    mkdirSync(noModel, { recursive: true });
    writeFileSync(path.join(noModel, 'manifest.json'), '{}');
    const r = run('eval', ['--model', noModel, '--data', data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: .*no-model has no model\.json/);
  });

  it('eval --json writes every figure as a plain number for photos with boxes', async () => {
    // The committed default model on synthetic road photos: the figures' values are not the
    // point here (the photos are not real roads), their presence, spelling and types are.
    const data = path.join(root, 'annotated');
    mkdirSync(path.join(data, 'images'), { recursive: true });
    const boxes: Record<string, number[][]> = {};
    for (let i = 0; i < 4; i++) {
      const box = await writeRoadPhoto(path.join(data, 'images', `${i}.jpg`), 70 + i, true);
      boxes[`images/${i}.jpg`] = [box!];
    }
    writeFileSync(path.join(data, 'boxes.json'), JSON.stringify(boxes));
    const normal = path.join(root, 'roads');
    await writeLabelledFolder(normal, 2, 80);
    const json = path.join(root, 'eval.json');
    const r = run('eval', [
      '--model',
      path.join(projectRoot, 'public/models/pothole'),
      '--data',
      data,
      '--data',
      normal,
      '--json',
      json,
    ]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
    expect(report.n).toBe(8);
    const keys = ['accuracy', 'pothole_recall', 'normal_specificity', 'roc_auc'];
    keys.push('pointing_game', 'pointing_game_tol15', 'centre_pointing_game', 'energy_in_box');
    keys.push('centre_energy_in_box', 'uniform_energy_in_box', 'deletion_auc', 'insertion_auc');
    for (const key of keys) {
      expect(typeof report[key], key).toBe('number');
      expect(report[key] as number, key).toBeGreaterThanOrEqual(0);
      expect(report[key] as number, key).toBeLessThanOrEqual(1);
    }
    const confusion = report.confusion as number[][];
    expect(confusion.flat().reduce((a, b) => a + b, 0)).toBe(8);
    expect(confusion[0][0] + confusion[0][1]).toBe(2); // normal photos: 2 of 8
    // The printed summary names the figures too.
    expect(r.stdout).toMatch(/accuracy/);
  }, 120_000);

  it('both commands answer a wrong command line with the usage and exit code 2', () => {
    const e = run('eval', ['--data', root]);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/Give the --model folder/);
    expect(e.stderr).toMatch(/Usage:/);
    const t = run('train', ['pothole', '--data', root, '--out', out, '--epochs', 'many']);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/--epochs must be a whole number/);
  });
});
