import { describe, expect, it } from 'vitest';
import { bundledModels } from '../../../src/features/lab/shared/bundled-models';

const at = (search: string) => ({ href: `https://roadcam.test/lab${search}`, search });

describe("the lab's bundled models", () => {
  it('lists the field model (road damage by default), the pothole model and MNIST', () => {
    const models = bundledModels(at(''));
    expect(models.map((m) => [m.id, m.field])).toEqual([
      ['field', true],
      ['pothole', false],
      ['mnist', false],
    ]);
    expect(models[0].manifestUrl).toBe('https://roadcam.test/models/road-damage/manifest.json');
  });

  it('keeps the road-damage default listed when ?model= points the field app at the pothole model', () => {
    const models = bundledModels(at('?model=/models/pothole/manifest.json'));
    expect(models.map((m) => [m.id, m.field])).toEqual([
      ['pothole', true],
      ['road-damage', false],
      ['mnist', false],
    ]);
    expect(models[1].manifestUrl).toBe('https://roadcam.test/models/road-damage/manifest.json');
  });
});
