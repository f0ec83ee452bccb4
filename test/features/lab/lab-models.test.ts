/**
 * The lab worker's model handling and computations in Node (wasm), as the worker runs them:
 * MobileNet from test/fixtures opened from its files with the form's answers (both formats through
 * the same code), layers and the default CAM target, top-k classes with a heatmap each, filter
 * grids, and the clear messages for what cannot work (a missing shard, labels that do not fit,
 * an op without gradient, a layer without spatial output). Tensors are counted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedModel } from '../../../src/model/load-model';
import { parseLabels } from '../../../src/model/labels-file';
import type { ManifestAnswers } from '../../../src/model/manifest-answers';
import { actmaxSettingsFor } from '../../../src/features/lab/shared/actmax-settings';
import {
  explainTopClasses,
  labGrid,
  pixelsToInput,
} from '../../../src/features/lab/worker/lab-analysis';
import {
  describeModel,
  failureOf,
  loadLabModel,
} from '../../../src/features/lab/worker/lab-models';
import type { NamedBlob } from '../../../src/features/lab/shared/lab-protocol';
import { readImageRgba } from '../../../tools/lib/images';
import { tf, useBackend } from '../../../tools/lib/tf-node';
import { GraphBuilder, CONV_ATTRS } from '../../helpers/graph-builder';
import { fixturePath } from '../../helpers/fixtures';

function filesOf(dir: string): NamedBlob[] {
  return readdirSync(dir).map((name) => ({
    name,
    blob: new Blob([readFileSync(path.join(dir, name))]),
  }));
}

const labelsText = () => readFileSync(fixturePath('models', 'imagenet-labels.json'), 'utf8');

function answers(format: 'layers' | 'graph'): ManifestAnswers {
  return {
    name: `MobileNet ${format}`,
    width: 224,
    height: 224,
    channels: 3,
    normalization: format === 'layers' ? { mean: [0.5], std: [0.5] } : { mean: [0], std: [1] },
    resize: 'stretch',
    labels: parseLabels(labelsText(), 'imagenet-labels.json'),
  };
}

const CAT = /cat|tabby|persian|siamese|egyptian/i;

/** Mean absolute difference of two RGBA images' colour channels, 0..255. */
function meanAbsDiff(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += 4) {
    for (let c = 0; c < 3; c++) sum += Math.abs(a[i + c] - b[i + c]);
    n += 3;
  }
  return sum / n;
}

