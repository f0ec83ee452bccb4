/**
 * A sync server on SQLite backed up and restored as docs/SYNC.md and docs/DEPLOY.md say: the
 * backup is SQLite's online backup (what `sqlite3 roadcam.sqlite ".backup FILE"` does, while the
 * server runs) plus a copy of the photos folder; the restore stops the server, puts the backup in
 * place of its database (no WAL or shared-memory file left beside it) and photos, and starts it
 * again on the same data directory and port.
 */
import Database from 'better-sqlite3';
import { copyFileSync, cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DATABASE_FILE_NAME } from '../../server/store/storage';
import type { ServerProcess } from '../../tools/lib/server-process';

/** Backs up the running server's data into `dir` (an earlier backup there is replaced). */
export async function backUpSqliteServer(server: ServerProcess, dir: string): Promise<void> {
  const live = new Database(path.join(server.dataDir, DATABASE_FILE_NAME));
  try {
    await live.backup(path.join(dir, DATABASE_FILE_NAME));
  } finally {
    live.close();
  }
  rmSync(path.join(dir, 'photos'), { recursive: true, force: true });
  cpSync(path.join(server.dataDir, 'photos'), path.join(dir, 'photos'), { recursive: true });
}

/** Stops the server, puts the backup in `dir` in place of its data, starts it again. */
export async function restoreSqliteServer(server: ServerProcess, dir: string): Promise<void> {
  await server.kill('SIGTERM');
  const data = server.dataDir;
  for (const suffix of ['', '-wal', '-shm']) {
    rmSync(path.join(data, DATABASE_FILE_NAME + suffix), { force: true });
  }
  copyFileSync(path.join(dir, DATABASE_FILE_NAME), path.join(data, DATABASE_FILE_NAME));
  rmSync(path.join(data, 'photos'), { recursive: true, force: true });
  cpSync(path.join(dir, 'photos'), path.join(data, 'photos'), { recursive: true });
  await server.restart();
}
