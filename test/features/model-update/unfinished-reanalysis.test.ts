/**
 * A re-analysis a reload cut short: its model is remembered from its start to its end, carried
 * on at the next start when that model runs again, forgotten when another runs, kept while none
 * is ready; damaged or blocked storage only loses the resume.
 */
import { describe, expect, it } from 'vitest';
import { UnfinishedReanalysis } from '../../../src/features/model-update/client/unfinished-reanalysis';
import { unfinishedRunAtStart } from '../../../src/features/model-update/shared/survey-reanalysis';

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
    removeItem: (k: string) => void items.delete(k),
  };
}

const model = { id: 'roadcam-road-damage', version: '3.2.0' };

describe('UnfinishedReanalysis', () => {
  it('remembers the run from its start until it is forgotten', () => {
    const storage = memoryStorage();
    const unfinished = new UnfinishedReanalysis(() => storage);
    expect(unfinished.read()).toBeNull();
    unfinished.started(model);
    // A new page (after the reload) reads what the old one wrote.
    expect(new UnfinishedReanalysis(() => storage).read()).toEqual(model);
    unfinished.forget();
    expect(unfinished.read()).toBeNull();
  });

  it('reads damaged values as nothing to carry on', () => {
    const storage = memoryStorage();
    const unfinished = new UnfinishedReanalysis(() => storage);
    for (const damaged of ['{', '"3.2.0"', '{"id":"x"}', '{"id":1,"version":"3.2.0"}']) {
      storage.items.set('roadcam.unfinished-reanalysis', damaged);
      expect(unfinished.read(), damaged).toBeNull();
    }
  });

  it('never throws where storage is blocked', () => {
    const unfinished = new UnfinishedReanalysis(() => {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    });
    expect(() => unfinished.started(model)).not.toThrow();
    expect(unfinished.read()).toBeNull();
    expect(() => unfinished.forget()).not.toThrow();
  });
});

describe('unfinishedRunAtStart', () => {
  it('carries the run on when its model runs again', () => {
    expect(unfinishedRunAtStart(model, { ...model })).toBe('resume');
  });

  it('forgets it when another model runs, or another version', () => {
    expect(unfinishedRunAtStart(model, { ...model, version: '3.1.0' })).toBe('forget');
    expect(unfinishedRunAtStart(model, { id: 'roadcam-pothole', version: '3.2.0' })).toBe('forget');
  });

  it('keeps it while no model is ready, and has nothing to do without one', () => {
    expect(unfinishedRunAtStart(model, null)).toBe('wait');
    expect(unfinishedRunAtStart(null, model)).toBe('none');
  });
});
