/**
 * The two storage backends as the contract tests open them: SQLite in a temp data directory,
 * PostgreSQL in a new database of a real server (tools/lib/postgres-cluster.ts) with its
 * photos in the database. `open()` may be called several times on one backend: for PostgreSQL
 * each call is another process's view of the same database (another server).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { surveyRecordSchema } from '../../../src/schema/survey';
import { canonicalJson, sha256Hex } from '../../../server/canonical-json';
import { openStorage, type Storage, type StorageOptions } from '../../../server/store/storage';
import type { PreparedSurvey } from '../../../server/store/survey-store';
import { PostgresCluster } from '../../../tools/lib/postgres-cluster';

export interface Backend {
  name: 'SQLite' | 'PostgreSQL';
  options: StorageOptions;
  open(): Promise<Storage>;
  dispose(): Promise<void>;
}

export async function sqliteBackend(): Promise<Backend> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-store-'));
  const options: StorageOptions = { dataDir, databaseUrl: null, photoStore: 'folder' };
  const opened: Storage[] = [];
  return {
    name: 'SQLite',
    options,
    open: async () => {
      const storage = await openStorage(options);
      opened.push(storage);
      return storage;
    },
    dispose: async () => {
      for (const s of opened) await s.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function postgresBackend(cluster: PostgresCluster): Promise<Backend> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-store-'));
  const options: StorageOptions = {
    dataDir,
    databaseUrl: await cluster.createDatabase(),
    photoStore: 'postgres',
  };
  const opened: Storage[] = [];
  return {
    name: 'PostgreSQL',
    options,
    open: async () => {
      const storage = await openStorage(options);
      opened.push(storage);
      return storage;
    },
    dispose: async () => {
      for (const s of opened) await s.close().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A record as the route hands it to the store: validated, with its canonical JSON. */
export function prepared(raw: unknown): PreparedSurvey {
  const record = surveyRecordSchema.parse(raw);
  const text = canonicalJson(record);
  return { id: record.id, record, canonicalJson: text, contentSha256: sha256Hex(text) };
}
