/**
 * The compiled inference path on small hand-built networks: the same network in both formats,
 * models the compiler only partly knows (they fall back, layer by layer), residual / branching /
 * nested topologies, splits at layers a fusion swallowed, weights changed after compiling, and
 * gradients through the compiled body and head.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CAM_METHOD_NAMES,
  computeCam,
  createAdapter,
  type CamMethodName,
  type ModelAdapter,
  targets,
} from '../../src/explain';
import { CompiledModelAdapter, compileAdapter } from '../../src/explain/compiled';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { tf, useBackend } from '../../tools/lib/tf-node';
import { CONV_ATTRS, GraphBuilder } from '../helpers/graph-builder';
import {
  buildTwinModels,
  residualBranchingNestedModel,
  TWIN_INPUT,
  type TwinModels,
} from '../helpers/twin-models';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

function maxAbs(a: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]);
}

/** The aim: outputs within 1e-5 of the model's own (of its scale, for logits above 1). */
function expectClose(actual: tf.Tensor, expected: tf.Tensor, tolerance = 1e-5): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(maxAbsDiff(actual, expected)).toBeLessThanOrEqual(
    tolerance * Math.max(1, maxAbs(expected)),
  );
}

function compiled(adapter: ModelAdapter): CompiledModelAdapter {
  const c = compileAdapter(adapter);
  expect(c).toBeInstanceOf(CompiledModelAdapter);
  return c as CompiledModelAdapter;
}

async function expectSameCams(
  source: ModelAdapter,
  fast: ModelAdapter,
  x: tf.Tensor4D,
  layer: string,
  methods: CamMethodName[] = CAM_METHOD_NAMES.filter((m) => m !== 'scorecam'),
): Promise<void> {
  for (const method of methods) {
    const target = targets.classLogit(1);
    const a = await computeCam(source, x, { method, target, layer });
    const b = await computeCam(fast, x, { method, target, layer });
    expect(b.layer).toBe(a.layer);
    expect(b.empty).toEqual(a.empty);
    a.normalized.forEach((map, i) => {
      const other = b.normalized[i].data;
      const diff = Math.max(...map.data.map((v, k) => Math.abs(v - other[k])));
      expect(diff, `${method} at ${layer}`).toBeLessThan(1e-4);
    });
    b.scores.forEach((s, i) => expect(s).toBeCloseTo(a.scores[i], 4));
  }
}

