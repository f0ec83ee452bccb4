/**
 * The compiled inference path on the real models: the bundled pothole and MNIST models, and
 * MobileNet v1 0.25 in both formats (its graph version's batch norms are Mul + Add nodes, not
 * folded by the converter). Models are loaded the way the app and the tools load them
 * (compiled), and once more as tfjs runs them, and compared: outputs, every CAM method.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAM_METHOD_NAMES, computeCam, targets, type ModelAdapter } from '../../src/explain';
import { computeCamPerClass } from '../../src/explain/cam/compute-cam';
import type { GraphModelAdapter } from '../../src/explain/adapters/graph-adapter';
import type { LayersModelAdapter } from '../../src/explain/adapters/layers-adapter';
import { CompiledModelAdapter, type CompileReport } from '../../src/explain/compiled';
import type { LoadedModel } from '../../src/model/load-model';
import { loadModelDir } from '../../tools/lib/model-dir';
import { tf, useBackend } from '../../tools/lib/tf-node';
import { loadMobilenet } from '../helpers/mobilenet';
import { projectRoot } from '../../tools/lib/paths';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

interface Case {
  name: string;
  load(compile: boolean): Promise<LoadedModel>;
  report: Partial<CompileReport>;
  /** Range of the normalised input. */
  range: [number, number];
}

const CASES: Case[] = [
  {
    name: 'pothole (public/models, layers)',
    load: (compile) => loadModelDir(`${projectRoot}/public/models/pothole`, undefined, { compile }),
    // Batch norm already folded by training; 27 conv / depthwise + ReLU6 pairs fused.
    report: { foldedAffines: 0, fusedActivations: 27, fallbacks: [] },
    range: [-1, 1],
  },
  {
    name: 'mnist (public/models, layers)',
    load: (compile) => loadModelDir(`${projectRoot}/public/models/mnist`, undefined, { compile }),
    report: { fusedActivations: 3, fallbacks: [] },
    range: [0, 1],
  },
  {
    name: 'MobileNet v1 0.25 (test/fixtures, layers)',
    load: (compile) => loadMobilenet('layers', { compile }),
    report: { foldedAffines: 27, fusedActivations: 27, fallbacks: [], ops: 31 },
    range: [-1, 1],
  },
  {
    name: 'MobileNet v1 0.25 (test/fixtures, graph)',
    load: (compile) => loadMobilenet('graph', { compile }),
    // 14 Mul + 27 Add after the convolutions: the batch norms the converter left.
    report: { foldedAffines: 41, fusedActivations: 27, fallbacks: [] },
    range: [0, 1],
  },
];

/** The tfjs model under an adapter, for its own predict(). */
function ownModel(adapter: ModelAdapter): { predict(x: tf.Tensor): tf.Tensor } {
  const source = adapter as LayersModelAdapter | GraphModelAdapter;
  return source.model as unknown as { predict(x: tf.Tensor): tf.Tensor };
}

