/**
 * Model release files in the data directory: `models/<version>/<path>`, owner-only like the
 * photos. A release is written into a staging folder beside it (`models/.staging-<random>`),
 * every file fsynced, then renamed into place in one step, so a crash leaves either no release
 * folder or a whole one (staging folders a crash left are removed at the next publish).
 * Versions and paths are checked against the release patterns before any path is built.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { RELEASE_FILE_PATTERN, RELEASE_VERSION_PATTERN } from '../../src/schema/model-release';
import { fsyncDirectory } from './folder-photos';
import type { ModelFileStore } from './model-store';

const STAGING_PREFIX = '.staging-';

export class FolderModelFileStore implements ModelFileStore {
  readonly modelsDir: string;

  constructor(dataDir: string) {
    this.modelsDir = path.join(dataDir, 'models');
  }

  get description(): string {
    return `folder ${this.modelsDir}`;
  }

  private releaseDir(version: string): string {
    if (!RELEASE_VERSION_PATTERN.test(version)) {
      throw new Error(`Refusing to build a model path from the version "${version}"`);
    }
    return path.join(this.modelsDir, version);
  }

  async writeRelease(version: string, files: ReadonlyMap<string, Buffer>): Promise<void> {
    const finalDir = this.releaseDir(version);
    mkdirSync(this.modelsDir, { recursive: true, mode: 0o700 });
    chmodSync(this.modelsDir, 0o700);
    for (const name of readdirSync(this.modelsDir)) {
      if (name.startsWith(STAGING_PREFIX)) {
        rmSync(path.join(this.modelsDir, name), { recursive: true, force: true });
      }
    }
    const staging = path.join(this.modelsDir, `${STAGING_PREFIX}${randomUUID()}`);
    try {
      for (const [filePath, bytes] of files) {
        if (!RELEASE_FILE_PATTERN.test(filePath)) {
          throw new Error(`Refusing the model file path "${filePath}"`);
        }
        const target = path.join(staging, ...filePath.split('/'));
        await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
        const handle = await open(target, 'wx', 0o600);
        try {
          await handle.writeFile(bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fsyncDirectory(path.dirname(target));
      }
      // A folder left by a publish that failed before its release was recorded.
      if (existsSync(finalDir)) await rm(finalDir, { recursive: true, force: true });
      await rename(staging, finalDir);
      await fsyncDirectory(this.modelsDir);
    } catch (error) {
      await rm(staging, { recursive: true, force: true }).catch(() => undefined);
      throw error;
    }
  }

  async readFile(version: string, filePath: string): Promise<Buffer | null> {
    if (!RELEASE_FILE_PATTERN.test(filePath)) return null;
    try {
      return await readFile(path.join(this.releaseDir(version), ...filePath.split('/')));
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw error;
    }
  }
}
