/**
 * The worker reads a model's files while the wasm backend starts and builds the model only once
 * it runs (LoadOptions.backendReady): the order is checked here on the shipped road-damage model.
 */
import * as tf from '@tensorflow/tfjs-core';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/load-model';
import { readManifest, readModelDir } from '../../tools/lib/model-dir';
import { useBackend } from '../../tools/lib/tf-node';

const dir = path.resolve(import.meta.dirname, '../../public/models/road-damage');

describe('loadModel with backendReady', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('reads the files first, waits for the backend, then builds a model that answers', async () => {
    const events: string[] = [];
    const artifacts = readModelDir(dir);
    const handler: tf.io.IOHandler = {
      load: async () => {
        events.push('files read');
        return artifacts;
      },
    };
    let start!: () => void;
    const backendReady = new Promise<void>((resolve) => (start = resolve)).then(() => {
      events.push('backend running');
    });
    const loading = loadModel(readManifest(dir), handler, { backendReady });
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(['files read']);
    start();
    const loaded = await loading;
    expect(events).toEqual(['files read', 'backend running']);
    const [h, w, c] = loaded.adapter.inputShape;
    const p = tf.tidy(() =>
      loaded.adapter.predict(tf.zeros([1, h, w, c]) as tf.Tensor4D).probabilities.dataSync(),
    );
    expect(p.length).toBe(loaded.manifest.labels.length);
    loaded.dispose();
  });
});
