/**
 * The outbox's own IndexedDB database, beside the survey store: one entry per survey waiting
 * to upload (or failed), holding the record frozen at queue time, plus the sync settings and
 * the last sync time. A separate database keeps the survey store's schema untouched; the two
 * are kept consistent by the order of writes (see outbox.ts), not by shared transactions.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { SurveyRecordWire } from '../schema/survey';
import type { SyncFailure } from './errors';
import type { SyncSettings } from './settings';

export const OUTBOX_DB_NAME = 'roadcam-outbox';
const OUTBOX_DB_VERSION = 1;

export type OutboxStage =
  /** The record is to be sent (POST /surveys). */
  | 'record'
  /** The server has a version of the record; the photo is to be sent. */
  | 'photo'
  /** Given up: `failure` says why; kept so an edit of the record can be noticed. */
  | 'failed';

export interface OutboxEntry {
  /** The survey's id. */
  id: string;
  /** New at every (re)queue: an upload started for an older ticket never settles this one. */
  ticket: string;
  stage: OutboxStage;
  /** ISO time it was queued; entries upload oldest first. */
  queuedAt: string;
  /** The record as it was when queued: exactly this is sent, on every attempt. Null when the
   * record could not be put in wire form (then stage is 'failed', code 'invalid'). */
  wire: SurveyRecordWire | null;
  /** The record's updatedAt when queued (tells an edit of an invalid record). */
  recordUpdatedAt: string;
  /** The record answered `conflict`: the photo step only makes sure the server's version has
   * its photo when it names the same bytes, then the entry fails with this. */
  pendingFailure?: SyncFailure;
  failure?: SyncFailure;
}

interface MetaRow {
  key: string;
  value: unknown;
}

interface OutboxSchema extends DBSchema {
  entries: { key: string; value: OutboxEntry };
  meta: { key: string; value: MetaRow };
}

export class OutboxDb {
  private constructor(private readonly db: IDBPDatabase<OutboxSchema>) {}

  static async open(name = OUTBOX_DB_NAME): Promise<OutboxDb> {
    let self: OutboxDb | null = null;
    const db = await openDB<OutboxSchema>(name, OUTBOX_DB_VERSION, {
      upgrade(database, oldVersion) {
        if (oldVersion < 1) {
          database.createObjectStore('entries', { keyPath: 'id' });
          database.createObjectStore('meta', { keyPath: 'key' });
        }
      },
      // A newer version of the app wants to upgrade: let it, rather than block it.
      blocking() {
        self?.close();
      },
    });
    self = new OutboxDb(db);
    return self;
  }

  close(): void {
    this.db.close();
  }

  async all(): Promise<OutboxEntry[]> {
    return this.db.getAll('entries');
  }

  async get(id: string): Promise<OutboxEntry | undefined> {
    return this.db.get('entries', id);
  }

  async getMany(ids: readonly string[]): Promise<Map<string, OutboxEntry>> {
    const tx = this.db.transaction('entries', 'readonly');
    const found = await Promise.all(ids.map((id) => tx.store.get(id)));
    await tx.done;
    const out = new Map<string, OutboxEntry>();
    for (const entry of found) if (entry) out.set(entry.id, entry);
    return out;
  }

  async putMany(entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const tx = this.db.transaction('entries', 'readwrite');
    await Promise.all([...entries.map((e) => tx.store.put(e)), tx.done]);
  }

  /**
   * Writes each entry unless `keep(existing)` says the entry already there must stay; one
   * transaction, so a flush settling an entry meanwhile is seen. Returns the ids written.
   */
  async putUnless(
    entries: readonly OutboxEntry[],
    keep: (existing: OutboxEntry) => boolean,
  ): Promise<Set<string>> {
    const written = new Set<string>();
    if (entries.length === 0) return written;
    const tx = this.db.transaction('entries', 'readwrite');
    const found = await Promise.all(entries.map((e) => tx.store.get(e.id)));
    const writes: Promise<unknown>[] = [];
    entries.forEach((entry, i) => {
      const existing = found[i];
      if (existing && keep(existing)) return;
      writes.push(tx.store.put(entry));
      written.add(entry.id);
    });
    await Promise.all([...writes, tx.done]);
    return written;
  }

  /**
   * Applies `change` to each entry whose ticket is still `tickets.get(id)` (an entry re-queued
   * meanwhile is left alone): the result replaces it, or deletes it when null. One transaction.
   * Returns the ids that were changed.
   */
  async settle(
    tickets: ReadonlyMap<string, string>,
    change: (entry: OutboxEntry) => OutboxEntry | null,
  ): Promise<Set<string>> {
    const ids = [...tickets.keys()];
    if (ids.length === 0) return new Set();
    const tx = this.db.transaction('entries', 'readwrite');
    const found = await Promise.all(ids.map((id) => tx.store.get(id)));
    const writes: Promise<unknown>[] = [];
    const changed = new Set<string>();
    for (const entry of found) {
      if (!entry || entry.ticket !== tickets.get(entry.id)) continue;
      const next = change(entry);
      writes.push(next ? tx.store.put(next) : tx.store.delete(entry.id));
      changed.add(entry.id);
    }
    await Promise.all([...writes, tx.done]);
    return changed;
  }

  async delete(id: string): Promise<void> {
    await this.db.delete('entries', id);
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    return (await this.db.get('meta', key))?.value as T | undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.db.put('meta', { key, value });
  }

  async deleteMeta(key: string): Promise<void> {
    await this.db.delete('meta', key);
  }
}

/** The settings kept in the outbox database (the default SyncSettingsSource). */
export function storedSettings(db: OutboxDb) {
  return {
    load: async (): Promise<SyncSettings | null> =>
      (await db.getMeta<SyncSettings>('settings')) ?? null,
    save: (settings: SyncSettings): Promise<void> => db.setMeta('settings', settings),
  };
}
