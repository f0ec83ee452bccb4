import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelManifestSchema } from '../../src/model/manifest';

const root = path.resolve(import.meta.dirname, '../..');
const read = (dir: string) =>
  JSON.parse(
    readFileSync(path.join(root, 'public', 'models', dir, 'manifest.json'), 'utf8'),
  ) as Record<string, unknown>;

describe('manifest schema', () => {
  it('keeps the shipped pothole and MNIST manifests valid and whole (typed training and metrics)', () => {
    for (const dir of ['pothole', 'mnist']) {
      const json = read(dir);
      const parsed = modelManifestSchema.parse(json);
      // Nothing is dropped or added: a tool that re-writes a manifest keeps every figure.
      expect(JSON.parse(JSON.stringify(parsed))).toEqual(json);
    }
    const pothole = modelManifestSchema.parse(read('pothole'));
    if (pothole.task !== 'pothole') throw new Error('expected the pothole task');
    // Typed: these reads need no cast.
    expect(pothole.training?.architecture).toBe('mobilenet');
    expect(
      pothole.metrics?.report.by_folder['potholes-closeup']?.normal_specificity,
    ).toBeGreaterThan(0.9);
  });

  it('rejects a pothole manifest whose metrics lost a figure, naming the field', () => {
    const json = read('pothole');
    const metrics = json.metrics as { report: Record<string, unknown> };
    delete metrics.report.roc_auc;
    const result = modelManifestSchema.safeParse(json);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('roc_auc');
  });

  it('needs the damage types of a road-damage manifest', () => {
    const base = {
      id: 'x',
      version: '1',
      name: 'x',
      task: 'road-damage',
      format: 'layers',
      labels: ['pothole'],
      input: { width: 8, height: 8, channels: 3, normalization: { mean: [0.5], std: [0.5] } },
      cam: { layer: 'conv' },
    };
    expect(modelManifestSchema.safeParse(base).success).toBe(false);
    const withTypes = modelManifestSchema.parse({
      ...base,
      types: [
        {
          name: 'pothole',
          title: 'Pothole',
          output: 0,
          threshold: 0.4,
          thresholdRule: {
            targetSpecificity: 0.9,
            validationSpecificity: 0.9,
            validationRecall: 0.8,
            validationPhotos: 50,
          },
          notSure: { from: 0.2, to: 0.8, confidence: 0.8 },
          calibration: {
            method: 'platt',
            temperature: 1.5,
            bias: -0.2,
            inWeights: true,
            validationEce: { before: 0.1, after: 0.03 },
          },
        },
      ],
    });
    expect(withTypes.task === 'road-damage' && withTypes.types[0].threshold).toBe(0.4);
  });

  it("keeps a model builder's own training record in a lab manifest as it is", () => {
    const parsed = modelManifestSchema.parse({
      id: 'mine',
      version: '1',
      name: 'mine',
      task: 'classification',
      format: 'layers',
      labels: ['a', 'b'],
      input: { width: 8, height: 8, channels: 3, normalization: { mean: [0], std: [1] } },
      cam: { layer: 'conv' },
      training: { epochs: 3, notes: 'anything' },
    });
    expect(parsed.training).toEqual({ epochs: 3, notes: 'anything' });
  });
});
