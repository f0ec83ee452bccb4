/**
 * The worker's loading of the not-a-road check (fetchNotRoadScorer), over the bundled model's
 * files served by a fetch that reads them from disk, as the service worker's cache would: the
 * statistics and the ImageNet network the manifest names load and score like the tools' loader;
 * a model folder copied without its network fails with an error that says what to do; a model
 * of the earlier form (Mahalanobis statistics, as a phone may have installed) still loads.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notRoadFeatures, type NotRoadScorer } from '../../src/model/damage-forward';
import type { RoadDamageManifest } from '../../src/model/manifest';
import { ModelLoadError } from '../../src/model/model-load-error';
import { imageToModelInput } from '../../src/model/preprocess';
import { loadModelOf, type LoadedModel } from '../../src/model/load-model';
import { DamageAnalyser, fetchNotRoadScorer } from '../../src/workers/damage-analysis';
import { readNotRoadStatsFor } from '../../tools/eval/not-road-score';
import { disposeNotRoadScorer } from '../../src/model/damage-forward';
import { readImageRgba } from '../../tools/lib/images';
import { notRoadSchema } from '../../src/model/damage-manifest';
import { notRoadScore, serializeNotRoadStats } from '../../src/model/not-road';
import { seededRng } from '../../tools/data/rng';
import { fitNotRoadStats } from '../../tools/train/not-road-fit';
import { projectRoot } from '../../tools/lib/paths';
import { tf, useBackend } from '../../tools/lib/tf-node';
import { ROAD_DAMAGE_DIR, roadDamageManifestWithNetwork } from '../helpers/road-damage-model';

const MODEL_DIR = ROAD_DAMAGE_DIR;
const MANIFEST_URL = 'https://roadcam.test/models/road-damage/manifest.json';
const CAT_PHOTO = path.join(projectRoot, 'test/fixtures/images/cat.jpg');

/** Serves the model folder; `missing` paths answer 404 as a half-copied cache would. */
function folderFetch(missing: readonly string[] = []) {
  return async (input: string): Promise<Response> => {
    const rel = new URL(input).pathname.replace('/models/road-damage/', '');
    if (missing.includes(rel)) return new Response('not found', { status: 404 });
    return new Response(readFileSync(path.join(MODEL_DIR, rel)));
  };
}

let manifest: RoadDamageManifest;
const scorers: (NotRoadScorer | undefined)[] = [];

beforeAll(async () => {
  await useBackend('wasm');
  manifest = roadDamageManifestWithNetwork();
});
afterAll(() => scorers.forEach(disposeNotRoadScorer));

