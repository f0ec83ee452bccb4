/**
 * The two storage backends as the contract tests open them: SQLite in a temp data directory,
 * PostgreSQL in a new database of a real server (tools/lib/postgres-cluster.ts) with its
 * photos in the database. `open()` may be called several times on one backend: for PostgreSQL
 * each call is another process's view of the same database (another server).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
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

async function backend(name: Backend['name'], options: StorageOptions): Promise<Backend> {
  const opened: Storage[] = [];
  return {
    name,
    options,
    open: async () => {
      const storage = await openStorage(options);
      opened.push(storage);
      return storage;
    },
    dispose: async () => {
      for (const s of opened) await s.close().catch(() => undefined);
      rmSync(options.dataDir, { recursive: true, force: true });
    },
  };
}

export function sqliteBackend(): Promise<Backend> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-store-'));
  return backend('SQLite', { dataDir, databaseUrl: null, photoStore: 'folder' });
}

export async function postgresBackend(cluster: PostgresCluster): Promise<Backend> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-store-'));
  const databaseUrl = await cluster.createDatabase();
  return backend('PostgreSQL', { dataDir, databaseUrl, photoStore: 'postgres' });
}

/**
 * For a test file: a PostgreSQL server and both backends, made in beforeAll and removed in
 * afterAll. The returned object is filled when the file's tests run.
 */
export function useBothBackends(): { cluster: PostgresCluster; backends: Record<string, Backend> } {
  const both = {
    cluster: undefined as unknown as PostgresCluster,
    backends: {} as Record<string, Backend>,
  };
  beforeAll(async () => {
    both.cluster = await PostgresCluster.start();
    both.backends.SQLite = await sqliteBackend();
    both.backends.PostgreSQL = await postgresBackend(both.cluster);
  });
  afterAll(async () => {
    for (const b of Object.values(both.backends)) await b.dispose();
    await both.cluster?.dispose();
  });
  return both;
}

/** A record as the route hands it to the store: validated, with its canonical JSON. */
export function prepared(raw: unknown): PreparedSurvey {
  const record = surveyRecordSchema.parse(raw);
  const text = canonicalJson(record);
  return { id: record.id, record, canonicalJson: text, contentSha256: sha256Hex(text) };
}