describe.each(CASES)('compiled $name (wasm)', ({ load, report, range }) => {
  let fast: LoadedModel;
  let plain: LoadedModel;
  let compiled: CompiledModelAdapter;

  beforeAll(async () => {
    await useBackend('wasm');
    fast = await load(true);
    plain = await load(false);
    expect(fast.adapter).toBeInstanceOf(CompiledModelAdapter);
    expect(plain.adapter).not.toBeInstanceOf(CompiledModelAdapter);
    compiled = fast.adapter as CompiledModelAdapter;
  });
  afterAll(() => {
    fast.dispose();
    plain.dispose();
  });

  it('compiles as expected: batch norms folded, activations fused, fallbacks named', () => {
    expect(compiled.report).toMatchObject(report);
    expect(compiled.report.ops).toBeLessThan(compiled.report.opsBefore);
  });

  it("equals the model's own predict within 1e-5", () => {
    const x = tf.randomUniform([2, ...compiled.inputShape], ...range, 'float32', 5) as tf.Tensor4D;
    const out = compiled.predict(x);
    const own = ownModel(plain.adapter).predict(x) as tf.Tensor;
    const reference = compiled.outputActivation === 'none' ? out.logits : out.probabilities;
    expect(reference.shape).toEqual(own.shape);
    // Logits (the graph MobileNet's own output) to 1e-5 of their scale; probabilities to 1e-5.
    const scale =
      compiled.outputActivation === 'none' ? Math.max(1, maxAbsDiff(own, tf.zerosLike(own))) : 1;
    expect(maxAbsDiff(reference, own)).toBeLessThanOrEqual(1e-5 * scale);
    const uncompiled = plain.adapter.predict(x);
    const logitScale = Math.max(1, maxAbsDiff(uncompiled.logits, tf.zerosLike(uncompiled.logits)));
    expect(maxAbsDiff(out.logits, uncompiled.logits)).toBeLessThanOrEqual(1e-5 * logitScale);
    tf.dispose([x, out, own, uncompiled]);
  });

  it('gives the maps of the uncompiled model for every CAM method, at the default layer', async () => {
    const x = tf.randomUniform([1, ...compiled.inputShape], ...range, 'float32', 6) as tf.Tensor4D;
    const top = tf.tidy(() => tf.argMax(plain.adapter.predict(x).logits, 1).dataSync()[0]);
    const layer = fast.manifest.cam.layer;
    for (const method of CAM_METHOD_NAMES.filter((m) => m !== 'scorecam')) {
      const target = targets.classLogit(top);
      const a = await computeCam(plain.adapter, x, { method, target, layer });
      const b = await computeCam(compiled, x, { method, target, layer });
      expect(b.empty).toEqual(a.empty);
      const diff = Math.max(
        ...a.normalized[0].data.map((v, i) => Math.abs(v - b.normalized[0].data[i])),
      );
      expect(diff, method).toBeLessThan(1e-3);
      expect(b.scores[0]).toBeCloseTo(a.scores[0], 3);
    }
    tf.dispose(x);
  });

  it('explains several classes of one input in one pass as the repeated input does', async () => {
    const x = tf.randomUniform([1, ...compiled.inputShape], ...range, 'float32', 8) as tf.Tensor4D;
    const layer = fast.manifest.cam.layer;
    const classes = [0, Math.min(1, compiled.numOutputs - 1), compiled.numOutputs - 1];
    for (const adapter of [compiled, plain.adapter]) {
      for (const method of ['gradcam', 'gradcam++', 'layercam'] as const) {
        const repeated = tf.tile(x, [classes.length, 1, 1, 1]) as tf.Tensor4D;
        const target = targets.classLogitEach(classes);
        const a = await computeCam(adapter, repeated, { method, target, layer });
        repeated.dispose();
        const before = tf.memory().numTensors;
        const b = await computeCamPerClass(adapter, x, { method, classes, layer });
        expect(tf.memory().numTensors, 'no tensor leaked').toBe(before);
        expect(b.normalized).toHaveLength(classes.length);
        expect(b.empty).toEqual(a.empty);
        for (let i = 0; i < classes.length; i++) {
          const diff = Math.max(
            ...a.grids[i].data.map((v, j) => Math.abs(v - b.grids[i].data[j])),
            0,
          );
          const scale = Math.max(1e-6, ...a.grids[i].data);
          expect(diff / scale, `${method} class ${classes[i]}`).toBeLessThan(1e-4);
          expect(b.scores[i]).toBeCloseTo(a.scores[i], 4);
        }
      }
    }
    tf.dispose(x);
  });

  it('leaks no tensor', async () => {
    const x = tf.randomUniform([1, ...compiled.inputShape], ...range, 'float32', 7) as tf.Tensor4D;
    const run = async () => {
      tf.dispose(compiled.predict(x));
      await computeCam(compiled, x, { target: targets.classLogit(0) });
    };
    await run();
    const before = tf.memory().numTensors;
    await run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
  });
});
