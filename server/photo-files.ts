/**
 * Photo files in the data directory: `photos/<survey uuid>.jpg`. The name comes from the
 * survey id after schema validation (a lowercase UUID v4), never from anything the client sends
 * as a path. A write is atomic and durable: bytes go to `tmp/`, are fsynced, renamed into
 * `photos/` (same file system, so the rename is atomic) and the directory is fsynced. A crash
 * at any point leaves either no photo or the whole photo, plus at worst a temp file that the
 * next start removes.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, rename, rm, readFile } from 'node:fs/promises';
import path from 'node:path';
import { surveyIdSchema } from '../src/schema/survey';

export class PhotoFiles {
  readonly photosDir: string;
  readonly tmpDir: string;

  constructor(dataDir: string) {
    this.photosDir = path.join(dataDir, 'photos');
    this.tmpDir = path.join(dataDir, 'tmp');
    mkdirSync(this.photosDir, { recursive: true });
    mkdirSync(this.tmpDir, { recursive: true });
  }

  /** Removes temp files a crash left behind. Call once at start, before serving. */
  removeLeftovers(): number {
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
      const file = await open(tmpPath, 'wx', 0o640);
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

  async read(surveyId: string): Promise<Buffer> {
    return readFile(this.pathOf(surveyId));
  }
}

/** Makes a rename durable: the new directory entry reaches the disk. */
async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
