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
    spot: { lon: number; lat: number } | null,
  ): Promise<RunRecord> {
    const tx = this.db.transaction(['runs', 'surveys', 'photos'], 'readwrite');
    const requests: Promise<unknown>[] = [];
    try {
      const run = await tx.objectStore('runs').get(runId);
      if (!run)
        throw new StoreError('not-found', 'This run is no longer on the phone.', `id ${runId}`);
      const next: RunRecord = {
        ...run,
        surveyIds: [...run.surveyIds, survey.id],
        damageSpots: spot ? [...run.damageSpots, spot] : run.damageSpots,
      };
      requests.push(tx.objectStore('surveys').add({ ...survey, runId }));
      requests.push(tx.objectStore('photos').add({ id: survey.id, blob: photo }));
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

function abortQuietly(tx: { abort(): void; done: Promise<void> }): void {
  tx.done.catch(() => undefined);
  try {
    tx.abort();
  } catch {
    // Already finished or aborted.
  }
}
