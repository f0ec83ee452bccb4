/**
 * The one way tests reach ../shared (photos, MobileNet, data sets). It lives beside the project
 * and is never committed; ROADCAM_SHARED points elsewhere. A missing folder fails the test with
 * a message that says what to do, never skips it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function sharedDir(): string {
  return path.resolve(process.env.ROADCAM_SHARED ?? path.join(projectRoot, '..', 'shared'));
}

export function sharedPath(...parts: string[]): string {
  const p = path.join(sharedDir(), ...parts);
  if (!existsSync(p)) {
    throw new Error(
      `Test data not found: ${p}. These tests need the shared RoadCAM material beside the ` +
        `project (../shared) or at ROADCAM_SHARED=/path/to/shared.`,
    );
  }
  return p;
}

export { projectRoot };
