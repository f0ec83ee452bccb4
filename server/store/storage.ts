/**
 * Everything the server keeps, behind interfaces: surveys, tokens, photos, reviews. One function
 * picks the database (SQLite in the data directory by default; PostgreSQL with DATABASE_URL)
 * and the photo store (the data directory's folder, or the PostgreSQL table), migrates the
 * schema and hands the routes the interfaces. A later record type (runs, reviews, model
 * releases) adds its interface here and an implementation in sqlite/ and postgres/.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { FolderModelFileStore } from './folder-model-files';
import { FolderPhotoStore } from './folder-photos';
import type { ModelFileStore, ModelReleaseStore } from './model-store';
import type { PhotoStore } from './photo-store';
import { PgDatabase } from './postgres/pg-database';
import { migratePostgres } from './postgres/pg-migrate';
import { PgModelFileStore } from './postgres/pg-model-files';
import { PgModelReleaseStore } from './postgres/pg-models';
import { PgPhotoStore } from './postgres/pg-photos';
import { PgRoadNetworkStore } from './postgres/pg-road-networks';
import { PgRunStore } from './postgres/pg-runs';
import { PgReviewStore } from './postgres/pg-reviews';
import { PgSurveyStore } from './postgres/pg-surveys';
import { PgTokenStore } from './postgres/pg-tokens';
import type { ReviewStore } from './review-store';
import { SqliteChangeClock } from './sqlite/sqlite-change-clock';
import { openSqliteDatabase } from './sqlite/sqlite-database';
import { SqliteRoadNetworkStore } from './sqlite/sqlite-road-networks';
import { SqliteRunStore } from './sqlite/sqlite-runs';
import { SqliteModelReleaseStore } from './sqlite/sqlite-models';
import { SqliteReviewStore } from './sqlite/sqlite-reviews';
import { SqliteSurveyStore } from './sqlite/sqlite-surveys';
import { SqliteTokenStore } from './sqlite/sqlite-tokens';
import type { RoadNetworkStore } from './road-network-store';
import type { RunStore } from './run-store';
import type { SurveyStore, TokenStore } from './survey-store';

export const DATABASE_FILE_NAME = 'roadcam.sqlite';

export type PhotoStoreKind = 'folder' | 'postgres';

export interface StorageOptions {
  /** Database file (SQLite) and photo folder; created owner-only (0700). */
  dataDir: string;
  /** postgres://user:password@host:port/database, or null for the embedded SQLite file. */
  databaseUrl: string | null;
  photoStore: PhotoStoreKind;
  /** PostgreSQL connections of this process. */
  poolSize?: number;
  /** Where problems that do not belong to a request go (a broken idle connection). */
  warn?: (message: string, error: Error) => void;
}

export interface Storage {
  /** For the start-up line: which database and photo store, never a password. */
  readonly description: string;
  readonly surveys: SurveyStore;
  /** Drive runs (issue 13). */
  readonly runs: RunStore;
  /** The office's road network (issue 12): the exports' road and chainage. */
  readonly roads: RoadNetworkStore;
  readonly tokens: TokenStore;
  readonly photos: PhotoStore;
  /** The office's reviews and their audit trail (issue 11). */
  readonly reviews: ReviewStore;
  /** Published models (records) and their files (beside the photos). */
  readonly models: ModelReleaseStore;
  readonly modelFiles: ModelFileStore;
  /** Resolves when the database answers a query; rejects with its error otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class StorageConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageConfigError';
  }
}

/** The data directory, owner-only even when it existed with looser permissions. */
export function prepareDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
}

export async function openStorage(options: StorageOptions): Promise<Storage> {
  if (options.databaseUrl === null) {
    if (options.photoStore === 'postgres') {
      throw new StorageConfigError(
        'ROADCAM_PHOTO_STORE=postgres needs a PostgreSQL database: set DATABASE_URL too.',
      );
    }
    prepareDataDir(options.dataDir);
    const file = path.join(options.dataDir, DATABASE_FILE_NAME);
    const db = openSqliteDatabase(file);
    const photos = new FolderPhotoStore(options.dataDir);
    // Surveys and reviews share one change clock, so "changed since" means the same for both.
    const clock = new SqliteChangeClock(db);
    return {
      description: `SQLite ${file}; photos: ${photos.description}`,
      surveys: new SqliteSurveyStore(db, Date.now, clock),
      runs: new SqliteRunStore(db),
      roads: new SqliteRoadNetworkStore(db),
      tokens: new SqliteTokenStore(db),
      photos,
      reviews: new SqliteReviewStore(db, Date.now, clock),
      models: new SqliteModelReleaseStore(db),
      modelFiles: new FolderModelFileStore(options.dataDir),
      ping: async () => {
        db.prepare('SELECT 1').get();
      },
      close: async () => {
        if (db.open) db.close();
      },
    };
  }

  const db = new PgDatabase({
    url: options.databaseUrl,
    poolSize: options.poolSize,
    onIdleError: (error) => options.warn?.('a PostgreSQL connection broke', error),
  });
  try {
    await migratePostgres(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  let photos: PhotoStore;
  if (options.photoStore === 'postgres') {
    photos = new PgPhotoStore(db);
  } else {
    prepareDataDir(options.dataDir);
    photos = new FolderPhotoStore(options.dataDir);
  }
  return {
    description: `PostgreSQL ${db.where}; photos: ${photos.description}`,
    surveys: new PgSurveyStore(db),
    runs: new PgRunStore(db),
    roads: new PgRoadNetworkStore(db),
    tokens: new PgTokenStore(db),
    photos,
    reviews: new PgReviewStore(db),
    models: new PgModelReleaseStore(db),
    modelFiles:
      options.photoStore === 'postgres'
        ? new PgModelFileStore(db)
        : new FolderModelFileStore(options.dataDir),
    ping: async () => {
      await db.query('SELECT 1');
    },
    close: () => db.close(),
  };
}
