/**
 * The survey repository: the one way the app (and later the outbox) reads and writes surveys.
 * A survey and its photo are written in one transaction, so a failure (a full disk above all)
 * leaves neither behind and touches nothing saved before.
 */
import type { IDBPDatabase } from 'idb';
import { StoreError, toStoreError } from './errors';
import { openSurveyDb, type OpenOptions, type RoadcamDB } from './schema';
import type { SurveyCorrection } from '../schema/survey';
import type {
  OfficeReviewNote,
  Severity,
  SurveyRecord,
  SyncState,
  SyncStatus,
  VerdictKey,
} from './survey-record';

/** A correction as sync hands it over: the note and the survey it belongs to. */
export type OfficeReviewNoteFor = OfficeReviewNote & { surveyId: string };

export interface SurveyFilter {
  verdict?: VerdictKey;
  /** A damage type found ("pothole", "crack"...): a road-damage model's, or a pothole verdict. */
  type?: string;
  syncState?: SyncState;
  /** At most this many records (newest first). */
  limit?: number;
}

export interface SurveyEdit {
  notes?: string;
  severity?: Severity | null;
  /** The engineer's Right / Wrong (issue 11); null takes the answer back. */
  correction?: SurveyCorrection | null;
}

const MAX_NOTES_LENGTH = 5000;

export class SurveyRepository {
  private constructor(private readonly db: IDBPDatabase<RoadcamDB>) {}

  static async open(options: OpenOptions = {}): Promise<SurveyRepository> {
    return new SurveyRepository(await openSurveyDb(options));
  }

  close(): void {
    this.db.close();
  }

  /** Saves a new survey and its photo together; never overwrites an existing id. */
  async save(record: SurveyRecord, photo: Blob): Promise<void> {
    const tx = this.db.transaction(['surveys', 'photos'], 'readwrite');
    const requests: Promise<unknown>[] = [];
    try {
      requests.push(tx.objectStore('surveys').add(record));
      requests.push(tx.objectStore('photos').add({ id: record.id, blob: photo }));
      requests.push(tx.done);
      await Promise.all(requests);
    } catch (error) {
      // A put can throw synchronously after the first one was queued: abort so neither lands.
      for (const request of requests) request.catch(() => undefined);
      abortQuietly(tx);
      throw toStoreError(error, 'save the survey');
    }
  }

  /** Newest first. Uses the index of the first filter given; the others apply in memory. */
  async list(filter: SurveyFilter = {}): Promise<SurveyRecord[]> {
    if (filter.type) return this.listByType(filter.type, filter);
    const limit = filter.limit ?? Infinity;
    const out: SurveyRecord[] = [];
    try {
      const tx = this.db.transaction('surveys', 'readonly');
      const store = tx.objectStore('surveys');
      let cursor;
      if (filter.verdict) {
        const range = IDBKeyRange.bound([filter.verdict, ''], [filter.verdict, '\uffff']);
        cursor = await store.index('by-verdict').openCursor(range, 'prev');
      } else if (filter.syncState) {
        const range = IDBKeyRange.bound([filter.syncState, ''], [filter.syncState, '\uffff']);
        cursor = await store.index('by-sync').openCursor(range, 'prev');
      } else {
        cursor = await store.index('by-created').openCursor(null, 'prev');
      }
      while (cursor && out.length < limit) {
        const record = cursor.value;
        if (!filter.syncState || record.sync.state === filter.syncState) out.push(record);
        cursor = await cursor.continue();
      }
      await tx.done;
    } catch (error) {
      throw toStoreError(error, 'read the surveys');
    }
    return out;
  }

  /** The type index holds no creation time (multi-entry keys are single values): sorted here. */
  private async listByType(type: string, filter: SurveyFilter): Promise<SurveyRecord[]> {
    let records: SurveyRecord[];
    try {
      records = await this.db.getAllFromIndex('surveys', 'by-type', type);
    } catch (error) {
      throw toStoreError(error, 'read the surveys');
    }
    return records
      .filter(
        (r) =>
          (!filter.verdict || r.verdictKey === filter.verdict) &&
          (!filter.syncState || r.sync.state === filter.syncState),
      )
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
      .slice(0, filter.limit ?? Infinity);
  }

