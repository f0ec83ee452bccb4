/**
 * The lab's storage and the re-analysis runner in Node (fake-indexeddb): kept models round-trip
 * with their files; a run goes over every stored survey once, oldest first, keeping the old
 * verdict beside the new one; pause holds, and a new runner on the same databases (a reload)
 * resumes without analysing a survey twice; a model that cannot load pauses the run with the
 * reason. The worker is replaced by a function of the photo's bytes here; the browser test runs
 * the real one.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import {
  analysesDisagree,
  ReanalysisRunner,
  type ReanalysisDeps,
} from '../../../src/features/lab/shared/reanalysis-runner';
import { parseManifest } from '../../../src/model/manifest';
import { ModelLibrary } from '../../../src/features/lab/store/model-library';
import { LAB_DB_VERSION, LAB_MIGRATIONS, openLabDb } from '../../../src/features/lab/store/lab-db';
import { ReanalysisStore } from '../../../src/features/lab/store/reanalysis-store';
import { SurveyRepository } from '../../../src/store/survey-repository';
import { StoreError } from '../../../src/store/errors';
import type { Outcome, ReanalysisVerdict } from '../../../src/features/lab/shared/lab-protocol';
import type { SurveyRecord } from '../../../src/store/survey-record';
import { makeRecord, photoBlob, uniqueDbName } from '../../store/make-record';

const manifest = (version = '2.0.0') =>
  parseManifest({
    id: 'pothole-next',
    version,
    name: 'Next pothole model',
    task: 'pothole',
    format: 'layers',
    labels: ['normal', 'pothole'],
    input: { width: 96, height: 96, channels: 3, normalization: { mean: [0], std: [1] } },
    cam: { layer: 'conv3' },
  });

const NEW_MODEL = { id: 'pothole-next', version: '2.0.0', name: 'Next pothole model' };

/** Stands in for the worker: the verdict follows the photo's size (odd: pothole). */
function fakeAnalyse(calls: string[]) {
  return async (_key: string, jpeg: Blob): Promise<Outcome<ReanalysisVerdict>> => {
    calls.push(String(jpeg.size));
    const pothole = jpeg.size % 2 === 1;
    return {
      ok: true,
      value: {
        verdict: {
          label: pothole ? 'pothole' : 'normal',
          potholeProbability: pothole ? 0.8 : 0.2,
          lowConfidence: false,
        },
        probabilities: { pothole: pothole ? 0.8 : 0.2, normal: pothole ? 0.2 : 0.8 },
        cam: {
          method: 'gradcam',
          layer: 'conv3',
          width: 1,
          height: 1,
          data: new Float32Array([1]),
        },
        model: { id: NEW_MODEL.id, version: NEW_MODEL.version },
      },
    };
  };
}

async function setUp(surveyCount: number) {
  const labDb = uniqueDbName();
  const surveyDb = uniqueDbName();
  const surveys = await SurveyRepository.open({ name: surveyDb });
  const ids: string[] = [];
  for (let i = 0; i < surveyCount; i++) {
    // Photo sizes 1000, 1001, ...: the fake model calls odd sizes potholes; the field model
    // called every one a pothole, so the even ones disagree.
    const record = makeRecord();
    await surveys.save(record, photoBlob(1000 + i));
    ids.push(record.id);
  }
  const store = await ReanalysisStore.open({ name: labDb });
  return { labDb, surveyDb, surveys, store, ids };
}

function deps(
  store: ReanalysisStore,
  surveys: ReanalysisDeps['surveys'],
  calls: string[],
  overrides: Partial<ReanalysisDeps> = {},
): ReanalysisDeps {
  return {
    store,
    surveys,
    openModel: async () => ({ ok: true, value: 'model-key' }),
    closeModel: async () => undefined,
    analyse: fakeAnalyse(calls),
    gapMs: 0,
    ...overrides,
  };
}

