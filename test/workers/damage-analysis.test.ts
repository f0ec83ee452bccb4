/**
 * The road-damage analysis the worker runs, in Node on the wasm backend with the model in
 * public/models/road-damage (whichever is there: the checks hold for any model of this format,
 * none reads its quality): one pass gives every type's probability and the not-a-road score
 * (which equals the score from the raw activations pooled in plain JavaScript), the verdict follows the
 * manifest's thresholds, and one batched Grad-CAM gives each type the same map as its own
 * Grad-CAM. Nothing leaks.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCam } from '../../src/explain/cam/compute-cam';
import { classLogit, classLogitEach } from '../../src/explain/targets';
import { damageForward, type NotRoadScorer } from '../../src/model/damage-forward';
import { readNotRoadStatsFor } from '../../tools/eval/not-road-score';
import { disposeNotRoadScorer } from '../../src/model/damage-forward';
import { photoVerdict, type PhotoVerdict } from '../../src/model/damage-verdict';
import type { LoadedModel } from '../../src/model/load-model';
import type { RoadDamageManifest } from '../../src/model/manifest';
import { imageToModelInput } from '../../src/model/preprocess';
import { heatmapTypes, surveyVerdictOf } from '../../src/workers/damage-analysis';
import { readImageRgba } from '../../tools/lib/images';
import { loadModelDir } from '../../tools/lib/model-dir';
import { projectRoot } from '../../tools/lib/paths';
import { tf, useBackend } from '../../tools/lib/tf-node';

const MODEL_DIR = path.join(projectRoot, 'public', 'models', 'road-damage');
const FIELD_PHOTO = path.join(
  projectRoot,
  'test/fixtures/data/rdd2022-china-motorbike/images/China_MotorBike_000195.jpg',
);
const CAT_PHOTO = path.join(projectRoot, 'test/fixtures/images/cat.jpg');

let model: LoadedModel;
let manifest: RoadDamageManifest;
let scorer: NotRoadScorer | undefined;

beforeAll(async () => {
  await useBackend('wasm');
  model = await loadModelDir(MODEL_DIR);
  if (model.manifest.task !== 'road-damage') throw new Error(`${MODEL_DIR} is not road-damage`);
  manifest = model.manifest;
  if (manifest.notRoad) {
    scorer = await readNotRoadStatsFor(MODEL_DIR, manifest);
  }
});
afterAll(() => {
  model?.dispose();
  disposeNotRoadScorer(scorer);
});

async function input(file: string): Promise<tf.Tensor4D> {
  return imageToModelInput(await readImageRgba(file), manifest.input);
}

describe('road-damage analysis (Node, wasm)', () => {
  it('ships its not-a-road statistics, so the app can answer "not a road"', () => {
    expect(scorer).toBeDefined();
  });

  it('one pass: every type, and the not-a-road score of the pooled features', async () => {
    const before = tf.memory().numTensors;
    const x = await input(FIELD_PHOTO);
    const forward = await damageForward(model.adapter, x, scorer, manifest.cam.layer);
    expect(forward.probabilities[0].length).toBe(manifest.labels.length);
    for (const p of forward.probabilities[0]) expect(p).toBeGreaterThanOrEqual(0);
    // The same score from each layer's raw activations, pooled here in plain JavaScript (an
    // independent route to the features than the one the app takes): of the scorer's network
    // over the input resized to its size, or of the model itself.
    const network = scorer!.network;
    const xin = network
      ? (tf.image.resizeBilinear(x, [network.inputSize, network.inputSize]) as tf.Tensor4D)
      : x;
    const pooled: Float32Array[] = [];
    for (const l of scorer!.layers) {
      const acts = (network?.adapter ?? model.adapter).activations(xin, l.layer);
      const data = await acts.data();
      const c = acts.shape[3]!;
      acts.dispose();
      const n = data.length / c;
      const mean = new Float64Array(c);
      const sq = new Float64Array(c);
      for (let i = 0; i < data.length; i++) mean[i % c] += data[i] / n;
      for (let i = 0; i < data.length; i++) sq[i % c] += (data[i] - mean[i % c]) ** 2 / n;
      const std = Array.from(sq, (v) => Math.sqrt(v + 1e-6));
      const features = l.pooling === 'mean' ? [...mean] : [...mean, ...std];
      pooled.push(Float32Array.from(features));
    }
    const direct = scorer!.distance(pooled);
    if (xin !== x) xin.dispose();
    expect(Math.abs(forward.notRoadScores[0]! - direct)).toBeLessThan(1e-4 * Math.max(1, direct));
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the verdict follows the manifest: "not a road" exactly when the score passes its threshold', async () => {
    for (const file of [FIELD_PHOTO, CAT_PHOTO]) {
      const x = await input(file);
      const f = await damageForward(model.adapter, x, scorer, manifest.cam.layer);
      x.dispose();
      const verdict = photoVerdict(f.probabilities[0], manifest, f.notRoadScores[0]);
      const score = f.notRoadScores[0]!;
      expect(verdict.kind === 'not-a-road').toBe(score > manifest.notRoad!.threshold);
      const survey = surveyVerdictOf(verdict);
      if (verdict.kind === 'not-a-road') expect(survey.label).toBe('not-a-road');
      else expect(survey.label).not.toBe('not-a-road');
      for (const t of verdict.types) {
        const m = manifest.types.find((x) => x.name === t.name)!;
        expect(t.probability).toBe(f.probabilities[0][m.output]);
        if (t.state === 'found') expect(t.probability).toBeGreaterThanOrEqual(m.threshold);
      }
    }
  });

  it('one batched Grad-CAM gives each type the map of its own Grad-CAM', async () => {
    const x = await input(FIELD_PHOTO);
    const outputs = manifest.types.filter((t) => !t.parent).map((t) => t.output);
    const batched = async () => {
      const batch = tf.tile(x, [outputs.length, 1, 1, 1]) as tf.Tensor4D;
      try {
        return await computeCam(model.adapter, batch, {
          target: classLogitEach(outputs),
          layer: manifest.cam.layer,
        });
      } finally {
        batch.dispose();
      }
    };
    await batched();
    await computeCam(model.adapter, x, { target: classLogit(0), layer: manifest.cam.layer });
    // Counted after a first run: the compiled adapter keeps the head's Jacobian once made.
    const before = tf.memory().numTensors;
    const together = await batched();
    for (const [i, output] of outputs.entries()) {
      const alone = await computeCam(model.adapter, x, {
        target: classLogit(output),
        layer: manifest.cam.layer,
      });
      const a = Array.from(alone.grids[0].data);
      const b = Array.from(together.grids[i].data);
      const scale = Math.max(1e-6, ...a.map(Math.abs));
      expect(Math.max(...a.map((v, k) => Math.abs(v - b[k])))).toBeLessThan(1e-3 * scale);
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('what the worker draws and records', () => {
  const types = (kind: PhotoVerdict['kind'], found: string[]): PhotoVerdict => {
    const t = (name: string, probability: number, parent?: 'crack') => ({
      name: name as never,
      title: name,
      ...(parent ? { parent } : {}),
      probability,
      state: found.includes(name) ? ('found' as const) : ('not-found' as const),
    });
    const all = [
      t('pothole', 0.7),
      t('crack', 0.9),
      t('patch', 0.2),
      t('longitudinal-crack', 0.8, 'crack'),
      t('transverse-crack', 0.1, 'crack'),
    ];
    return { kind, types: all, found: all.filter((x) => !x.parent && found.includes(x.name)) };
  };

  it('draws found types first (subtypes found too), then the other main types', () => {
    const v = types('damage', ['pothole', 'crack', 'longitudinal-crack']);
    expect(heatmapTypes(v).map((t) => t.name)).toEqual([
      'crack',
      'longitudinal-crack',
      'pothole',
      'patch',
    ]);
    expect(heatmapTypes(types('good-road', [])).map((t) => t.name)).toEqual([
      'crack',
      'pothole',
      'patch',
    ]);
  });

  it('labels the record: pothole, other damage, good road, not a road (never good road)', () => {
    expect(surveyVerdictOf(types('damage', ['pothole', 'crack'])).label).toBe('pothole');
    expect(surveyVerdictOf(types('damage', ['crack'])).label).toBe('damage');
    expect(surveyVerdictOf(types('good-road', []))).toEqual({
      label: 'normal',
      potholeProbability: 0.7,
      lowConfidence: false,
    });
    expect(surveyVerdictOf(types('not-sure', [])).lowConfidence).toBe(true);
    expect(surveyVerdictOf(types('not-a-road', ['pothole'])).label).toBe('not-a-road');
    // A not-a-road photo shows no type as found, whatever the outputs say.
    expect(heatmapTypes(types('not-a-road', ['pothole']))[0].name).toBe('crack');
  });
});
