/**
 * Opening an IndexedDB database through a list of migrations, each from `version - 1` to
 * `version`; a browser that skipped versions runs them in order in one upgrade transaction.
 * Shared by the survey database and the lab's.
 */
import {
  openDB,
  type DBSchema,
  type IDBPDatabase,
  type IDBPTransaction,
  type StoreNames,
} from 'idb';
import { toStoreError } from './errors';

export type UpgradeTx<DB extends DBSchema> = IDBPTransaction<DB, StoreNames<DB>[], 'versionchange'>;

export interface DbMigration<DB extends DBSchema> {
  version: number;
  description: string;
  migrate(db: IDBPDatabase<DB>, tx: UpgradeTx<DB>): Promise<void> | void;
}

/**
 * Opens `name` at `version`, running the migrations above the stored version. A failing
 * migration aborts the upgrade (the database stays as it was) and is what the error reports;
 * `action` completes its message ("could not open the survey store").
 */
export async function openMigratedDb<DB extends DBSchema>(
  name: string,
  version: number,
  migrations: readonly DbMigration<DB>[],
  action: string,
  onBlocked?: () => void,
): Promise<IDBPDatabase<DB>> {
  let migrationError: unknown = null;
  try {
    return await openDB<DB>(name, version, {
      async upgrade(db, oldVersion, newVersion, tx) {
        // The upgrade transaction stays open while its requests chain: a migration awaits only
        // IndexedDB requests, never other promises, so it cannot commit half-way.
        try {
          for (const m of migrations) {
            if (m.version > oldVersion && m.version <= (newVersion ?? version)) {
              await m.migrate(db, tx);
            }
          }
        } catch (error) {
          migrationError = error;
          tx.abort();
        }
      },
      blocked() {
        onBlocked?.();
      },
    });
  } catch (error) {
    throw toStoreError(migrationError ?? error, action);
  }
}
