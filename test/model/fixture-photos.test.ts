/**
 * The fixture road photos do the job the tests give them: the shipped pothole model
 * (public/models/pothole, which saw none of them in training) calls the pothole photos pothole
 * and the intact close-ups good road, as the app would show them. Browser tests rely on this mix.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedModel } from '../../src/model/load-model';
import { imageToModelInput } from '../../src/model/preprocess';
import { readImageRgba } from '../../tools/lib/images';
import { loadModelDir } from '../../tools/lib/model-dir';
import { projectRoot } from '../../tools/lib/paths';
import { tf, useBackend } from '../../tools/lib/tf-node';
import { goodRoadPhotos, potholePhotos } from '../helpers/fixtures';

let model: LoadedModel;

beforeAll(async () => {
  await useBackend('wasm');
  model = await loadModelDir(path.join(projectRoot, 'public', 'models', 'pothole'));
});
afterAll(() => model?.dispose());

async function potholeProbability(file: string): Promise<number> {
  const x = imageToModelInput(await readImageRgba(file), model.manifest.input);
  const p = tf.tidy(() => model.adapter.predict(x).probabilities.dataSync());
  x.dispose();
  return p[model.manifest.labels.indexOf('pothole')];
}

describe('fixture road photos and the shipped pothole model', () => {
  it('calls every pothole photo pothole and every intact close-up good road', async () => {
    const before = tf.memory().numTensors;
    const verdicts: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const [photos, label] of [
      [potholePhotos(), 'pothole'],
      [goodRoadPhotos(), 'normal'],
    ] as const) {
      for (const file of photos) {
        const name = path.relative(path.join(projectRoot, 'test', 'fixtures'), file);
        verdicts[name] = (await potholeProbability(file)) >= 0.5 ? 'pothole' : 'normal';
        expected[name] = label;
      }
    }
    expect(verdicts).toEqual(expected);
    expect(tf.memory().numTensors).toBe(before);
  });
});
