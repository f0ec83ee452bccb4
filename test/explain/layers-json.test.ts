/**
 * Layers models read from model.json as data, without tfjs-layers (what the app's worker runs):
 * on the bundled models and MobileNet, and on small models saved from tfjs-layers, the reading
 * must be the model tfjs-layers builds: the same layer list, activations, head gradients,
 * outputs and weight randomisation. Models with a part it does not know are built by
 * tfjs-layers instead, and still load; a model.json whose weights do not fit fails as before.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelAdapter } from '../../src/explain';
import { LayersModelAdapter } from '../../src/explain/adapters/layers-adapter';
import { CompiledModelAdapter, CompileError } from '../../src/explain/compiled';
import {
  compileLayersJson,
  LayersJsonAdapter,
} from '../../src/explain/compiled/layers-json-adapter';
import { buildAdapter, type LoadedModel } from '../../src/model/load-model';
import { loadModelDir } from '../../tools/lib/model-dir';
import { projectRoot } from '../../tools/lib/paths';
import { tf, useBackend } from '../../tools/lib/tf-node';
import { loadMobilenet } from '../helpers/mobilenet';
import { buildTwinModels, residualBranchingNestedModel } from '../helpers/twin-models';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Within `tolerance` of the expected values' scale (at least 1). */
function expectClose(actual: tf.Tensor, expected: tf.Tensor, tolerance = 1e-5): void {
  expect(actual.shape).toEqual(expected.shape);
  const scale = tf.tidy(() => Math.max(1, tf.max(tf.abs(expected)).dataSync()[0]));
  expect(maxAbsDiff(actual, expected)).toBeLessThanOrEqual(tolerance * scale);
}

async function artifactsOf(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved!;
}

/** The model as the loaders build it (compiled) and as tfjs-layers runs it. */
async function bothOf(artifacts: tf.io.ModelArtifacts): Promise<[ModelAdapter, ModelAdapter]> {
  const fast = await buildAdapter('layers', tf.io.fromMemory(artifacts), {}, true);
  const plain = await buildAdapter('layers', tf.io.fromMemory(artifacts), {}, false);
  return [fast, plain];
}

function jsonSource(adapter: ModelAdapter): LayersJsonAdapter {
  expect(adapter).toBeInstanceOf(CompiledModelAdapter);
  const source = (adapter as CompiledModelAdapter).source;
  expect(source).toBeInstanceOf(LayersJsonAdapter);
  return source as LayersJsonAdapter;
}

interface Case {
  name: string;
  load(compile: boolean): Promise<LoadedModel>;
  range: [number, number];
}

const CASES: Case[] = [
  {
    name: 'road-damage (public/models)',
    load: (compile) =>
      loadModelDir(`${projectRoot}/public/models/road-damage`, undefined, { compile }),
    range: [-1, 1],
  },
  {
    name: 'pothole (public/models)',
    load: (compile) => loadModelDir(`${projectRoot}/public/models/pothole`, undefined, { compile }),
    range: [-1, 1],
  },
  {
    name: 'mnist (public/models)',
    load: (compile) => loadModelDir(`${projectRoot}/public/models/mnist`, undefined, { compile }),
    range: [0, 1],
  },
  {
    name: 'MobileNet v1 0.25 (test/fixtures)',
    load: (compile) => loadMobilenet('layers', { compile }),
    range: [-1, 1],
  },
];

describe.each(CASES)('$name read from model.json (wasm)', ({ load, range }) => {
  let fast: LoadedModel;
  let plain: LoadedModel;
  let source: LayersJsonAdapter;

  beforeAll(async () => {
    await useBackend('wasm');
    fast = await load(true);
    plain = await load(false);
    expect(plain.adapter).toBeInstanceOf(LayersModelAdapter);
    source = jsonSource(fast.adapter);
  });
  afterAll(() => {
    fast.dispose();
    plain.dispose();
  });

  it('lists the layers tfjs-layers lists', () => {
    for (const adapter of [source, fast.adapter]) {
      expect(adapter.listLayers()).toEqual(plain.adapter.listLayers());
      expect(adapter.defaultTargetLayer()).toBe(plain.adapter.defaultTargetLayer());
      expect(adapter.weightedLayers()).toEqual(plain.adapter.weightedLayers());
      expect(adapter.inputShape).toEqual(plain.adapter.inputShape);
      expect(adapter.outputActivation).toBe(plain.adapter.outputActivation);
      expect(adapter.numOutputs).toBe(plain.adapter.numOutputs);
    }
  });

  it("gives every layer's activations and the outputs of tfjs-layers", () => {
    const x = tf.randomUniform([2, ...source.inputShape], ...range, 'float32', 3) as tf.Tensor4D;
    for (const { name } of plain.adapter.listLayers()) {
      const a = source.activations(x, name);
      const b = plain.adapter.activations(x, name);
      // A convolution with its bias in one kernel rounds apart from conv then bias add, and
      // deep layers carry it: 1e-3 of the values' scale inside (measured up to 3e-4 on
      // noise inputs), 1e-5 at the outputs.
      expectClose(a, b, 1e-3);
      tf.dispose([a, b]);
    }
    const a = source.predict(x);
    const b = plain.adapter.predict(x);
    expectClose(a.logits, b.logits);
    expectClose(a.probabilities, b.probabilities);
    tf.dispose([x, a, b]);
  });

  it('differentiates the head from the CAM layer as tfjs-layers does', () => {
    const layer = fast.manifest.cam.layer;
    const x = tf.randomUniform([1, ...source.inputShape], ...range, 'float32', 4) as tf.Tensor4D;
    const gradient = (adapter: ModelAdapter) =>
      tf.tidy(() => {
        const acts = adapter.activations(x, layer);
        return tf.grad((a: tf.Tensor) =>
          tf.sum(tf.gather(adapter.headFrom(layer, a, x).logits, [0], 1)),
        )(acts);
      });
    const a = gradient(source);
    const b = gradient(plain.adapter);
    expectClose(a, b, 1e-4);
    tf.dispose([x, a, b]);
  });

  it('randomises weights as tfjs-layers does, and puts them back', () => {
    const x = tf.randomUniform([1, ...source.inputShape], ...range, 'float32', 5) as tf.Tensor4D;
    const before = fast.adapter.predict(x);
    const layers = fast.adapter.weightedLayers().slice(-2);
    const restoreFast = fast.adapter.randomizeWeights(layers, 7);
    const restorePlain = plain.adapter.randomizeWeights(layers, 7);
    const a = fast.adapter.predict(x);
    const b = plain.adapter.predict(x);
    expectClose(a.logits, b.logits, 1e-4);
    expect(maxAbsDiff(a.logits, before.logits)).toBeGreaterThan(1e-3);
    restoreFast();
    restorePlain();
    const after = fast.adapter.predict(x);
    expectClose(after.logits, before.logits);
    tf.dispose([x, before, a, b, after]);
  });
});