describe('compiled inference on the twin network (wasm)', () => {
  let twins: TwinModels;
  let layers: ModelAdapter;
  let graph: ModelAdapter;
  let fastLayers: CompiledModelAdapter;
  let fastGraph: CompiledModelAdapter;

  beforeAll(async () => {
    await useBackend('wasm');
    twins = await buildTwinModels();
    layers = createAdapter(twins.layers);
    graph = createAdapter(twins.graph);
    fastLayers = compiled(layers);
    fastGraph = compiled(graph);
  });
  afterAll(() => {
    fastLayers.dispose();
    fastGraph.dispose();
  });

  it('folds the batch norm and fuses every activation into its convolution', () => {
    // conv + bn + relu6 -> one conv; dw + relu6 -> one; pw + relu -> one; gap; dense.
    expect(fastLayers.report).toMatchObject({ foldedAffines: 1, fallbacks: [] });
    expect(fastLayers.report.fusedActivations).toBe(3);
    expect(fastLayers.report.ops).toBe(5);
    // The graph's dense is MatMul then BiasAdd: the bias folds into the matMul too.
    expect(fastGraph.report).toMatchObject({ foldedAffines: 2, fusedActivations: 1 });
    expect(fastGraph.report.fallbacks).toEqual([]);
    expect(fastGraph.report.ops).toBe(5);
  });

  it("equals the models' own predict", () => {
    const x = tf.randomUniform([3, ...TWIN_INPUT], -1, 1, 'float32', 11) as tf.Tensor4D;
    const ownLayers = twins.layers.predict(x) as tf.Tensor;
    const ownGraph = twins.graph.predict(x) as tf.Tensor;
    const a = fastLayers.predict(x);
    const b = fastGraph.predict(x);
    expectClose(a.probabilities, ownLayers);
    expectClose(b.probabilities, ownGraph);
    const sourceLogits = layers.predict(x);
    expectClose(a.logits, sourceLogits.logits);
    tf.dispose([x, ownLayers, ownGraph, a, b, sourceLogits]);
  });

  it('runs the same kernels when called directly as through tfjs ops (tf.profile forces ops)', async () => {
    const x = tf.randomUniform([2, ...TWIN_INPUT], -1, 1, 'float32', 18) as tf.Tensor4D;
    for (const fast of [fastLayers, fastGraph]) {
      const direct = fast.predict(x);
      let viaOps: tf.Tensor | undefined;
      const profile = await tf.profile(() => {
        viaOps = tf.keep(fast.predict(x).logits);
      });
      // Through ops the fused kernels are seen by the profiler; called directly they are not.
      expect(profile.kernels.some((k) => k.name === 'FusedConv2D')).toBe(true);
      expect(maxAbsDiff(direct.logits, viaOps!)).toBe(0);
      tf.dispose([direct, viaOps!]);
    }
    tf.dispose(x);
  });

  it('gives the same maps for every CAM method, in both formats', async () => {
    const x = tf.randomUniform([2, ...TWIN_INPUT], -1, 1, 'float32', 12) as tf.Tensor4D;
    await expectSameCams(layers, fastLayers, x, twins.layersTarget);
    await expectSameCams(graph, fastGraph, x, twins.graphTarget);
    await expectSameCams(layers, fastLayers, x, twins.layersTarget, ['scorecam']);
    tf.dispose(x);
  });

  it('splits at layers a fusion swallowed (conv before its batch norm, bn before relu6)', async () => {
    const x = tf.randomUniform([2, ...TWIN_INPUT], -1, 1, 'float32', 13) as tf.Tensor4D;
    for (const [source, fast, layer] of [
      [layers, fastLayers, 'conv'],
      [layers, fastLayers, 'bn'],
      [graph, fastGraph, 'conv/BiasAdd'],
      [graph, fastGraph, 'bn/FusedBatchNorm'],
    ] as const) {
      const a = source.activations(x, layer);
      const b = fast.activations(x, layer);
      expectClose(b, a);
      const both = fast.activationsAndOutputs(x, layer);
      expectClose(both.activations, a);
      tf.dispose([a, b, both]);
      await expectSameCams(source, fast, x, layer, ['gradcam', 'layercam']);
    }
    tf.dispose(x);
  });

  it('differentiates through the compiled body like the model (activation maximization)', () => {
    const x = tf.randomUniform([1, ...TWIN_INPUT], -1, 1, 'float32', 14) as tf.Tensor4D;
    for (const [source, fast, layer] of [
      [layers, fastLayers, twins.layersTarget],
      [graph, fastGraph, twins.graphTarget],
    ] as const) {
      const objective = (adapter: ModelAdapter) => (input: tf.Tensor) =>
        tf.sum(tf.slice(adapter.activations(input as tf.Tensor4D, layer), 0, [1, 16, 16, 1]));
      const a = tf.grad(objective(source))(x);
      const b = tf.grad(objective(fast))(x);
      expect(maxAbs(a)).toBeGreaterThan(1e-3);
      expectClose(b, a, 1e-4);
      tf.dispose([a, b]);
    }
    tf.dispose(x);
  });

  it('differentiates the linear head by its constant Jacobian, as tf.grad does', () => {
    const x = tf.randomUniform([2, ...TWIN_INPUT], -1, 1, 'float32', 15) as tf.Tensor4D;
    const target = targets.classProbability(2);
    for (const [source, fast, layer] of [
      [layers, fastLayers, twins.layersTarget],
      [graph, fastGraph, twins.graphTarget],
    ] as const) {
      const a = source.activations(x, layer);
      const grad = (adapter: ModelAdapter) =>
        tf.grad((t: tf.Tensor) => tf.sum(target(adapter.headFrom(layer, t, x))))(a);
      const expected = grad(source);
      const actual = grad(fast);
      expect(maxAbs(expected)).toBeGreaterThan(1e-4);
      expectClose(actual, expected);
      tf.dispose([a, expected, actual]);
    }
    tf.dispose(x);
  });

  it('gives that gradient from a pass already made, for logit and probability targets', () => {
    const x = tf.randomUniform([2, ...TWIN_INPUT], -1, 1, 'float32', 16) as tf.Tensor4D;
    for (const target of [targets.classProbability(2), targets.classLogit(1)]) {
      for (const [source, fast, layer] of [
        [layers, fastLayers, twins.layersTarget],
        [graph, fastGraph, twins.graphTarget],
      ] as const) {
        const a = source.activations(x, layer);
        const expected = tf.grad((t: tf.Tensor) => tf.sum(target(source.headFrom(layer, t, x))))(a);
        const split = fast.activationsAndOutputs(x, layer);
        const actual = fast.headGradient(layer, split, target)!;
        expect(maxAbs(expected)).toBeGreaterThan(1e-4);
        expectClose(actual, expected);
        tf.dispose([a, expected, actual, split.activations, split.outputs.logits]);
        tf.dispose(split.outputs.probabilities);
      }
    }
    // No shortcut where the head is not linear: the caller differentiates the head.
    const earlier = fastLayers.listLayers().find((l) => l.spatial)!.name;
    expect(earlier).not.toBe(twins.layersTarget);
    const split = fastLayers.activationsAndOutputs(x, earlier);
    expect(fastLayers.headGradient(earlier, split, targets.classLogit(1))).toBeUndefined();
    tf.dispose([split.activations, split.outputs.logits, split.outputs.probabilities, x]);
  });

  it('compiles again when the weights change', () => {
    const x = tf.randomUniform([1, ...TWIN_INPUT], -1, 1, 'float32', 16) as tf.Tensor4D;
    for (const [source, fast] of [
      [layers, fastLayers],
      [graph, fastGraph],
    ] as const) {
      const restore = fast.randomizeWeights(fast.weightedLayers(), 3);
      const a = source.predict(x);
      const b = fast.predict(x);
      expectClose(b.logits, a.logits);
      restore();
      const c = source.predict(x);
      const d = fast.predict(x);
      expectClose(d.logits, c.logits);
      expect(maxAbsDiff(a.logits, c.logits)).toBeGreaterThan(1e-3);
      tf.dispose([a, b, c, d]);
    }
    // Layer weights assigned directly (as training does).
    const conv = twins.layers.getLayer('pw');
    const saved = conv.getWeights().map((w) => tf.clone(w));
    conv.setWeights(saved.map((w) => tf.mul(w, 0.5)));
    const halved = [layers.predict(x), fastLayers.predict(x)];
    expectClose(halved[1].logits, halved[0].logits);
    conv.setWeights(saved);
    tf.dispose([...saved, ...halved, x]);
  });

  it('leaks no tensor once compiled', async () => {
    const x = tf.randomUniform([2, ...TWIN_INPUT], -1, 1, 'float32', 17) as tf.Tensor4D;
    const everything = async () => {
      for (const fast of [fastLayers, fastGraph]) {
        tf.dispose(fast.predict(x));
        tf.dispose(fast.activations(x, fast.defaultTargetLayer()));
        for (const method of CAM_METHOD_NAMES) {
          await computeCam(fast, x, { method, target: targets.classLogit(0) });
        }
      }
    };
    await everything(); // compiles what the calls need
    const before = tf.memory().numTensors;
    await everything();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
  });
});

