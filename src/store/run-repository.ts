/**
 * The drive runs on the phone (issue 13): start, progress, end, and the surveys a run makes,
 * saved in the same transaction as the run's count of them, so the run never claims a survey
 * that is not there (nor misses one that is).
 */
import type { IDBPDatabase } from 'idb';
import { StoreError, toStoreError } from './errors';
import type { RunRecord } from './run-record';
import { openSurveyDb, type OpenOptions, type RoadcamDB } from './schema';
import type { SurveyRecord, SyncStatus } from './survey-record';

export class RunRepository {
  private constructor(private readonly db: IDBPDatabase<RoadcamDB>) {}

  static async open(options: OpenOptions = {}): Promise<RunRepository> {
    return new RunRepository(await openSurveyDb(options));
  }

  close(): void {
    this.db.close();
  }

  async create(run: RunRecord): Promise<void> {
    try {
      await this.db.add('runs', run);
    } catch (error) {
      throw toStoreError(error, 'start the run');
    }
  }

  async get(id: string): Promise<RunRecord | undefined> {
    try {
      return await this.db.get('runs', id);
    } catch (error) {
      throw toStoreError(error, 'read the run');
    }
  }

  /** Newest first. */
  async list(): Promise<RunRecord[]> {
    try {
      return (await this.db.getAllFromIndex('runs', 'by-started')).reverse();
    } catch (error) {
      throw toStoreError(error, 'list the runs');
    }
  }

  /** Runs still marked running: after a reload, these are ended with what they had. */
  async running(): Promise<RunRecord[]> {
    try {
      return await this.db.getAllFromIndex('runs', 'by-state', 'running');
    } catch (error) {
      throw toStoreError(error, 'list the runs');
    }
  }

  /** Changes a run in one transaction; `change` sees the stored record. */
  async update(id: string, change: (run: RunRecord) => RunRecord): Promise<RunRecord> {
    const tx = this.db.transaction('runs', 'readwrite');
    try {
      const run = await tx.store.get(id);
      if (!run)
        throw new StoreError('not-found', 'This run is no longer on the phone.', `id ${id}`);
      const next = change(run);
      await Promise.all([tx.store.put(next), tx.done]);
      return next;
    } catch (error) {
      abortQuietly(tx);
      throw toStoreError(error, 'save the run');
    }
  }

  /** Saves a survey made by the run, its photo, and the run's record of it, all or nothing. */
  async addSurvey(
    runId: string,
    survey: SurveyRecord,
    photo: Blob,
    spot: { lon: number; lat: number; type?: string } | null,
  ): Promise<RunRecord> {
    return this.saveSurveys(runId, (run) => ({
      entries: [{ survey, photo, spots: spot ? [spot] : [] }],
      run,
    }));
  }

  /**
   * Saves surveys made by the run with their photos, the run's record of them (ids, spots) and
   * the run as `plan` changes it (e.g. its open stretches without the ones saved, or its end),
   * in one transaction: a reload at any moment leaves all of it or none, so no survey is lost
   * or saved twice. `plan` sees the stored run and must not wait on anything.
   */
  async saveSurveys(
    runId: string,
    plan: (run: RunRecord) => { entries: readonly RunSurveyEntry[]; run: RunRecord },
  ): Promise<RunRecord> {
    const tx = this.db.transaction(['runs', 'surveys', 'photos'], 'readwrite');
    const requests: Promise<unknown>[] = [];
    try {
      const stored = await tx.objectStore('runs').get(runId);
      if (!stored)
        throw new StoreError('not-found', 'This run is no longer on the phone.', `id ${runId}`);
      const { entries, run } = plan(stored);
      const next: RunRecord = {
        ...run,
        surveyIds: [...run.surveyIds, ...entries.map((e) => e.survey.id)],
        damageSpots: [...run.damageSpots, ...entries.flatMap((e) => e.spots)],
      };
      for (const { survey, photo } of entries) {
        requests.push(tx.objectStore('surveys').add({ ...survey, runId }));
        requests.push(tx.objectStore('photos').add({ id: survey.id, blob: photo }));
      }
      requests.push(tx.objectStore('runs').put(next));
      requests.push(tx.done);
      await Promise.all(requests);
      return next;
    } catch (error) {
      for (const request of requests) request.catch(() => undefined);
      abortQuietly(tx);
      throw toStoreError(error, 'save the survey of the run');
    }
  }

  async setSync(id: string, sync: SyncStatus): Promise<RunRecord> {
    return this.update(id, (run) => ({ ...run, sync }));
  }
}

export interface RunSurveyEntry {
  survey: SurveyRecord;
  photo: Blob;
  /** Where the damage is, by type, so a resumed run does not record it again. */
  spots: { lon: number; lat: number; type?: string }[];
}

function abortQuietly(tx: { abort(): void; done: Promise<void> }): void {
  tx.done.catch(() => undefined);
  try {
    tx.abort();
  } catch {
    // Already finished or aborted.
  }
}