describe('small layers models saved by tfjs-layers (wasm)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  const same = async (model: tfl.LayersModel, json: boolean) => {
    const artifacts = await artifactsOf(model);
    const before = tf.memory().numTensors;
    const [fast, plain] = await bothOf(artifacts);
    expect(fast).toBeInstanceOf(CompiledModelAdapter);
    const source = (fast as CompiledModelAdapter).source;
    expect(source).toBeInstanceOf(json ? LayersJsonAdapter : LayersModelAdapter);
    const x = tf.randomUniform([2, ...fast.inputShape], -1, 1, 'float32', 9) as tf.Tensor4D;
    const a = fast.predict(x);
    const b = plain.predict(x);
    const own = model.predict(x) as tf.Tensor;
    expectClose(a.probabilities, own);
    expectClose(a.logits, b.logits);
    expect(fast.listLayers()).toEqual(plain.listLayers());
    tf.dispose([x, a, b, own]);
    fast.dispose();
    plain.dispose();
    expect(tf.memory().numTensors, 'the adapters leave no tensor').toBe(before);
  };

  it('reads a functional model: batch norm, ReLU layer, depthwise, dense', async () => {
    const { layers, graph } = await buildTwinModels(3);
    await same(layers, true);
    layers.dispose();
    graph.dispose();
  });

  it('reads a sequential model, with no input layer saved', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [12, 12, 2], filters: 4, kernelSize: 3, strides: 2 }),
        tfl.layers.batchNormalization(),
        tfl.layers.leakyReLU({ alpha: 0.1 }),
        tfl.layers.zeroPadding2d({
          padding: [
            [1, 0],
            [0, 1],
          ],
        }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dropout({ rate: 0.5 }),
        tfl.layers.dense({ units: 3, activation: 'sigmoid' }),
      ],
    });
    await same(model, true);
    model.dispose();
  });

  it('reads a residual add', async () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    const a = tfl.layers
      .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'a' })
      .apply(input) as tfl.SymbolicTensor;
    const b = tfl.layers
      .conv2d({ filters: 4, kernelSize: 1, activation: 'tanh', name: 'b' })
      .apply(a) as tfl.SymbolicTensor;
    const sum = tfl.layers.add({ name: 'sum' }).apply([a, b]) as tfl.SymbolicTensor;
    const pooled = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(sum);
    const out = tfl.layers.dense({ units: 2, activation: 'softmax' }).apply(pooled);
    const model = tfl.model({ inputs: input, outputs: out as tfl.SymbolicTensor });
    await same(model, true);
    model.dispose();
  });

  it('leaves a model with a part it does not know to tfjs-layers (nested, concatenate)', async () => {
    const { model } = residualBranchingNestedModel();
    await same(model, false);
    model.dispose();
  });

  it('leaves a layer class it does not know to tfjs-layers', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.separableConv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3 }),
        tfl.layers.globalAveragePooling2d({}),
        tfl.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    await same(model, false);
    model.dispose();
  });

  it('fails, as tfjs-layers does, on a weight whose shape does not fit', async () => {
    const { layers, graph } = await buildTwinModels(4);
    const artifacts = await artifactsOf(layers);
    const spec = artifacts.weightSpecs!.find((w) => w.name === 'pw/kernel')!;
    // Same byte count, other shape: only the shapes can tell.
    spec.shape = [1, 1, 6, 8];
    const before = tf.memory().numTensors;
    expect(() => compileLayersJson(artifacts)).toThrow(CompileError);
    expect(tf.memory().numTensors, 'the reading leaves no tensor').toBe(before);
    await expect(buildAdapter('layers', tf.io.fromMemory(artifacts), {}, true)).rejects.toThrow(
      /shape/i,
    );
    layers.dispose();
    graph.dispose();
  });
});
