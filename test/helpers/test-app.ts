/**
 * The app as the browser tests serve it: the production build (tools/lib/preview-server.ts)
 * plus the small test models of test-model.ts under /test-models/, so a test can open the tiny
 * or the broken model by URL.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  buildApp,
  POTHOLE_MODEL_FILE,
  runInProject,
  startPreview,
  type ExtraModels,
  type Preview,
  type PreviewOptions,
} from '../../tools/lib/preview-server';
import { removeProfile, type LaunchedProfile } from '../../tools/lib/chromium';
import { projectRoot } from '../../tools/lib/paths';

export const TINY_MODEL_URL = '/test-models/tiny/manifest.json';
export const BROKEN_MODEL_URL = '/test-models/broken/manifest.json';
/** The road-damage model with photo-quality thresholds of its own (test-model.ts). */
export const STRICT_QUALITY_MODEL_URL = '/test-models/strict-quality/manifest.json';

const TEST_MODEL_SCRIPT = 'test/helpers/test-model.ts';

const TEST_MODELS: ExtraModels = {
  variant: 'test',
  inputs: [TEST_MODEL_SCRIPT],
  // Its own process: building them loads tfjs-layers, which the test process may not want.
  make: (dir) =>
    runInProject(process.execPath, [
      path.join(projectRoot, 'node_modules/tsx/dist/cli.mjs'),
      TEST_MODEL_SCRIPT,
      dir,
    ]),
};

export const POTHOLE_MODEL_URL = '/models/pothole/manifest.json';
export const ROAD_DAMAGE_MODEL_URL = '/models/road-damage/manifest.json';

/**
 * The model the app's general browser tests drive: the trained pothole model when it is in the
 * repo (their checks read its pothole / good road verdict), else the tiny test model (plumbing
 * only). The road-damage tests (test/browser/road-damage.test.ts) open the app's default model.
 */
export function testModelUrl(): string {
  return existsSync(POTHOLE_MODEL_FILE) ? POTHOLE_MODEL_URL : TINY_MODEL_URL;
}

/** Builds the app with the test models (once per source state); returns its dist folder. */
export function buildTestApp(): Promise<string> {
  return buildApp({ extraModels: TEST_MODELS });
}

/** Serves the app with the test models (the given dist, or buildTestApp()'s). */
export async function startTestApp(options: PreviewOptions = {}): Promise<Preview> {
  return startPreview({ ...options, dist: options.dist ?? (await buildTestApp()) });
}

/**
 * A browser test's teardown: closes the browser, removes its profile and stops the app (either
 * may be missing when the set-up failed half-way).
 */
export async function closeAppAndBrowser(
  browser: LaunchedProfile | undefined,
  preview: Preview | undefined,
): Promise<void> {
  await browser?.close();
  if (browser) removeProfile(browser.userDataDir);
  await preview?.close();
}