  async count(): Promise<number> {
    try {
      return await this.db.count('surveys');
    } catch (error) {
      throw toStoreError(error, 'count the surveys');
    }
  }

  async get(id: string): Promise<SurveyRecord | undefined> {
    try {
      return await this.db.get('surveys', id);
    } catch (error) {
      throw toStoreError(error, 'read the survey');
    }
  }

  async getPhoto(id: string): Promise<Blob | undefined> {
    try {
      return (await this.db.get('photos', id))?.blob;
    } catch (error) {
      throw toStoreError(error, 'read the photo');
    }
  }

  /** Notes, severity and the Right / Wrong answer, what the engineer edits. The revision goes
   * up; a record the server already has goes back to 'local' so the outbox sends the edit. */
  async update(id: string, edit: SurveyEdit, now = new Date()): Promise<SurveyRecord> {
    if (edit.notes !== undefined && edit.notes.length > MAX_NOTES_LENGTH) {
      throw new StoreError(
        'failed',
        `Notes are too long: at most ${MAX_NOTES_LENGTH} characters.`,
        `notes length ${edit.notes.length}`,
      );
    }
    if (edit.severity != null && ![1, 2, 3, 4, 5].includes(edit.severity)) {
      throw new StoreError('failed', 'Severity is 1 to 5.', `severity ${String(edit.severity)}`);
    }
    const badBox = edit.correction?.boxes.find((b) => !isBoxIn(b.box));
    if (badBox) {
      throw new StoreError(
        'failed',
        'A box on the photo is not a box: draw it again.',
        `box ${JSON.stringify(badBox.box)}`,
      );
    }
    return this.modify(id, 'save your changes', (record) => ({
      ...(edit.correction !== undefined ? withCorrection(record, edit.correction) : record),
      ...(edit.notes !== undefined ? { notes: edit.notes } : {}),
      ...(edit.severity !== undefined ? { severity: edit.severity } : {}),
      revision: record.revision + 1,
      updatedAt: now.toISOString(),
      sync: record.sync.state === 'synced' ? { ...record.sync, state: 'local' } : record.sync,
    }));
  }

  /** For the outbox, when the engineer replaces the server's version of a survey in conflict:
   * the revision goes above `above` (the server's), nothing else changes. */
  async raiseRevision(id: string, above: number, now = new Date()): Promise<SurveyRecord> {
    return this.modify(id, 'save your choice', (record) => ({
      ...record,
      revision: Math.max(record.revision, above) + 1,
      updatedAt: now.toISOString(),
    }));
  }

  /** For the outbox: record an upload's progress. */
  async setSync(id: string, sync: SyncStatus): Promise<SurveyRecord> {
    return this.modify(id, 'update the sync state', (record) => ({ ...record, sync }));
  }

  /**
   * For the outbox: sets the sync status of several surveys in one transaction, each decided
   * from the record as it is at that moment, so an edit made meanwhile is never overwritten and
   * the outbox can tell that the record changed since it was queued. `change` returns the new
   * status, or null to leave that record as it is. Returns the records as they now are; ids no
   * longer on the phone are absent.
   */
  async updateSync(
    ids: readonly string[],
    change: (record: SurveyRecord) => SyncStatus | null,
  ): Promise<Map<string, SurveyRecord>> {
    const out = new Map<string, SurveyRecord>();
    const tx = this.db.transaction('surveys', 'readwrite');
    const store = tx.objectStore('surveys');
    try {
      const records = await Promise.all(ids.map((id) => store.get(id)));
      const writes: Promise<unknown>[] = [];
      for (const record of records) {
        if (!record) continue;
        const sync = change(record);
        const next = sync ? { ...record, sync } : record;
        if (sync) writes.push(store.put(next));
        out.set(record.id, next);
      }
      await Promise.all([...writes, tx.done]);
    } catch (error) {
      abortQuietly(tx);
      throw toStoreError(error, 'update the sync state');
    }
    return out;
  }