describe('lab models from picked files (wasm)', () => {
  let layers: LoadedModel;
  let graph: LoadedModel;

  beforeAll(async () => {
    await useBackend('wasm');
    layers = await loadLabModel({
      kind: 'answers',
      files: filesOf(fixturePath('models', 'mobilenet_v1_0.25_224')),
      answers: answers('layers'),
    });
    graph = await loadLabModel({
      kind: 'answers',
      files: filesOf(fixturePath('models', 'mobilenet_v1_0.25_224_graph')),
      answers: answers('graph'),
    });
  });
  afterAll(() => {
    layers?.dispose();
    graph?.dispose();
  });

  it('opens both formats from model.json + shards and the form; the graph gets label offset 1', async () => {
    const l = await describeModel(layers, 'a', 0);
    expect(l.format).toBe('layers');
    expect(l.manifest.labelOffset).toBe(0);
    expect(l.manifest.labels).toHaveLength(1000);
    expect(l.defaultCamLayer).toBe('conv_pw_13_relu');
    expect(l.camProblem).toBeNull();
    const pw1 = l.layers.find((x) => x.name === 'conv_pw_1');
    expect(pw1).toMatchObject({ role: 'conv', spatial: true, count: 16 });
    expect(pw1!.outputShape.slice(1)).toEqual([112, 112, 16]);

    const g = await describeModel(graph, 'b', 0);
    expect(g.format).toBe('graph');
    expect(g.numOutputs).toBe(1001);
    expect(g.manifest.labelOffset).toBe(1);
    expect(g.defaultCamLayer).toMatch(/Conv2d_13_pointwise/);
    expect(g.camProblem).toBeNull();
  });

  it.each(['layers', 'graph'] as const)(
    '%s: a cat class is in the top 3 of cat.jpg, each class with its own heatmap',
    async (format) => {
      const loaded = format === 'layers' ? layers : graph;
      const image = await readImageRgba(fixturePath('images', 'cat.jpg'), {
        resizeTo: { width: 224, height: 224 },
      });
      const before = tf.memory().numTensors;
      const x = pixelsToInput(loaded, image);
      const result = await explainTopClasses(loaded, x, {
        method: 'gradcam',
        topK: 3,
        regions: true,
      });
      x.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(result.classes).toHaveLength(3);
      expect(result.classes.slice(0, 3).some((c) => CAT.test(c.label))).toBe(true);
      expect(result.classes[0].probability).toBeGreaterThanOrEqual(result.classes[1].probability);
      for (const c of result.classes) {
        expect(c.empty).toBe(false);
        expect(c.map.width).toBe(7);
        expect(Math.max(...c.map.data)).toBeCloseTo(1, 5);
        const r = c.regions!;
        const sum = r.energy.centre + r.energy.top + r.energy.bottom + r.energy.edges;
        expect(sum).toBeCloseTo(1, 5);
      }
      // Different classes, different evidence: the maps are not the same map.
      const [a, b] = result.classes;
      const diff = a.map.data.reduce((s, v, i) => s + Math.abs(v - b.map.data[i]), 0);
      expect(diff / a.map.data.length).toBeGreaterThan(0.01);
    },
  );

  it('one class alone (the region audit asks for the top class only)', async () => {
    const image = await readImageRgba(fixturePath('images', 'cat.jpg'), {
      resizeTo: { width: 224, height: 224 },
    });
    const x = pixelsToInput(layers, image);
    const result = await explainTopClasses(layers, x, {
      method: 'gradcam',
      topK: 1,
      regions: true,
    });
    x.dispose();
    expect(result.classes).toHaveLength(1);
    expect(result.classes[0].label).toMatch(CAT);
    expect(result.classes[0].regions?.empty).toBe(false);
  });

  it('a 4-filter grid of conv_pw_1: tiles differ from each other and from their start noise', async () => {
    const settings = { ...actmaxSettingsFor([224, 224, 3]), steps: 6 };
    const progress: number[] = [];
    const before = tf.memory().numTensors;
    const { tiles } = await labGrid(
      layers,
      { layer: 'conv_pw_1', kind: 'filters', selection: 'first 4', settings },
      { onProgress: (done) => progress.push(done) },
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(tiles.map((t) => t.index)).toEqual([0, 1, 2, 3]);
    expect(progress.at(-1)).toBe(6);
    for (const t of tiles) {
      expect(t.image.width).toBe(224);
      expect(meanAbsDiff(t.image.data, t.startImage.data)).toBeGreaterThan(2);
    }
    for (let i = 0; i < tiles.length; i++) {
      for (let j = i + 1; j < tiles.length; j++) {
        expect(meanAbsDiff(tiles[i].image.data, tiles[j].image.data)).toBeGreaterThan(2);
      }
    }
    // Filters that respond at all respond more at the end (a dead filter stays at 0).
    expect(tiles.filter((t) => t.endValue > t.startValue).length).toBeGreaterThanOrEqual(3);
  });

  it('class images and dense units run through the same grid; a dense layer has no filters', async () => {
    const settings = { ...actmaxSettingsFor([224, 224, 3]), steps: 2 };
    const classes = await labGrid(graph, {
      layer: '',
      kind: 'classes',
      selection: '282,283',
      settings,
    });
    expect(classes.tiles.map((t) => t.label)).toEqual([
      `class 282 (${graph.manifest.labels[281]})`,
      `class 283 (${graph.manifest.labels[282]})`,
    ]);
    const dense = graph.adapter.listLayers().find((l) => l.outputShape.length === 2)!;
    const error = await labGrid(graph, {
      layer: dense.name,
      kind: 'filters',
      selection: 'first 2',
      settings,
    }).catch((e) => e);
    expect(failureOf(error).message).toMatch(/no height and width.*show its units/);
  });

  it('cancelling a grid stops it with the cancelled failure and frees every tensor', async () => {
    const before = tf.memory().numTensors;
    const abort = new AbortController();
    const settings = { ...actmaxSettingsFor([224, 224, 3]), steps: 50 };
    const error = await labGrid(
      layers,
      { layer: 'conv_pw_1', kind: 'filters', selection: 'first 2', settings },
      { signal: abort.signal, onProgress: (done) => done === 2 && abort.abort() },
    ).catch((e) => e);
    expect(failureOf(error).code).toBe('cancelled');
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('lab models: clear messages for what cannot work (wasm)', () => {
  beforeAll(() => useBackend('wasm'));

  it('a missing weight file is named', async () => {
    const files = filesOf(fixturePath('models', 'mobilenet_v1_0.25_224')).filter(
      (f) => f.name !== 'group10-shard1of1',
    );
    const error = await loadLabModel({ kind: 'answers', files, answers: answers('layers') }).catch(
      (e) => e,
    );
    expect(failureOf(error).message).toMatch(
      /model\.json lists 55 weight files, and 1 of them was not chosen \(group10-shard1of1\)/,
    );
  });

  it('labels that do not fit the outputs, and an input size the model does not take', async () => {
    const files = filesOf(fixturePath('models', 'mobilenet_v1_0.25_224'));
    const fewLabels = await loadLabModel({
      kind: 'answers',
      files,
      answers: { ...answers('layers'), labels: ['cat', 'dog'] },
    }).catch((e) => e);
    expect(failureOf(fewLabels).message).toMatch(
      /labels file has 2 names, but the model has 1000 outputs/,
    );
    const wrongSize = await loadLabModel({
      kind: 'answers',
      files,
      answers: { ...answers('layers'), width: 200, height: 200 },
    }).catch((e) => e);
    expect(failureOf(wrongSize).message).toMatch(/takes 224x224 images.*form says 200x200x3/);
  });

  it('a graph model whose head has an op without gradient: named when it opens', async () => {
    // conv -> relu (the CAM layer) -> mean -> Cumprod (no gradient in tfjs) -> matmul -> softmax
    const g = new GraphBuilder();
    g.placeholder('image', [-1, 8, 8, 3]);
    g.const('w', tf.randomNormal([3, 3, 3, 4], 0, 0.5, 'float32', 1));
    g.op({ name: 'conv', op: 'Conv2D', inputs: ['image', 'w'], attrs: CONV_ATTRS });
    g.op({ name: 'relu', op: 'Relu', inputs: ['conv'] });
    g.const('axes', tf.tensor1d([1, 2], 'int32'));
    g.op({ name: 'mean', op: 'Mean', inputs: ['relu', 'axes'], attrs: { keep_dims: false } });
    g.const('axis', tf.scalar(1, 'int32'));
    g.op({
      name: 'cumprod',
      op: 'Cumprod',
      inputs: ['mean', 'axis'],
      attrs: { exclusive: false, reverse: false },
    });
    g.const('dense', tf.randomNormal([4, 3], 0, 0.5, 'float32', 2));
    g.op({
      name: 'logits',
      op: 'MatMul',
      inputs: ['cumprod', 'dense'],
      attrs: { transpose_a: false, transpose_b: false },
    });
    g.op({ name: 'probs', op: 'Softmax', inputs: ['logits'] });
    const artifacts = g.artifacts();
    const modelJson = JSON.stringify({
      format: 'graph-model',
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
    });
    const before = tf.memory().numTensors;
    const loaded = await loadLabModel({
      kind: 'answers',
      files: [
        { name: 'model.json', blob: new Blob([modelJson]) },
        { name: 'weights.bin', blob: new Blob([artifacts.weightData as ArrayBuffer]) },
      ],
      answers: {
        name: 'no gradient',
        width: 8,
        height: 8,
        channels: 3,
        normalization: { mean: [0], std: [1] },
        resize: 'stretch',
        labels: null,
      },
    });
    const info = await describeModel(loaded, 'c', 0);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(info.manifest.labels).toEqual(['class 0', 'class 1', 'class 2']);
    expect(info.defaultCamLayer).toBe('relu');
    expect(info.camProblem?.code).toBe('no-gradient');
    expect(info.camProblem?.message).toMatch(/operation "Cumprod" has no gradient.*Eigen-CAM/);
  });

  it('a model with no spatial layer opens, and says why it has no heatmaps', async () => {
    const g = new GraphBuilder();
    g.placeholder('image', [-1, 4, 4, 1]);
    g.const('shape', tf.tensor1d([-1, 16], 'int32'));
    g.op({ name: 'flat', op: 'Reshape', inputs: ['image', 'shape'] });
    g.const('dense', tf.randomNormal([16, 2], 0, 0.5, 'float32', 3));
    g.op({
      name: 'logits',
      op: 'MatMul',
      inputs: ['flat', 'dense'],
      attrs: { transpose_a: false, transpose_b: false },
    });
    const artifacts = g.artifacts();
    const modelJson = JSON.stringify({
      format: 'graph-model',
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['w.bin'], weights: artifacts.weightSpecs }],
    });
    const loaded = await loadLabModel({
      kind: 'answers',
      files: [
        { name: 'model.json', blob: new Blob([modelJson]) },
        { name: 'w.bin', blob: new Blob([artifacts.weightData as ArrayBuffer]) },
      ],
      answers: {
        name: 'flat',
        width: 4,
        height: 4,
        channels: 1,
        normalization: { mean: [0], std: [1] },
        resize: 'stretch',
        labels: ['a', 'b'],
      },
    });
    const info = await describeModel(loaded, 'd', 0);
    loaded.dispose();
    expect(info.defaultCamLayer).toBeNull();
    expect(info.camProblem?.code).toBe('no-spatial-layer');
    expect(info.camProblem?.message).toMatch(/spatial/i);
  });
});