describe('the worker loads the not-a-road check with its network', () => {
  it('scores a photo as the tools do', async () => {
    const worker = await fetchNotRoadScorer(manifest, MANIFEST_URL, folderFetch());
    const tools = await readNotRoadStatsFor(MODEL_DIR, manifest);
    scorers.push(worker, tools);
    expect(worker?.network?.inputSize).toBe(manifest.notRoad!.network!.inputSize);
    const x = imageToModelInput(await readImageRgba(CAT_PHOTO), manifest.input);
    const score = async (s: NotRoadScorer) => {
      const pooled = await notRoadFeatures(s, x);
      return s.distance(pooled);
    };
    const [a, b] = [await score(worker!), await score(tools!)];
    x.dispose();
    expect(a).toBeGreaterThan(0);
    expect(a).toBeCloseTo(b, 3);
  });

  it('says what to do when the network is missing from the cache', async () => {
    const missing = [manifest.notRoad!.network!.modelUrl];
    const before = tf.memory().numTensors;
    const error = await fetchNotRoadScorer(manifest, MANIFEST_URL, folderFetch(missing)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).code).toBe('model-missing');
    expect((error as Error).message).toMatch(/not a road.*Open the app once with a network/s);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the field app loads the model and its not-a-road check side by side', () => {
  const loadBoth = (missing: readonly string[] = [], warmUp?: () => boolean) =>
    DamageAnalyser.load(
      loadModelOf(manifest, MANIFEST_URL, folderFetch(missing)) as Promise<
        LoadedModel & { manifest: RoadDamageManifest }
      >,
      fetchNotRoadScorer(manifest, MANIFEST_URL, folderFetch(missing)),
      warmUp,
    );

  /** A warm-up predicate that says yes `times` times, counting how often it was asked. */
  const yesTimes = (times: number) => {
    const asked = { count: 0 };
    return { asked, warmUp: () => ++asked.count <= times };
  };

  it('asks before each stage of the warm-up, and stops where a photo has come', async () => {
    const full = yesTimes(Infinity);
    const warmed = await loadBoth([], full.warmUp);
    // Before the pass, then after the model's pass, the not-a-road pass and the CAM.
    expect(full.asked.count).toBe(4);
    warmed.dispose();
    const before = tf.memory().numTensors;
    // A photo comes during the model's pass: the not-a-road pass and the CAM are left to it.
    const stopped = yesTimes(1);
    const analyser = await loadBoth([], stopped.warmUp);
    expect(stopped.asked.count).toBe(2);
    expect(analyser.warmUpMs).toBeGreaterThan(0);
    analyser.dispose();
    expect(tf.memory().numTensors, 'a stopped warm-up leaves no tensor').toBe(before);
  });

  it('runs no warm-up stage when a photo is already waiting', async () => {
    const waiting = yesTimes(0);
    const analyser = await loadBoth([], waiting.warmUp);
    expect(waiting.asked.count).toBe(1);
    expect(analyser.warmUpMs).toBe(0);
    analyser.dispose();
  });

  it('gives a warmed-up analyser that owns both', async () => {
    const before = tf.memory().numTensors;
    const analyser = await loadBoth();
    expect(analyser.info).toMatchObject({ task: 'road-damage', version: manifest.version });
    expect(analyser.warmUpMs).toBeGreaterThan(0);
    analyser.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps nothing when the not-a-road network is missing', async () => {
    const before = tf.memory().numTensors;
    const error = await loadBoth([manifest.notRoad!.network!.modelUrl]).catch((e: unknown) => e);
    expect((error as ModelLoadError).code).toBe('model-missing');
    expect((error as Error).message).toMatch(/not a road/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps nothing when the model itself is missing', async () => {
    const before = tf.memory().numTensors;
    const error = await loadBoth([manifest.modelUrl]).catch((e: unknown) => e);
    expect((error as ModelLoadError).code).toBe('model-missing');
    expect((error as Error).message).toMatch(/model files .* could not be read/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('a model of the earlier form (Mahalanobis statistics, 2.0-2.1), installed on a phone', () => {
  it('loads in the worker and scores a photo by its statistics', async () => {
    // The bundled model with a Mahalanobis check at the same network's layer, its statistics
    // fitted on made-up features (what matters here is that the worker reads and scores the form).
    const rng = seededRng(7);
    const features = Float32Array.from({ length: 64 * 256 }, () => rng());
    const stats = fitNotRoadStats(features, 64, 256, 8);
    const bytes = serializeNotRoadStats([stats]);
    const layer = {
      layer: 'conv_pw_13_relu',
      pooling: 'mean' as const,
      dimensions: 256,
      components: 8,
      residualVariance: stats.residualVariance,
      scale: 2,
    };
    const old = notRoadSchema.parse({
      ...manifest.notRoad,
      method: 'mahalanobis',
      statsUrl: 'old-not-road.bin',
      layers: [layer],
    });
    const served = folderFetch();
    const fetchOld = async (input: string) =>
      input.endsWith('/old-not-road.bin')
        ? new Response(bytes.buffer as ArrayBuffer)
        : served(input);
    const scorer = await fetchNotRoadScorer({ ...manifest, notRoad: old }, MANIFEST_URL, fetchOld);
    scorers.push(scorer);
    const x = imageToModelInput(await readImageRgba(CAT_PHOTO), manifest.input);
    const pooled = await notRoadFeatures(scorer!, x);
    x.dispose();
    expect(pooled[0].length).toBe(256);
    expect(scorer!.distance(pooled)).toBeCloseTo(notRoadScore(pooled[0], stats) / 2, 6);
  });
});