describe('compiled inference on models the compiler only partly knows (wasm)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('runs unknown layers as themselves: residual, branching, nested, smooth activations', async () => {
    const built = residualBranchingNestedModel();
    const source = createAdapter(built.model);
    const fast = compiled(source);
    expect(fast.report.fallbacks.join()).toMatch(/merge \(Concatenate\)/);
    expect(fast.report.fallbacks.join()).toMatch(/skip \(Add\)/);
    const x = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 21) as tf.Tensor4D;
    const own = built.model.predict(x) as tf.Tensor;
    const out = fast.predict(x);
    expectClose(out.probabilities, own);
    for (const layer of built.layers) {
      const a = source.activations(x, layer);
      const b = fast.activations(x, layer);
      expectClose(b, a);
      tf.dispose([a, b]);
    }
    await expectSameCams(source, fast, x, 'merge', ['gradcam', 'hirescam']);
    await expectSameCams(source, fast, x, 'skip');
    tf.dispose([x, own, out]);
    fast.dispose();
  });

  it('keeps a layer type it does not know, and an activation it cannot fuse', () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [12, 12, 3],
          filters: 4,
          kernelSize: 3,
          activation: 'hardSigmoid',
          name: 'c1',
        }),
        tfl.layers.upSampling2d({ size: [2, 2], name: 'up' }),
        tfl.layers.zeroPadding2d({
          padding: [
            [1, 0],
            [0, 2],
          ],
          name: 'pad',
        }),
        tfl.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, name: 'c2' }),
        tfl.layers.batchNormalization({ name: 'bn2' }),
        tfl.layers.leakyReLU({ alpha: 0.1, name: 'leaky' }),
        tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool' }),
        tfl.layers.flatten({ name: 'flat' }),
        tfl.layers.dense({ units: 3, activation: 'tanh', name: 'd1' }),
        tfl.layers.dense({ units: 1, activation: 'sigmoid', name: 'out' }),
      ],
    });
    // Non-trivial batch-norm statistics, so that folding them is tested.
    const bn = model.getLayer('bn2');
    bn.setWeights(
      bn
        .getWeights()
        .map((w, i) => tf.add(tf.randomUniform(w.shape, 0.2, 1, 'float32', i), i === 3 ? 0.5 : 0)),
    );
    const source = createAdapter(model);
    const fast = compiled(source);
    // Padding and pooling are compiled; these two are not.
    expect(fast.report.fallbacks).toEqual(['c1 (activation hardSigmoid)', 'up (UpSampling2D)']);
    expect(fast.report.foldedAffines).toBe(1);
    expect(fast.report.fusedActivations).toBe(1);
    const x = tf.randomUniform([4, 12, 12, 3], -1, 1, 'float32', 22) as tf.Tensor4D;
    const own = model.predict(x) as tf.Tensor;
    const out = fast.predict(x);
    expect(out.activation).toBe('sigmoid');
    expectClose(out.probabilities, own);
    tf.dispose([x, own, out]);
    fast.dispose();
  });

  it('runs a graph node it does not know through the model’s executor', async () => {
    const g = new GraphBuilder();
    const rand = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 0.4, 'float32', seed);
    g.placeholder('image', [-1, 8, 8, 2]);
    g.op({
      name: 'conv',
      op: 'Conv2D',
      inputs: ['image', g.const('conv/w', rand([3, 3, 2, 4], 1))],
      attrs: CONV_ATTRS,
    });
    g.op({ name: 'scaled', op: 'Mul', inputs: ['conv', g.const('scale', rand([4], 2))] });
    g.op({ name: 'shifted', op: 'Add', inputs: ['scaled', g.const('shift', rand([4], 3))] });
    g.op({ name: 'relu', op: 'Relu', inputs: ['shifted'] });
    g.op({ name: 'six', op: 'Minimum', inputs: ['relu', g.const('six/y', tf.scalar(6))] });
    // Square: no rewrite for it, so it runs as itself.
    g.op({ name: 'square', op: 'Square', inputs: ['six'] });
    g.op({
      name: 'pool',
      op: 'Mean',
      inputs: ['square', g.const('pool/axes', tf.tensor1d([1, 2], 'int32'))],
      attrs: { keep_dims: false, Tidx: { type: 'DT_INT32' } },
    });
    g.op({
      name: 'logits',
      op: 'MatMul',
      inputs: ['pool', g.const('dense/w', rand([4, 3], 4))],
      attrs: { transpose_a: false, transpose_b: false },
    });
    const model = await loadGraphModel(tf.io.fromMemory(g.artifacts()));
    const source = createAdapter(model);
    const fast = compiled(source);
    expect(fast.report.fallbacks).toEqual(['square (Square)']);
    expect(fast.report).toMatchObject({ foldedAffines: 2, relu6Patterns: 1 });
    const x = tf.randomUniform([2, 8, 8, 2], -1, 1, 'float32', 23) as tf.Tensor4D;
    const own = model.predict(x) as tf.Tensor;
    const out = fast.predict(x);
    expectClose(out.logits, own);
    await expectSameCams(source, fast, x, 'six');
    await expectSameCams(source, fast, x, 'square', ['gradcam']);
    tf.dispose([x, own, out]);
    fast.dispose();
  });
});
