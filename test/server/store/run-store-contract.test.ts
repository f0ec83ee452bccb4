/**
 * Drive runs (issue 13) on both databases: the surveys' idempotent batch rules (created,
 * unchanged, updated, conflict), a repeated id in one batch, paging by id, the stored revisions
 * of many runs at once (a phone's check), and 8 clients
 * sending overlapping batches at once (each run created once, never a conflict; on PostgreSQL
 * through two stores, as two servers).
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { runRecordSchema, type RunRecordWire } from '../../../src/schema/run';
import { canonicalJson, sha256Hex } from '../../../server/canonical-json';
import type { PreparedRun } from '../../../server/store/run-store';
import type { Storage } from '../../../server/store/storage';
import { makeRun as makeWireRun } from '../fixtures';
import { useBothBackends } from './store-backends';

const both = useBothBackends();

function makeRun(i: number, overrides: Partial<RunRecordWire> = {}): RunRecordWire {
  const start = Date.UTC(2026, 11, 2, 8, i, 0);
  return runRecordSchema.parse(
    makeWireRun({
      startedAt: new Date(start).toISOString(),
      endedAt: new Date(start + 600_000).toISOString(),
      track: [
        [116.3, 39.9, 0],
        [116.3, 39.91, 120_000],
      ],
      distanceM: 1110.5,
      framesAnalysed: 600 + i,
      framesDropped: 12,
      ...overrides,
    }),
  );
}

function prepared(raw: RunRecordWire): PreparedRun {
  const record = runRecordSchema.parse(raw);
  const text = canonicalJson(record);
  return { id: record.id, record, canonicalJson: text, contentSha256: sha256Hex(text) };
}

describe.each(['SQLite', 'PostgreSQL'])('%s run store', (name) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await both.backends[name].open();
  });

  it('answers created, unchanged, updated and conflict, and keeps the first version on a conflict', async () => {
    const [a, b, c] = [0, 1, 2].map((i) => makeRun(i));
    expect(
      (await storage.runs.putRuns([a, b, c].map(prepared), 'phone-1')).map((o) => o.status),
    ).toEqual(['created', 'created', 'created']);
    const outcomes = await storage.runs.putRuns(
      [
        prepared(a),
        prepared({ ...b, revision: 2, framesAnalysed: 1 }),
        prepared({ ...c, distanceM: 5 }),
        prepared({ ...c, revision: 3, startedAt: '2020-01-01T00:00:00.000Z' }),
      ],
      'phone-2',
    );
    expect(outcomes).toEqual([
      { status: 'unchanged' },
      { status: 'updated' },
      { status: 'conflict', why: 'stale-revision', storedRevision: 1, fields: [] },
      { status: 'conflict', why: 'immutable-changed', storedRevision: 1, fields: ['startedAt'] },
    ]);
    expect((await storage.runs.getRun(b.id))?.record.framesAnalysed).toBe(1);
    const storedC = await storage.runs.getRun(c.id);
    expect(storedC?.record).toEqual(c);
    expect(storedC?.receivedFrom).toBe('phone-1');
    expect(await storage.runs.getRun(randomUUID())).toBeNull();
  });

  it('decides a repeated id in one batch against the earlier one', async () => {
    const a = makeRun(5);
    const outcomes = await storage.runs.putRuns(
      [prepared(a), prepared(a), prepared({ ...a, revision: 2, distanceM: 7 })],
      'phone-1',
    );
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'unchanged', 'updated']);
    expect((await storage.runs.getRun(a.id))?.record.distanceM).toBe(7);
  });

  it('finds the stored revision of many runs at once, leaving out unknown ids', async () => {
    const edited = makeRun(40);
    const others = Array.from({ length: 999 }, (_, i) => makeRun(100 + i));
    await storage.runs.putRuns([prepared(edited)], 'phone-1');
    await storage.runs.putRuns([prepared({ ...edited, revision: 7, distanceM: 3 })], 'phone-1');
    await storage.runs.putRuns(others.slice(0, 20).map(prepared), 'phone-1');

    const unknown = randomUUID();
    const holdings = await storage.runs.findHoldings([
      edited.id,
      unknown,
      ...others.map((o) => o.id),
    ]);
    const byId = new Map(holdings.map((h) => [h.id, h]));
    expect(byId.get(edited.id)).toEqual({ id: edited.id, revision: 7 });
    expect(byId.has(unknown)).toBe(false);
    // The first 20 of the others are stored, the rest are not.
    expect(holdings).toHaveLength(1 + 20);
    expect(others.slice(0, 20).every((o) => byId.get(o.id)?.revision === 1)).toBe(true);
    expect(await storage.runs.findHoldings([])).toEqual([]);
  });

  it('pages by id', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await storage.runs.listRunsById(after, 2);
      seen.push(...page.map((r) => r.id));
      if (page.length < 2) break;
      after = page[page.length - 1].id;
    }
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(4);
  });

  it('creates each run once when 8 clients send overlapping batches at the same time', async () => {
    const runs = Array.from({ length: 24 }, (_, i) => makeRun(10 + i));
    const second = await both.backends[name].open();
    const stores = [storage, second];
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, client) => {
        const batch = runs.filter((_, i) => (i + client) % 3 !== 0).map(prepared);
        return stores[client % 2].runs.putRuns(batch, `phone-${client}`);
      }),
    );
    const statuses = results.flat().map((o) => o.status);
    expect(statuses.filter((s) => s === 'created')).toHaveLength(runs.length);
    expect(statuses.every((s) => s === 'created' || s === 'unchanged')).toBe(true);
    for (const run of runs) expect((await storage.runs.getRun(run.id))?.record).toEqual(run);
  });
});
