import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  camLayer,
  createAdapter,
  ExplainError,
  GraphModelAdapter,
  type ModelAdapter,
  targets,
} from '../../src/explain';
import { tf, useBackend } from '../../tools/lib/tf-node';
import {
  buildTwinModels,
  residualBranchingNestedModel,
  TWIN_INPUT,
  type TwinModels,
} from '../helpers/twin-models';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('model adapters (wasm backend)', () => {
  let twins: TwinModels;
  let layers: ModelAdapter;
  let graph: GraphModelAdapter;

  beforeAll(async () => {
    await useBackend('wasm');
    twins = await buildTwinModels();
    layers = createAdapter(twins.layers);
    graph = createAdapter(twins.graph) as GraphModelAdapter;
  });
  afterAll(() => {
    layers.dispose();
    graph.dispose();
  });

  it('reads both formats the same: shapes, outputs, default target layer', () => {
    expect(layers.format).toBe('layers');
    expect(graph.format).toBe('graph');
    expect(layers.inputShape).toEqual(TWIN_INPUT);
    expect(graph.inputShape).toEqual(TWIN_INPUT);
    expect(layers.outputActivation).toBe('softmax');
    expect(graph.outputActivation).toBe('softmax');
    expect(layers.numOutputs).toBe(3);
    expect(graph.numOutputs).toBe(3);
    expect(layers.defaultTargetLayer()).toBe(twins.layersTarget);
    expect(graph.defaultTargetLayer()).toBe(twins.graphTarget);
    expect(layers.layer('pw').outputShape).toEqual([-1, 16, 16, 6]);
    expect(graph.layer('pw/Relu').outputShape).toEqual([-1, 16, 16, 6]);
    expect(graph.layer('gap')).toMatchObject({ kind: 'Mean', spatial: false });
    expect(graph.listLayers().map((l) => l.name)).toEqual([
      'conv/BiasAdd',
      'bn/FusedBatchNorm',
      'relu6',
      'dw/Relu6',
      'pw/Relu',
      'gap',
      'dense/MatMul',
      'dense/BiasAdd',
      'probabilities',
    ]);
  });

  it('re-routes only the fused activations that have no gradient (Relu6), keeping Relu fused', () => {
    expect(graph.unfusedNodes).toEqual(['dw/Relu6']);
  });

  it('gives the same logits and probabilities in both formats', () => {
    const x = tf.randomUniform([2, ...TWIN_INPUT], -1, 1, 'float32', 7) as tf.Tensor4D;
    const a = layers.predict(x);
    const b = graph.predict(x);
    expect(maxAbsDiff(a.logits, b.logits)).toBeLessThan(1e-4);
    expect(maxAbsDiff(a.probabilities, b.probabilities)).toBeLessThan(1e-5);
    // The adapter's probabilities are the model's own output.
    const own = twins.layers.predict(x) as tf.Tensor;
    expect(maxAbsDiff(a.probabilities, own)).toBeLessThan(1e-6);
    tf.dispose([x, a, b, own]);
  });

  it('splits at a layer so that head(activations(x)) equals the whole model', () => {
    const x = tf.randomUniform([2, ...TWIN_INPUT], -1, 1, 'float32', 8) as tf.Tensor4D;
    for (const [adapter, layer] of [
      [layers, 'relu6'],
      [layers, 'pw'],
      [graph, 'relu6'],
      [graph, 'dw/Relu6'],
    ] as const) {
      const whole = adapter.predict(x);
      const a = adapter.activations(x, layer);
      const head = adapter.headFrom(layer, a, x);
      expect(maxAbsDiff(whole.logits, head.logits)).toBeLessThan(1e-5);
      tf.dispose([whole, a, head]);
    }
    tf.dispose(x);
  });

  it('differentiates through an intermediate graph node fed into execute()', () => {
    const x = tf.randomUniform([1, ...TWIN_INPUT], -1, 1, 'float32', 9) as tf.Tensor4D;
    const target = targets.classLogit(1);
    const gradOf = (adapter: ModelAdapter, layer: string) =>
      tf.tidy(() => {
        const a = adapter.activations(x, layer);
        return tf.grad((t: tf.Tensor) => tf.sum(target(adapter.headFrom(layer, t, x))))(a);
      });
    const gl = gradOf(layers, 'relu6');
    const gg = gradOf(graph, 'relu6');
    expect(tf.tidy(() => tf.max(tf.abs(gl)).dataSync()[0])).toBeGreaterThan(1e-4);
    expect(maxAbsDiff(gl, gg)).toBeLessThan(1e-4);
    tf.dispose([x, gl, gg]);
  });

  describe('any topology: residual, branching, nested', () => {
    const names = ['stem', 'left', 'merge', 'inner_conv', 'inner_add', 'inner_block', 'skip'];
    let adapter: ModelAdapter;
    beforeAll(() => {
      const built = residualBranchingNestedModel();
      expect(built.layers).toEqual(names);
      adapter = createAdapter(built.model);
    });
    afterAll(() => adapter.dispose());

    it('lists nested layers and picks the last spatial layer that is not a container', () => {
      const listed = adapter.listLayers().map((l) => l.name);
      for (const n of names) expect(listed).toContain(n);
      expect(adapter.defaultTargetLayer()).toBe('skip');
      expect(adapter.layer('inner_conv').outputShape).toEqual([-1, 8, 8, 6]);
    });

    it.each(names)('head(activations at %s) equals the whole model', (layer) => {
      const x = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
      const whole = adapter.predict(x);
      const both = adapter.activationsAndOutputs(x, layer);
      const a = adapter.activations(x, layer);
      expect(maxAbsDiff(a, both.activations)).toBeLessThan(1e-6);
      expect(maxAbsDiff(both.outputs.logits, whole.logits)).toBeLessThan(1e-5);
      const head = adapter.headFrom(layer, a, x);
      expect(maxAbsDiff(head.logits, whole.logits)).toBeLessThan(1e-5);
      tf.dispose([x, whole, both, a, head]);
    });

    it.each(['left', 'inner_conv', 'merge'])(
      'gradient at %s matches finite differences (skip connections held fixed)',
      (layer) => {
        const x = tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
        const target = targets.classLogit(2);
        const a = adapter.activations(x, layer);
        const f = (t: tf.Tensor) => tf.sum(target(adapter.headFrom(layer, t, x)));
        const g = tf.grad(f)(a);
        const gData = g.dataSync();
        const aData = a.dataSync();
        const size = aData.length;
        // float32 central differences: a step well above rounding, below the curvature scale.
        const h = 1e-2;
        let checked = 0;
        for (let k = 0; k < 12; k++) {
          const i = Math.floor(((k * 7919) % size) + 0.5) % size;
          const bump = (delta: number) =>
            tf.tidy(() => {
              const buf = Float32Array.from(aData);
              buf[i] += delta;
              return f(tf.tensor(buf, a.shape)).dataSync()[0];
            });
          const numeric = (bump(h) - bump(-h)) / (2 * h);
          expect(Math.abs(numeric - gData[i])).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
          checked++;
        }
        expect(checked).toBe(12);
        tf.dispose([x, a, g]);
      },
    );
  });

  describe('clear errors', () => {
    it('names the valid layers for an unknown layer', () => {
      const err = (() => {
        try {
          layers.layer('conv_pw_99');
        } catch (e) {
          return e as ExplainError;
        }
      })();
      expect(err).toBeInstanceOf(ExplainError);
      expect(err?.code).toBe('unknown-layer');
      expect(err?.message).toContain('conv_pw_99');
      expect(err?.message).toContain('pw');
      expect(err?.message).toContain('relu6');
    });

    it('refuses a non-spatial layer as CAM target and suggests the default', () => {
      expect(() => camLayer(layers, 'gap')).toThrow(/no height and\s+width.*"pw"/s);
      expect(() => camLayer(graph, 'dense/MatMul')).toThrow(ExplainError);
    });

    it('says when a model has no spatial layer at all', () => {
      const dense = tfl.sequential({
        layers: [
          tfl.layers.flatten({ inputShape: [4, 4, 3] }),
          tfl.layers.dense({ units: 2, activation: 'softmax' }),
        ],
      });
      const adapter = createAdapter(dense);
      expect(() => adapter.defaultTargetLayer()).toThrow(/no layer with a spatial/);
      adapter.dispose();
    });

    it('says which input shape the model expects', () => {
      const x = tf.zeros([1, 20, 16, 3]) as tf.Tensor4D;
      expect(() => layers.predict(x)).toThrow(/16x16 with 3 channels.*\[1,20,16,3\]/);
      expect(() => graph.activations(x, 'relu6')).toThrow(ExplainError);
      x.dispose();
    });
  });
});
