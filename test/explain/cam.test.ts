import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CAM_METHOD_NAMES,
  computeCam,
  createAdapter,
  type ModelAdapter,
  targets,
} from '../../src/explain';
import { tf, useBackend } from '../../tools/lib/tf-node';
import { buildTwinModels, gapDenseModel, TWIN_INPUT } from '../helpers/twin-models';

describe('CAM methods on one skeleton (wasm backend)', () => {
  let layers: ModelAdapter;
  let graph: ModelAdapter;

  beforeAll(async () => {
    await useBackend('wasm');
    const twins = await buildTwinModels(11);
    layers = createAdapter(twins.layers);
    graph = createAdapter(twins.graph);
  });
  afterAll(() => {
    layers.dispose();
    graph.dispose();
  });

  it('Grad-CAM equals CAM up to a positive constant on a global-average-pool + dense head', async () => {
    const model = gapDenseModel(4);
    const adapter = createAdapter(model);
    const x = tf.randomUniform([1, 12, 12, 3], 0, 1, 'float32', 21) as tf.Tensor4D;
    let classesWithEvidence = 0;
    for (let cls = 0; cls < 4; cls++) {
      const result = await computeCam(adapter, x, {
        method: 'gradcam',
        target: targets.classLogit(cls),
        layer: 'features',
      });
      // CAM (Zhou et al. 2016): the dense layer's weights for the class times the feature maps.
      const cam = tf.tidy(() => {
        const a = adapter.activations(x, 'features'); // [1, 10, 10, 5]
        const [kernel] = model.getLayer('classifier').getWeights(); // [5, 4]
        const wc = tf.slice(kernel, [0, cls], [-1, 1]); // [5, 1]
        return tf.relu(tf.reshape(tf.matMul(tf.reshape(a, [100, 5]), wc), [100]));
      });
      const camData = cam.dataSync();
      const grid = result.grids[0];
      expect([grid.width, grid.height]).toEqual([10, 10]);
      // d logit / dA_k(i,j) = w_k / (H*W): the constant is 1 / 100.
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < 100; i++) {
        worst = Math.max(worst, Math.abs(grid.data[i] * 100 - camData[i]));
        scale = Math.max(scale, Math.abs(camData[i]));
      }
      // After the ReLU a class may have no positive evidence at all; then both maps are zero.
      if (scale > 0) classesWithEvidence++;
      expect(worst).toBeLessThanOrEqual(1e-5 * Math.max(scale, 1e-6));
      cam.dispose();
    }
    expect(classesWithEvidence).toBeGreaterThanOrEqual(2);
    x.dispose();
    adapter.dispose();
  });

  it.each(CAM_METHOD_NAMES)(
    '%s gives the same map for the layers and the graph format',
    async (method) => {
      const x = tf.randomUniform([1, ...TWIN_INPUT], -1, 1, 'float32', 5) as tf.Tensor4D;
      const target = targets.classLogit(0);
      const a = await computeCam(layers, x, { method, target });
      const b = await computeCam(graph, x, { method, target });
      expect(a.layer).toBe('pw');
      expect(b.layer).toBe('pw/Relu');
      expect([a.grids[0].width, a.grids[0].height]).toEqual([16, 16]);
      let worst = 0;
      let peak = 0;
      for (let i = 0; i < a.grids[0].data.length; i++) {
        worst = Math.max(worst, Math.abs(a.grids[0].data[i] - b.grids[0].data[i]));
        peak = Math.max(peak, a.grids[0].data[i]);
        expect(Number.isFinite(a.normalized[0].data[i])).toBe(true);
      }
      expect(peak).toBeGreaterThan(0);
      expect(a.empty[0]).toBe(false);
      expect(worst / peak).toBeLessThan(1e-3);
      expect(Math.max(...a.normalized[0].data)).toBeCloseTo(1, 6);
      expect(a.scores[0]).toBeCloseTo(b.scores[0], 4);
      x.dispose();
    },
  );

  it.each(CAM_METHOD_NAMES)('%s explains a batch example by example', async (method) => {
    const x = tf.randomUniform([3, ...TWIN_INPUT], -1, 1, 'float32', 6) as tf.Tensor4D;
    const target = targets.classProbability(2);
    const batch = await computeCam(layers, x, { method, target, batchSize: 4 });
    expect(batch.grids).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      const one = tf.slice(x, [i, 0, 0, 0], [1, -1, -1, -1]);
      const single = await computeCam(layers, one, { method, target });
      one.dispose();
      const peak = Math.max(...single.grids[0].data);
      const diff = Math.max(
        ...single.grids[0].data.map((v, k) => Math.abs(v - batch.grids[i].data[k])),
      );
      expect(diff).toBeLessThanOrEqual(1e-4 * Math.max(peak, 1e-6));
      expect(single.probabilities[0][2]).toBeCloseTo(batch.probabilities[i][2], 5);
      expect(single.scores[0]).toBeCloseTo(batch.probabilities[i][2], 5);
    }
    x.dispose();
  });

  it('methods differ in how they weigh channels, not in what they see', async () => {
    const x = tf.randomUniform([1, ...TWIN_INPUT], -1, 1, 'float32', 8) as tf.Tensor4D;
    const target = targets.classLogit(1);
    const mapsAt = async (layer: string) => {
      const maps = new Map<string, Float32Array>();
      for (const method of CAM_METHOD_NAMES) {
        maps.set(
          method,
          (await computeCam(layers, x, { method, target, layer })).normalized[0].data,
        );
      }
      return (a: string, b: string) =>
        Math.max(...maps.get(a)!.map((v, i) => Math.abs(v - maps.get(b)![i])));
    };
    // Right before a global-average-pool + dense head the gradient is the same at every
    // position, so HiResCAM (per position) and Grad-CAM (per channel) coincide: a known identity.
    const beforePool = await mapsAt('pw');
    expect(beforePool('gradcam', 'hirescam')).toBeLessThan(1e-4);
    // One layer earlier the gradient varies over positions (the 1x1 conv's ReLU), so they must
    // differ, or the skeleton would be ignoring the method.
    const earlier = await mapsAt('dw');
    expect(earlier('gradcam', 'hirescam')).toBeGreaterThan(1e-3);
    expect(earlier('gradcam', 'layercam')).toBeGreaterThan(1e-3);
    expect(earlier('gradcam', 'eigencam')).toBeGreaterThan(1e-3);
    x.dispose();
  });

  it('reports an all-zero map as empty, never NaN', async () => {
    const model = gapDenseModel(2);
    const features = model.getLayer('features');
    const [k, b] = features.getWeights();
    // A very negative bias makes every ReLU output zero: no evidence anywhere.
    features.setWeights([k, tf.fill(b.shape, -1000)]);
    const adapter = createAdapter(model);
    const x = tf.randomUniform([1, 12, 12, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    for (const method of CAM_METHOD_NAMES) {
      const r = await computeCam(adapter, x, { method, target: targets.classLogit(1) });
      expect(r.empty[0]).toBe(true);
      expect(r.normalized[0].data.every((v) => v === 0)).toBe(true);
    }
    x.dispose();
    adapter.dispose();
  });

  it('leaks no tensor over 100 explanations', async () => {
    const x = tf.randomUniform([1, ...TWIN_INPUT], -1, 1, 'float32', 9) as tf.Tensor4D;
    const target = targets.classLogit(0);
    // Warm up once: the first call may create cached constants inside tfjs.
    await computeCam(layers, x, { method: 'gradcam', target });
    await computeCam(graph, x, { method: 'gradcam', target });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) {
      const method = CAM_METHOD_NAMES[i % CAM_METHOD_NAMES.length];
      await computeCam(i % 2 ? layers : graph, x, { method, target });
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
