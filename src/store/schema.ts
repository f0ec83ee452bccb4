/**
 * The IndexedDB schema of the survey store and its migrations. Each migration takes the
 * database from `version - 1` to `version`; a phone that skipped versions runs them in order in
 * one upgrade transaction. Never edit a released migration: add the next one.
 */
import type { DBSchema, IDBPDatabase } from 'idb';
import { openMigratedDb, type DbMigration } from './migrated-db';
import type { SurveyRecord } from './survey-record';
import { typesFoundOf, verdictKeyOf } from './survey-record';

const DB_NAME = 'roadcam';

export interface PhotoRow {
  id: string;
  /** The JPEG as saved (long side at most 1600 px). */
  blob: Blob;
}

export interface RoadcamDB extends DBSchema {
  surveys: {
    key: string;
    value: SurveyRecord;
    indexes: {
      'by-created': string;
      'by-verdict': [string, string];
      'by-sync': [string, string];
      'by-type': string;
    };
  };
  photos: {
    key: string;
    value: PhotoRow;
  };
}

export type Migration = DbMigration<RoadcamDB>;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'surveys (metadata, newest first by createdAt) and photos in separate stores',
    migrate(db) {
      const surveys = db.createObjectStore('surveys', { keyPath: 'id' });
      surveys.createIndex('by-created', 'createdAt');
      db.createObjectStore('photos', { keyPath: 'id' });
    },
  },
  {
    version: 2,
    description:
      'list filters: verdictKey and sync.state indexes (each paired with createdAt for order); ' +
      'records written before get verdictKey and a sync status',
    async migrate(_db, tx) {
      const surveys = tx.objectStore('surveys');
      // Backfill before indexing so that every record appears in the new indexes.
      let cursor = await surveys.openCursor();
      while (cursor) {
        const record = cursor.value as Partial<SurveyRecord> & { id: string };
        const next = {
          ...record,
          verdictKey: record.verdictKey ?? verdictKeyOf(record.verdict ?? null),
          sync: record.sync ?? { state: 'local', attempts: 0 },
        } as SurveyRecord;
        await cursor.update(next);
        cursor = await cursor.continue();
      }
      surveys.createIndex('by-verdict', ['verdictKey', 'createdAt']);
      surveys.createIndex('by-sync', ['sync.state', 'createdAt']);
    },
  },
  {
    version: 3,
    description:
      'records carry a revision (1 when made, +1 at each edit) so that an edit after sync ' +
      'reaches the server as a newer version; records written before get revision 1',
    async migrate(_db, tx) {
      // Revision 1 is right for every earlier record: the app had no sync before this version,
      // so none of them is on a server in another form.
      let cursor = await tx.objectStore('surveys').openCursor();
      while (cursor) {
        const record = cursor.value as Partial<SurveyRecord>;
        if (record.revision === undefined) {
          await cursor.update({ ...cursor.value, revision: 1 });
        }
        cursor = await cursor.continue();
      }
    },
  },
  {
    version: 4,
    description:
      "damage types (issue 10): records may carry `damage` (every type's probability, the " +
      'types found, not-a-road); a multi-entry index on `typesFound` lets the list filter by ' +
      'type; records written before get typesFound from their verdict (pothole -> [pothole])',
    async migrate(_db, tx) {
      const surveys = tx.objectStore('surveys');
      let cursor = await surveys.openCursor();
      while (cursor) {
        const record = cursor.value as Partial<SurveyRecord>;
        if (record.typesFound === undefined) {
          await cursor.update({
            ...cursor.value,
            typesFound: typesFoundOf(record.verdict ?? null, record.damage),
          });
        }
        cursor = await cursor.continue();
      }
      surveys.createIndex('by-type', 'typesFound', { multiEntry: true });
    },
  },
];

export const DB_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export interface OpenOptions {
  name?: string;
  /** Open at an older version (tests of the migrations). */
  version?: number;
  /** Another tab holds an older version open. */
  onBlocked?: () => void;
}

/** Opens (creating or upgrading) the survey database. */
export async function openSurveyDb(options: OpenOptions = {}): Promise<IDBPDatabase<RoadcamDB>> {
  return openMigratedDb(
    options.name ?? DB_NAME,
    options.version ?? DB_VERSION,
    MIGRATIONS,
    'open the survey store',
    options.onBlocked,
  );
}
