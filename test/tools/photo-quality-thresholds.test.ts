/**
 * A model's own photo-quality thresholds: `npm run eval -- --quality` tries the thresholds it is
 * given (the share it flags follows them), `--update-model` makes them the model's own (its
 * manifest's photoQuality, which the runtime schema reads and the field app's analyser hands
 * to the worker's check), and the card says which thresholds the app uses.
 */
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUALITY_THRESHOLDS } from '../../src/image/photo-quality';
import type { LoadedModel } from '../../src/model/load-model';
import { loadModelOf } from '../../src/model/load-model';
import type { RoadDamageManifest } from '../../src/model/manifest';
import { parseRuntimeManifest } from '../../src/model/runtime-manifest';
import { DamageAnalyser, fetchNotRoadScorer } from '../../src/workers/damage-analysis';
import { readPhotoFolder } from '../../tools/data/photo-folder';
import { qualitySteps } from '../../tools/eval/quality';
import { recordQuality } from '../../tools/eval/record-metrics';
import { writeModelCard } from '../../tools/cards/model-card';
import { loadModelDir, readManifest } from '../../tools/lib/model-dir';
import { projectRoot } from '../../tools/lib/paths';
import { useBackend } from '../../tools/lib/tf-node';
import { ROAD_DAMAGE_DIR } from '../helpers/road-damage-model';

const FIELD = path.join(projectRoot, 'test', 'fixtures', 'data', 'rdd2022-china-motorbike');

let loaded: LoadedModel;

beforeAll(async () => {
  await useBackend('wasm');
  loaded = await loadModelDir(ROAD_DAMAGE_DIR);
});
afterAll(() => loaded?.dispose());

describe("a model's own photo-quality thresholds", () => {
  it('eval --quality flags what the thresholds it tries say, and records them', async () => {
    const photos = readPhotoFolder(FIELD).photos.slice(0, 3);
    const run = async (t: { minBrightness: number; minSharpness: number }) =>
      (await qualitySteps(loaded, photos, 'npm run eval -- --quality', () => undefined, t)).record;
    const strict = await run({ minBrightness: 255, minSharpness: 1e6 });
    expect(strict.thresholds).toEqual({ minBrightness: 255, minSharpness: 1e6 });
    for (const step of strict.steps) {
      expect(step.flaggedDark).toBe(1);
      expect(step.flaggedBlurred).toBe(1);
    }
    const lenient = await run({ minBrightness: 0, minSharpness: 0 });
    for (const step of lenient.steps) {
      expect(step.flaggedDark).toBe(0);
      expect(step.flaggedBlurred).toBe(0);
    }
    // The model's AUCs do not depend on the check.
    expect(lenient.steps.map((s) => s.auc)).toEqual(strict.steps.map((s) => s.auc));
  }, 60_000);

  it("--update-model makes them the model's own: manifest, card, runtime schema, analyser", async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'roadcam-quality-')), 'road-damage');
    cpSync(ROAD_DAMAGE_DIR, dir, { recursive: true });
    // Without thresholds of its own, the card names the app's.
    const shipped = readManifest(dir) as RoadDamageManifest;
    const manifest = { ...shipped, photoQuality: undefined };
    writeModelCard(dir, manifest);
    expect(readFileSync(path.join(dir, 'MODEL_CARD.md'), 'utf8')).toContain(
      `mean luma below ${QUALITY_THRESHOLDS.minBrightness} is "too dark"`,
    );
    const own = { minBrightness: 55, minSharpness: 6 };
    recordQuality(dir, { ...manifest.metrics!.quality!, thresholds: own });
    const updated = readManifest(dir) as RoadDamageManifest;
    expect(updated.photoQuality).toEqual(own);
    const card = readFileSync(path.join(dir, 'MODEL_CARD.md'), 'utf8');
    expect(card).toContain('mean luma below 55 is "too dark"');
    expect(card).toContain("These are this model's own thresholds");

    const runtime = parseRuntimeManifest(
      JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')),
    );
    expect(runtime.task === 'road-damage' && runtime.photoQuality).toEqual(own);
    expect(() =>
      parseRuntimeManifest({ ...runtime, photoQuality: { minBrightness: 300, minSharpness: 4 } }),
    ).toThrow();

    const url = `file://${dir}/manifest.json`;
    const fetchFile = async (input: string) => new Response(readFileSync(new URL(input).pathname));
    const analyser = await DamageAnalyser.load(
      loadModelOf(updated, url, fetchFile) as Promise<
        LoadedModel & { manifest: RoadDamageManifest }
      >,
      fetchNotRoadScorer(updated, url, fetchFile),
      () => false,
    );
    expect(analyser.info.photoQuality).toEqual(own);
    analyser.dispose();
  }, 60_000);
});
