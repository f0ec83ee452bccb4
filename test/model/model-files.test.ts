/**
 * The one reader of model.json + weight files and the one manifest builder from answers, on a
 * small model made here: a folder on disk (the command line's and the tools' way) and picked
 * files (the lab's way) are read by the same code, say which weight file is missing in their own
 * words, and the flags and the form make the same manifest.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLabModel } from '../../src/features/lab/worker/lab-models';
import { labelsFor, type ManifestAnswers } from '../../src/model/manifest-answers';
import { ModelLoadError } from '../../src/model/model-load-error';
import { loadModelDirWithAnswers, readModelDir } from '../../tools/lib/model-dir';
import { tf, useBackend } from '../../tools/lib/tf-node';
import { saveLayersModelToDir } from '../../tools/train/model-files';

let dir: string;

const answers: ManifestAnswers = {
  name: 'Tiny classifier',
  id: 'tiny',
  version: '3',
  width: 16,
  height: 16,
  channels: 3,
  normalization: { mean: [0.5], std: [0.5] },
  resize: 'stretch',
  labels: ['road', 'pothole', 'kerb'],
};

function copyWithout(skip: (name: string) => boolean): string {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'roadcam-model-copy-'));
  for (const f of readdirSync(dir).filter((f) => !skip(f))) {
    writeFileSync(path.join(copy, f), readFileSync(path.join(dir, f)));
  }
  return copy;
}

const picked = (folder: string) =>
  readdirSync(folder).map((name) => ({
    name,
    blob: new Blob([readFileSync(path.join(folder, name))]),
  }));

async function failure(promise: Promise<unknown>): Promise<ModelLoadError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelLoadError);
  return error as ModelLoadError;
}

beforeAll(async () => {
  await useBackend('wasm');
  dir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-model-files-'));
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        name: 'conv',
        inputShape: [16, 16, 3],
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
      }),
      tfl.layers.globalAveragePooling2d({ name: 'pool' }),
      tfl.layers.dense({ name: 'scores', units: 3, activation: 'softmax' }),
    ],
  });
  await saveLayersModelToDir(model, dir);
  model.dispose();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('one reader of model.json and its weight files', () => {
  it('reads a folder into the artifacts tfjs loads, weights in model.json order', () => {
    const artifacts = readModelDir(dir);
    expect(artifacts.weightSpecs!.map((w) => w.name)).toEqual([
      'conv/kernel',
      'conv/bias',
      'scores/kernel',
      'scores/bias',
    ]);
    // 3x3x3x4 + 4 + 4x3 + 3 float32 values.
    expect((artifacts.weightData as ArrayBuffer).byteLength).toBe((108 + 4 + 12 + 3) * 4);
  });

  it('names a missing weight file in the words of a folder, and of a picker', async () => {
    const shard = readdirSync(dir).find((f) => f.endsWith('.bin'))!;
    const copy = copyWithout((f) => f === shard);
    try {
      const fromFolder = await failure(loadModelDirWithAnswers(copy, answers));
      expect(fromFolder.code).toBe('weights-missing');
      expect(fromFolder.message).toContain(`1 of them is missing from ${copy} (${shard})`);
      expect(fromFolder.message).toMatch(/Copy the whole model folder/);
      const fromPicker = await failure(
        loadLabModel({ kind: 'answers', files: picked(copy), answers }),
      );
      expect(fromPicker.code).toBe('weights-missing');
      expect(fromPicker.message).toContain(`1 of them was not chosen (${shard})`);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('says when model.json is damaged, wherever it comes from', async () => {
    const copy = copyWithout(() => false);
    try {
      writeFileSync(path.join(copy, 'model.json'), '{"modelTopology": {');
      const fromFolder = await failure(loadModelDirWithAnswers(copy, answers));
      expect(fromFolder.message).toMatch(/model\.json is not valid JSON: the file is damaged/);
      const fromPicker = await failure(
        loadLabModel({ kind: 'answers', files: picked(copy), answers }),
      );
      expect(fromPicker.message).toMatch(/model\.json is not valid JSON: the file is damaged/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('one manifest builder from answers', () => {
  it('the flags and the form make the same manifest from the same answers', async () => {
    const before = tf.memory().numTensors;
    const fromFlags = await loadModelDirWithAnswers(dir, answers);
    const fromForm = await loadLabModel({ kind: 'answers', files: picked(dir), answers });
    try {
      expect(fromFlags.manifest).toEqual(fromForm.manifest);
      expect(fromFlags.manifest).toMatchObject({
        id: 'tiny',
        version: '3',
        name: 'Tiny classifier',
        task: 'classification',
        format: 'layers',
        labels: ['road', 'pothole', 'kerb'],
        labelOffset: 0,
        input: { width: 16, height: 16, channels: 3, resize: 'stretch' },
        // The last spatial layer: the CAM target the answers leave open.
        cam: { layer: 'conv', method: 'gradcam' },
      });
    } finally {
      fromFlags.dispose();
      fromForm.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names what to correct where the answers came from', async () => {
    const wrongSize = { ...answers, width: 20, height: 20 };
    const flags = await failure(loadModelDirWithAnswers(dir, wrongSize));
    expect(flags.message).toMatch(
      /takes 16x16 images with 3 channels; --size and --channels say 20x20x3\. Correct --size/,
    );
    const form = await failure(
      loadLabModel({ kind: 'answers', files: picked(dir), answers: wrongSize }),
    );
    expect(form.message).toMatch(/the form says 20x20x3\. Correct the input size/);
    const tooMany = await failure(
      loadModelDirWithAnswers(dir, { ...answers, labels: ['road', 'pothole', 'kerb', 'sky'] }),
    );
    expect(tooMany.message).toMatch(/4 names, but the model has 3 outputs\. Give the labels file/);
  });

  it('an explicit label offset is kept, and checked', () => {
    expect(labelsFor(['a', 'b'], 3, { labelOffset: 1 })).toEqual({
      labels: ['a', 'b'],
      labelOffset: 1,
    });
    expect(() => labelsFor(['a', 'b', 'c'], 4, { labelOffset: 0 })).toThrow(
      /3 names, but the model has 4 outputs/,
    );
    // Without one, a single extra output is read as "background" (TF-Hub style).
    expect(labelsFor(['a', 'b', 'c'], 4).labelOffset).toBe(1);
  });

  it('refuses answers that cannot describe a model', async () => {
    const bad = await failure(
      loadModelDirWithAnswers(dir, {
        ...answers,
        normalization: { mean: [0.5, 0.5], std: [0.5] },
      }),
    );
    expect(bad.code).toBe('answers-invalid');
    expect(bad.message).toMatch(/as many means as standard deviations/);
  });
});
