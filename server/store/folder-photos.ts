/**
 * The default photo store: files in the data directory, `photos/<survey uuid>.jpg`. The name comes from the
 * survey id after schema validation (a lowercase UUID v4), never from anything the client sends
 * as a path. A write is atomic and durable: bytes go to `tmp/`, are fsynced, renamed into
 * `photos/` (same file system, so the rename is atomic) and the directory is fsynced. A crash
 * at any point leaves either no photo or the whole photo, plus at worst a temp file that the
 * next start removes. Folders are owner-only (0700), files 0600. Several servers can share it
 * only through a shared file system (NFS); see docs/SYNC.md for the PostgreSQL table instead.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { surveyIdSchema } from '../../src/schema/survey';
import type { PhotoStore } from './photo-store';

export class FolderPhotoStore implements PhotoStore {
  readonly photosDir: string;
  readonly tmpDir: string;

  constructor(dataDir: string) {
    this.photosDir = path.join(dataDir, 'photos');
    this.tmpDir = path.join(dataDir, 'tmp');
    for (const dir of [this.photosDir, this.tmpDir]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
    }
  }

  get description(): string {
    return `folder ${this.photosDir}`;
  }

  /** Removes temp files a crash left behind. Call once at start, before serving. */
  async removeLeftovers(): Promise<number> {
    const names = readdirSync(this.tmpDir);
    for (const name of names) rmSync(path.join(this.tmpDir, name), { force: true });
    return names.length;
  }

  pathOf(surveyId: string): string {
    // Defence in depth: routes validate ids already; a path must never come from elsewhere.
    if (!surveyIdSchema.safeParse(surveyId).success) {
      throw new Error(`Refusing to build a photo path from a non-UUID id: ${surveyId}`);
    }
    return path.join(this.photosDir, `${surveyId}.jpg`);
  }

  async write(surveyId: string, bytes: Uint8Array): Promise<void> {
    const finalPath = this.pathOf(surveyId);
    const tmpPath = path.join(this.tmpDir, `${surveyId}.${randomUUID()}.part`);
    try {
      const file = await open(tmpPath, 'wx', 0o600);
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmpPath, finalPath);
    } catch (error) {
      await rm(tmpPath, { force: true }).catch(() => undefined);
      throw error;
    }
    await fsyncDirectory(this.photosDir);
  }

  async read(surveyId: string): Promise<Buffer | null> {
    try {
      return await readFile(this.pathOf(surveyId));
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return null;
      throw error;
    }
  }
}

/** Makes a rename durable: the new directory entry reaches the disk. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
