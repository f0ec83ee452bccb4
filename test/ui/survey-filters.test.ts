import { describe, expect, it } from 'vitest';
import { LABELS } from '../../src/schema/survey';
import type { SyncState } from '../../src/store/survey-record';
import { SYNC_FILTERS, TYPE_FILTERS, VERDICT_FILTERS } from '../../src/ui/survey-filters';

describe('survey filter options (one list for the Surveys list and the Map page)', () => {
  it('offers every verdict a survey can have, once, each with its own words', () => {
    expect(VERDICT_FILTERS.map((f) => f.value).sort()).toEqual([...LABELS, 'unanalysed'].sort());
    expect(new Set(VERDICT_FILTERS.map((f) => f.label)).size).toBe(VERDICT_FILTERS.length);
  });

  it('offers every sync state, once, and the main damage types', () => {
    // A Record over SyncState: adding a state without listing it here fails to compile.
    const states: Record<SyncState, true> = {
      local: true,
      queued: true,
      uploading: true,
      synced: true,
      failed: true,
    };
    expect(SYNC_FILTERS.map((f) => f.value).sort()).toEqual(Object.keys(states).sort());
    expect(new Set(SYNC_FILTERS.map((f) => f.label)).size).toBe(SYNC_FILTERS.length);
    expect(TYPE_FILTERS.map((f) => f.value)).toEqual(['pothole', 'crack', 'patch']);
  });
});