  /**
   * For sync: keeps the office's corrections beside their surveys, in one transaction. A
   * correction of a survey no longer on the phone is dropped; an older version never replaces
   * a newer one (a pull may repeat). Revision and sync state stay as they are: the correction
   * is not an edit and is never uploaded. Returns the ids whose correction changed.
   */
  async applyOfficeReviews(reviews: readonly OfficeReviewNoteFor[]): Promise<string[]> {
    const changed: string[] = [];
    const tx = this.db.transaction('surveys', 'readwrite');
    const store = tx.objectStore('surveys');
    try {
      const records = await Promise.all(reviews.map((r) => store.get(r.surveyId)));
      const writes: Promise<unknown>[] = [];
      reviews.forEach(({ surveyId: _id, ...note }, i) => {
        const record = records[i];
        if (!record || (record.officeReview && record.officeReview.version >= note.version)) return;
        writes.push(store.put({ ...record, officeReview: note }));
        changed.push(record.id);
      });
      await Promise.all([...writes, tx.done]);
    } catch (error) {
      abortQuietly(tx);
      throw toStoreError(error, 'keep the office’s corrections');
    }
    return changed;
  }

  /** A record and the analysis results that arrive later (re-analysis after a model loads). */
  async replaceAnalysis(
    id: string,
    analysis: Pick<
      SurveyRecord,
      'verdict' | 'verdictKey' | 'probabilities' | 'cam' | 'model' | 'analysisError'
    > &
      Partial<Pick<SurveyRecord, 'damage' | 'typesFound' | 'earlierAnalyses'>>,
    now = new Date(),
  ): Promise<SurveyRecord> {
    return this.modify(id, 'save the analysis', (record) => ({
      ...record,
      ...analysis,
      revision: record.revision + 1,
      updatedAt: now.toISOString(),
      sync: record.sync.state === 'synced' ? { ...record.sync, state: 'local' } : record.sync,
    }));
  }

  /** Deletes the survey and its photo together. */
  async delete(id: string): Promise<void> {
    try {
      const tx = this.db.transaction(['surveys', 'photos'], 'readwrite');
      await Promise.all([
        tx.objectStore('surveys').delete(id),
        tx.objectStore('photos').delete(id),
        tx.done,
      ]);
    } catch (error) {
      throw toStoreError(error, 'delete the survey');
    }
  }

  private async modify(
    id: string,
    action: string,
    change: (record: SurveyRecord) => SurveyRecord,
  ): Promise<SurveyRecord> {
    const tx = this.db.transaction('surveys', 'readwrite');
    const store = tx.objectStore('surveys');
    try {
      const record = await store.get(id);
      if (!record)
        throw new StoreError('not-found', 'This survey is no longer on the phone.', `id ${id}`);
      const next = change(record);
      await Promise.all([store.put(next), tx.done]);
      return next;
    } catch (error) {
      abortQuietly(tx);
      throw toStoreError(error, action);
    }
  }
}

/** The record with its answer set, or without one (taken back). */
function withCorrection(record: SurveyRecord, correction: SurveyCorrection | null): SurveyRecord {
  if (correction) return { ...record, correction };
  const { correction: _taken, ...rest } = record;
  return rest;
}

function isBoxIn(box: readonly number[]): boolean {
  return box.length === 4 && box.every(Number.isFinite) && box[2] > box[0] && box[3] > box[1];
}

function abortQuietly(tx: { abort(): void; done: Promise<void> }): void {
  tx.done.catch(() => undefined);
  try {
    tx.abort();
  } catch {
    // Already finished or aborted: nothing to undo.
  }
}
