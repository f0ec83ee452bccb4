/**
 * Where things are, for every tool and test: the project's root, and the shared material (data
 * sets and pretrained models, see ../shared/README.md) that sits beside it as `../shared` or
 * wherever ROADCAM_SHARED points. Nothing else in the tools works these out (the server, which
 * never imports the tools, finds its own root).
 *
 * `npm test` must pass without the shared material, so its Vitest config sets
 * ROADCAM_NO_SHARED=1 and any reach for it fails loudly there (and in the commands a test
 * starts); `npm run test:data` is where checks on the full data sets live.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ToolError } from './tool-error';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Set (to anything but "" or "0") while `npm test` runs: the shared material is off limits. */
export const NO_SHARED_ENV = 'ROADCAM_NO_SHARED';

/** A test in `npm test` reached for ../shared: a mistake in the test, not in the data. */
export class SharedMaterialForbiddenError extends Error {
  constructor() {
    super(
      'npm test must not read ../shared (nor ROADCAM_SHARED); use test/fixtures (sources and ' +
        'licences in test/fixtures/NOTICE.md) or make the data in the test. A check that needs ' +
        'the full data sets belongs in test/full-data (npm run test:data).',
    );
    this.name = 'SharedMaterialForbiddenError';
  }
}

export function sharedMaterialForbidden(): boolean {
  const flag = process.env[NO_SHARED_ENV];
  return flag !== undefined && flag !== '' && flag !== '0';
}

/** ROADCAM_SHARED, or ../shared beside the project; whether it exists is the caller's check. */
export function sharedDir(): string {
  if (sharedMaterialForbidden()) throw new SharedMaterialForbiddenError();
  return path.resolve(process.env.ROADCAM_SHARED || path.join(projectRoot, '..', 'shared'));
}

/** A file or folder inside the shared material; says what to do when it is missing. */
export function sharedPath(...parts: string[]): string {
  const p = path.join(sharedDir(), ...parts);
  if (!existsSync(p)) {
    throw new ToolError(
      'missing-folder',
      `The shared RoadCAM material was not found at ${p}. Put it beside the project ` +
        '(../shared) or set ROADCAM_SHARED=/path/to/shared.',
    );
  }
  return p;
}