describe('when two analyses of a photo disagree', () => {
  it('compares labels, and the damage types only when both models report them', () => {
    expect(analysesDisagree({ label: 'pothole' }, { label: 'normal' })).toBe(true);
    expect(analysesDisagree({ label: 'pothole' }, { label: 'pothole' })).toBe(false);
    // A pothole model sees no cracks: against it, a road-damage model's crack is no change.
    expect(
      analysesDisagree({ label: 'pothole' }, { label: 'pothole', types: ['pothole', 'crack'] }),
    ).toBe(false);
    expect(
      analysesDisagree(
        { label: 'pothole', types: ['crack', 'pothole'] },
        { label: 'pothole', types: ['pothole', 'crack'] },
      ),
    ).toBe(false);
    expect(
      analysesDisagree(
        { label: 'pothole', types: ['pothole'] },
        { label: 'pothole', types: ['pothole', 'crack'] },
      ),
    ).toBe(true);
    expect(
      analysesDisagree({ label: 'damage', types: ['crack'] }, { label: 'not-a-road', types: [] }),
    ).toBe(true);
  });

  it("a road-damage model re-analysing road-damage surveys keeps both sides' types", async () => {
    const labDb = uniqueDbName();
    const surveys = await SurveyRepository.open({ name: uniqueDbName() });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      // Every survey: a pothole, found by an earlier road-damage model.
      const record = makeRecord({
        model: { id: 'roadcam-road-damage', version: '2.0.0' },
        typesFound: ['pothole'],
        damage: {
          outcome: 'damage',
          probabilities: { pothole: 0.9, crack: 0.1, patch: 0.1 },
          found: ['pothole'],
          notSure: [],
          notRoad: null,
          cams: {},
        },
      } as Partial<SurveyRecord>);
      await surveys.save(record, photoBlob(1000 + i));
      ids.push(record.id);
    }
    const store = await ReanalysisStore.open({ name: labDb });
    // The new model: odd sizes a pothole and a crack, even sizes a crack alone.
    const analyse = async (_key: string, jpeg: Blob): Promise<Outcome<ReanalysisVerdict>> => {
      const pothole = jpeg.size % 2 === 1;
      const value = (await fakeAnalyse([])('', jpeg)) as { ok: true; value: ReanalysisVerdict };
      return {
        ok: true,
        value: {
          ...value.value,
          verdict: { ...value.value.verdict, label: pothole ? 'pothole' : 'damage' },
          typesFound: pothole ? ['pothole', 'crack'] : ['crack'],
        },
      };
    };
    const runner = new ReanalysisRunner(deps(store, surveys, [], { analyse }));
    const { run } = await runner.start(NEW_MODEL, { kind: 'url', manifestUrl: '/m.json' });
    await runner.idle();
    const results = await store.results(run.id);
    expect(results).toHaveLength(4);
    for (const r of results) {
      const odd = ids.indexOf(r.surveyId) % 2 === 1;
      expect(r.old.typesFound).toEqual(['pothole']);
      expect(r.new?.typesFound).toEqual(odd ? ['pothole', 'crack'] : ['crack']);
      // Odd: the same label, a crack more; even: a crack where the pothole was.
      expect(r.disagree).toBe(true);
    }
  });
});

