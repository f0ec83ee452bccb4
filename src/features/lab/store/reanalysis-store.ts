/**
 * Re-analysis runs and their results: a new pothole model run over the stored surveys, one
 * result per survey beside the verdict the survey had. The run's state lives here, so a reload
 * picks it up where it stopped; a result and the run's count are written in one transaction.
 * Surveys themselves are never changed by a re-analysis.
 */
import type { IDBPDatabase } from 'idb';
import { StoreError, toStoreError } from '../../../store/errors';
import {
  openLabDb,
  type LabDB,
  type ReanalysisModelRef,
  type ReanalysisResult,
  type ReanalysisRun,
  type ReanalysisState,
} from './lab-db';

export type { ReanalysisModelRef, ReanalysisResult, ReanalysisRun, ReanalysisState };

export class ReanalysisStore {
  private constructor(private readonly db: IDBPDatabase<LabDB>) {}

  static async open(options: { name?: string } = {}): Promise<ReanalysisStore> {
    return new ReanalysisStore(await openLabDb(options));
  }

  close(): void {
    this.db.close();
  }

  /**
   * The run of this model (id and version): the existing one, or a new one in state 'running'.
   * Installing the same model twice does not analyse every survey twice.
   */
  async runFor(
    model: ReanalysisRun['model'],
    source: ReanalysisModelRef,
    now = new Date(),
  ): Promise<{ run: ReanalysisRun; created: boolean }> {
    const runs = await this.listRuns();
    const existing = runs.find((r) => r.model.id === model.id && r.model.version === model.version);
    if (existing) return { run: existing, created: false };
    const run: ReanalysisRun = {
      id: crypto.randomUUID(),
      model,
      source,
      state: 'running',
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      done: 0,
      total: 0,
    };
    try {
      await this.db.add('reanalysis-runs', run);
    } catch (error) {
      throw toStoreError(error, 'start the re-analysis');
    }
    return { run, created: true };
  }

  /** Newest first. */
  async listRuns(): Promise<ReanalysisRun[]> {
    try {
      return (await this.db.getAllFromIndex('reanalysis-runs', 'by-created')).reverse();
    } catch (error) {
      throw toStoreError(error, 'read the re-analyses');
    }
  }

  async getRun(id: string): Promise<ReanalysisRun> {
    let run: ReanalysisRun | undefined;
    try {
      run = await this.db.get('reanalysis-runs', id);
    } catch (error) {
      throw toStoreError(error, 'read the re-analysis');
    }
    if (!run) throw new StoreError('not-found', 'This re-analysis no longer exists.', id);
    return run;
  }

  /** Changes a run's fields (state, total...) in one transaction. */
  async updateRun(
    id: string,
    change: Partial<Pick<ReanalysisRun, 'state' | 'total' | 'done' | 'stoppedReason'>>,
    now = new Date(),
  ): Promise<ReanalysisRun> {
    const tx = this.db.transaction('reanalysis-runs', 'readwrite');
    try {
      const run = await tx.store.get(id);
      if (!run) throw new StoreError('not-found', 'This re-analysis no longer exists.', id);
      const next: ReanalysisRun = { ...run, ...change, updatedAt: now.toISOString() };
      if (change.state && change.state !== 'done' && !('stoppedReason' in change))
        delete next.stoppedReason;
      await Promise.all([tx.store.put(next), tx.done]);
      return next;
    } catch (error) {
      tx.done.catch(() => undefined);
      throw toStoreError(error, 'update the re-analysis');
    }
  }

  /** Saves one survey's result and counts it in its run, together. */
  async saveResult(result: ReanalysisResult, now = new Date()): Promise<ReanalysisRun> {
    const tx = this.db.transaction(['reanalysis-runs', 'reanalysis-results'], 'readwrite');
    try {
      const runs = tx.objectStore('reanalysis-runs');
      const run = await runs.get(result.runId);
      if (!run) throw new StoreError('not-found', 'This re-analysis no longer exists.');
      const results = tx.objectStore('reanalysis-results');
      const had = await results.getKey([result.runId, result.surveyId]);
      const next = { ...run, done: run.done + (had ? 0 : 1), updatedAt: now.toISOString() };
      await Promise.all([results.put(result), runs.put(next), tx.done]);
      return next;
    } catch (error) {
      tx.done.catch(() => undefined);
      throw toStoreError(error, 'save the re-analysis result');
    }
  }

  /** Survey ids this run has a result for. */
  async doneSurveyIds(runId: string): Promise<Set<string>> {
    try {
      const keys = await this.db.getAllKeysFromIndex(
        'reanalysis-results',
        'by-run',
        IDBKeyRange.only(runId),
      );
      return new Set(keys.map((k) => k[1]));
    } catch (error) {
      throw toStoreError(error, 'read the re-analysis results');
    }
  }

  async results(runId: string): Promise<ReanalysisResult[]> {
    try {
      return await this.db.getAllFromIndex('reanalysis-results', 'by-run', IDBKeyRange.only(runId));
    } catch (error) {
      throw toStoreError(error, 'read the re-analysis results');
    }
  }
}
