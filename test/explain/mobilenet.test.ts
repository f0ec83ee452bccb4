import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  computeCam,
  parameterRandomizationCheck,
  regionEnergyShares,
  targets,
  upsampleBilinear,
  type CamResult,
} from '../../src/explain';
import type { LayersModelAdapter } from '../../src/explain/adapters/layers-adapter';
import type { CompiledModelAdapter } from '../../src/explain/compiled';
import type { LoadedModel } from '../../src/model/load-model';
import { imageToModelInput } from '../../src/model/preprocess';
import { readImageRgba } from '../../tools/lib/images';
import { tf, useBackend } from '../../tools/lib/tf-node';
import { imagenetLabels, loadMobilenet } from '../helpers/mobilenet';
import { fixturePath } from '../helpers/fixtures';

/** Share of the heatmap's energy per pixel in the central half of the photo vs the border. */
function centreToBorderDensity(result: CamResult, width: number, height: number): number {
  const map = upsampleBilinear(result.normalized[0], width, height);
  let centre = 0;
  let border = 0;
  let centreArea = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inCentre =
        x >= width / 4 && x < (3 * width) / 4 && y >= height / 4 && y < (3 * height) / 4;
      if (inCentre) {
        centre += map.data[y * width + x];
        centreArea++;
      } else border += map.data[y * width + x];
    }
  }
  return centre / centreArea / (border / (width * height - centreArea));
}

// The two MobileNet files are the same architecture but not the same numbers (their first
// layers' activations differ by up to 5.4 of 6 on this photo: separate conversions), so their
// maps are compared by what they show, not cell by cell. Cell-by-cell equality of the two
// adapters is tested on one network built in both formats (adapters.test.ts, cam.test.ts).
describe('MobileNet v1 (test/fixtures) on the cat photo, in both formats (wasm)', () => {
  const labels = imagenetLabels();
  let layersModel: LoadedModel;
  let graphModel: LoadedModel;

  beforeAll(async () => {
    await useBackend('wasm');
    layersModel = await loadMobilenet('layers');
    graphModel = await loadMobilenet('graph');
  });
  afterAll(() => {
    layersModel.dispose();
    graphModel.dispose();
  });

  it.each(['layers', 'graph'] as const)(
    '%s: top-1 is a cat, and Grad-CAM is on the cat',
    async (format) => {
      const loaded = format === 'layers' ? layersModel : graphModel;
      const { manifest, adapter } = loaded;
      expect(adapter.defaultTargetLayer()).toBe(manifest.cam.layer);
      const photo = await readImageRgba(fixturePath('images', 'cat.jpg'), {
        resizeTo: { width: 224, height: 224 },
      });
      const x = imageToModelInput(photo, manifest.input);
      const probs = tf.tidy(() => adapter.predict(x).probabilities.dataSync());
      const top = Array.from(probs)
        .map((p, i) => ({ p, label: labels[i - manifest.labelOffset] ?? 'background', i }))
        .sort((a, b) => b.p - a.p);
      expect(top[0].label).toMatch(/cat/i);
      const result = await computeCam(adapter, x, { target: targets.classLogit(top[0].i) });
      x.dispose();
      expect(result.layer).toBe(manifest.cam.layer);
      expect([result.grids[0].width, result.grids[0].height]).toEqual([7, 7]);
      expect(result.empty[0]).toBe(false);
      const density = centreToBorderDensity(result, 224, 224);
      expect(density).toBeGreaterThan(1.5);
      // The cat's face fills the centre and the top; the bottom band is mostly chest and sheet.
      const shares = regionEnergyShares(upsampleBilinear(result.normalized[0], 224, 224)).energy;
      expect(shares.centre).toBeGreaterThan(shares.bottom);
    },
  );

  it("layers: probabilities are the model's own, though its softmax sits before a reshape", async () => {
    // Loaded models are compiled (read from model.json); tfjs-layers runs the model itself.
    const adapter = layersModel.adapter as CompiledModelAdapter;
    const plain = await loadMobilenet('layers', { compile: false });
    const model = (plain.adapter as LayersModelAdapter).model;
    expect(adapter.outputActivation).toBe('softmax');
    const photo = await readImageRgba(fixturePath('images', 'cat.jpg'), {
      resizeTo: { width: 224, height: 224 },
    });
    const x = imageToModelInput(photo, layersModel.manifest.input);
    const ours = tf.tidy(() => adapter.predict(x).probabilities.dataSync());
    const own = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
    x.dispose();
    expect(ours.length).toBe(own.length);
    let largest = 0;
    for (let i = 0; i < own.length; i++) {
      expect(Math.abs(ours[i] - own[i])).toBeLessThan(1e-4);
      largest = Math.max(largest, ours[i]);
    }
    // Softmax applied twice would flatten 1000 classes to about 0.001 each.
    expect(largest).toBeGreaterThan(0.3);
    plain.dispose();
  });

  it.each(['layers', 'graph'] as const)(
    '%s: Grad-CAM passes the parameter-randomisation sanity check',
    async (format) => {
      const { manifest, adapter } = format === 'layers' ? layersModel : graphModel;
      const photo = await readImageRgba(fixturePath('images', 'cat.jpg'), {
        resizeTo: { width: 224, height: 224 },
      });
      const x = imageToModelInput(photo, manifest.input);
      const cat = format === 'layers' ? 285 : 286; // "Egyptian cat"
      const before = tf.tidy(() => adapter.predict(x).logits.dataSync());
      const steps = await parameterRandomizationCheck(adapter, x, {
        target: targets.classLogit(cat),
        topLayers: 4,
      });
      expect(steps).toHaveLength(4);
      // With the top layers' weights gone the map must change: low rank correlation.
      expect(steps.at(-1)!.spearman[0]).toBeLessThan(0.5);
      // And the model is restored exactly afterwards.
      const after = tf.tidy(() => adapter.predict(x).logits.dataSync());
      expect(Array.from(after)).toEqual(Array.from(before));
      x.dispose();
    },
  );
});