describe('lab database and model library', () => {
  it('numbers its migrations from 1 without gaps and creates its stores', async () => {
    expect(LAB_MIGRATIONS.map((m) => m.version)).toEqual(LAB_MIGRATIONS.map((_, i) => i + 1));
    const db = await openLabDb({ name: uniqueDbName() });
    expect(db.version).toBe(LAB_DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual([
      'models',
      'reanalysis-results',
      'reanalysis-runs',
    ]);
    db.close();
  });

  it('keeps a model with its files, replaces the same version, lists and removes it', async () => {
    const library = await ModelLibrary.open({ name: uniqueDbName() });
    const files = [
      { name: 'model.json', blob: new Blob(['{"modelTopology":{}}']) },
      { name: 'group1-shard1of1.bin', blob: new Blob([new Uint8Array(300)]) },
    ];
    // Distinct times: two models kept in the same millisecond have no order (it was flaky).
    const id = await library.keep(manifest(), files, new Date('2026-12-01T10:00:00Z'));
    const again = await library.keep(manifest(), files, new Date('2026-12-01T10:00:01Z'));
    expect(again).toBe(id);
    await library.keep(manifest('3.0.0'), files, new Date('2026-12-01T10:00:02Z'));
    const list = await library.list();
    expect(list.map((m) => m.version)).toEqual(['3.0.0', '2.0.0']);
    expect(list[1]).toMatchObject({ name: 'Next pothole model', task: 'pothole', bytes: 320 });
    const kept = await library.get(id);
    expect(kept.manifest).toEqual(manifest());
    expect(kept.files.map((f) => f.name)).toEqual(['model.json', 'group1-shard1of1.bin']);
    expect(await kept.files[0].blob.text()).toBe('{"modelTopology":{}}');
    await library.remove(id);
    expect((await library.list()).map((m) => m.version)).toEqual(['3.0.0']);
    const missing = await library.get(id).catch((e) => e);
    expect(missing).toBeInstanceOf(StoreError);
    expect(missing.message).toMatch(/no longer kept/);
    library.close();
  });
});

describe('re-analysis runner', () => {
  it('re-analyses every survey once, oldest first, the old verdict kept beside the new', async () => {
    const { surveys, store, ids } = await setUp(5);
    const before = await surveys.list();
    const calls: string[] = [];
    const runner = new ReanalysisRunner(deps(store, surveys, calls));
    const { run, created } = await runner.start(NEW_MODEL, { kind: 'kept', id: 'k1' });
    expect(created).toBe(true);
    await runner.idle();
    expect(calls).toEqual(['1000', '1001', '1002', '1003', '1004']);
    const done = await store.getRun(run.id);
    expect(done).toMatchObject({ state: 'done', done: 5, total: 5 });
    const results = await store.results(run.id);
    expect(results).toHaveLength(5);
    for (const r of results) {
      const i = ids.indexOf(r.surveyId);
      expect(r.old.verdict?.label).toBe('pothole');
      expect(r.old.model).toEqual({ id: 'pothole-cnn', version: '1.0.0' });
      expect(r.new?.verdict.label).toBe(i % 2 === 1 ? 'pothole' : 'normal');
      expect(r.disagree).toBe(i % 2 === 0);
    }
    // The surveys themselves are untouched.
    expect(await surveys.list()).toEqual(before);
    // Installing the same model again does not start a second run, and says so.
    const again = await runner.start(NEW_MODEL, { kind: 'kept', id: 'k1' });
    expect(again.created).toBe(false);
    expect(again.run.id).toBe(run.id);
    await runner.idle();
    expect(calls).toHaveLength(5);
    expect(await store.listRuns()).toHaveLength(1);
  });

  it('pauses, stays paused after a reload, and resumes without analysing a survey twice', async () => {
    const { surveys, store, labDb, surveyDb } = await setUp(6);
    const calls: string[] = [];
    const analyse = fakeAnalyse(calls);
    const runner: ReanalysisRunner = new ReanalysisRunner(
      deps(store, surveys, calls, {
        analyse: async (key, jpeg) => {
          const out = await analyse(key, jpeg);
          if (calls.length === 2) await runner.pause((await store.listRuns())[0].id);
          return out;
        },
      }),
    );
    const { run } = await runner.start(NEW_MODEL, { kind: 'url', manifestUrl: '/m.json' });
    await runner.idle();
    expect(calls).toHaveLength(2);
    expect(await store.getRun(run.id)).toMatchObject({ state: 'paused', done: 2, total: 6 });

    // A reload: new stores and a new runner on the same databases.
    store.close();
    surveys.close();
    const store2 = await ReanalysisStore.open({ name: labDb });
    const surveys2 = await SurveyRepository.open({ name: surveyDb });
    const runner2 = new ReanalysisRunner(deps(store2, surveys2, calls));
    await runner2.resumeAll();
    expect(calls).toHaveLength(2);
    expect((await store2.getRun(run.id)).state).toBe('paused');

    await runner2.resume(run.id);
    await runner2.idle();
    expect(calls).toHaveLength(6);
    expect(new Set(calls).size).toBe(6);
    expect(await store2.getRun(run.id)).toMatchObject({ state: 'done', done: 6, total: 6 });

    // A survey taken later is picked up when the run is resumed again, alone.
    await surveys2.save(makeRecord(), photoBlob(2001));
    await runner2.resume(run.id);
    await runner2.idle();
    expect(calls.slice(6)).toEqual(['2001']);
    expect(await store2.getRun(run.id)).toMatchObject({ state: 'done', done: 7, total: 7 });
  });

  it('a model that cannot load pauses the run and says why; a missing photo is a result', async () => {
    const { surveys, store } = await setUp(2);
    const runner = new ReanalysisRunner(
      deps(store, surveys, [], {
        openModel: async () => ({
          ok: false,
          error: { source: 'model', code: 'model-missing', message: 'model.json is damaged.' },
        }),
      }),
    );
    const { run } = await runner.start(NEW_MODEL, { kind: 'kept', id: 'gone' });
    await runner.idle();
    const stopped = await store.getRun(run.id);
    expect(stopped.state).toBe('paused');
    expect(stopped.stoppedReason).toMatch(/could not be loaded: model\.json is damaged/);

    const calls: string[] = [];
    const withoutPhotos = new ReanalysisRunner(
      deps(store, { list: () => surveys.list(), getPhoto: async () => undefined }, calls),
    );
    await withoutPhotos.resume(run.id);
    await withoutPhotos.idle();
    const results = await store.results(run.id);
    expect(results.map((r) => r.error)).toEqual([
      'The photo of this survey is missing.',
      'The photo of this survey is missing.',
    ]);
    expect(results.every((r) => r.new === null && !r.disagree)).toBe(true);
    expect(calls).toEqual([]);
  });

  it('says why the loop stopped when the surveys cannot be read, and forgets it once it runs', async () => {
    const { surveys, store } = await setUp(2);
    let broken = true;
    const runner = new ReanalysisRunner(
      deps(
        store,
        {
          list: async () => {
            if (broken) throw new StoreError('failed', 'The survey database cannot be read.');
            return surveys.list();
          },
          getPhoto: (id) => surveys.getPhoto(id),
        },
        [],
      ),
    );
    let changes = 0;
    runner.addEventListener('change', () => changes++);
    const { run } = await runner.start(NEW_MODEL, { kind: 'kept', id: 'k1' });
    await runner.idle();
    expect(runner.lastError).toBe('The survey database cannot be read.');
    expect(changes).toBeGreaterThan(1);
    expect((await store.getRun(run.id)).state).toBe('running');
    broken = false;
    await runner.resumeAll();
    expect(runner.lastError).toBeNull();
    expect(await store.getRun(run.id)).toMatchObject({ state: 'done', done: 2 });
  });
});
