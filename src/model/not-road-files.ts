/**
 * The files a road-damage model's not-a-road check reads beside its manifest (its statistics,
 * and its network's model.json), as paths inside the model's folder: what a model opened from
 * files must have picked, and kept, for its analysis of a photo. Plain TypeScript.
 */

/** Any base: only the resolution of paths relative to the manifest matters here. */
const FOLDER = 'https://model-folder.invalid/';

/** What a manifest says of a road-damage model's not-a-road check, as far as files go. */
export interface NotRoadFilesOf {
  notRoad?: { statsUrl: string; network?: { modelUrl: string } };
}

/**
 * The not-a-road part of a picked manifest not yet checked (the worker checks the whole of it
 * when the model opens): null where there is none to read.
 */
export function notRoadFilesOf(manifest: unknown): NotRoadFilesOf | null {
  const spec = (manifest as { notRoad?: { statsUrl?: unknown; network?: { modelUrl?: unknown } } })
    ?.notRoad;
  if (!spec || typeof spec.statsUrl !== 'string') return null;
  const modelUrl = spec.network?.modelUrl;
  return {
    notRoad: {
      statsUrl: spec.statsUrl,
      ...(typeof modelUrl === 'string' ? { network: { modelUrl } } : {}),
    },
  };
}

/**
 * The files a road-damage model's not-a-road check reads beside its manifest (its statistics,
 * and its network's model.json): names as picked from the model's folder. Empty for a model
 * without the check.
 */
export function notRoadFileNames(manifest: NotRoadFilesOf): string[] {
  const spec = manifest.notRoad;
  if (!spec) return [];
  return [spec.statsUrl, ...(spec.network ? [spec.network.modelUrl] : [])].map(pathInFolder);
}

/** A path relative to the manifest, as a name picked from its folder ("./a/b" -> "a/b"). */
export function pathInFolder(relative: string): string {
  return decodeURIComponent(new URL(relative, FOLDER).pathname.slice(1));
}

/**
 * Whether the picked (or kept) files hold what the model's analysis of a survey photo reads:
 * always for a model without a not-a-road check; for one with it, its files beside the manifest.
 */
export function hasNotRoadFiles(manifest: unknown, names: readonly string[]): boolean {
  const have = new Set(names);
  const spec = notRoadFilesOf(manifest);
  return !spec || notRoadFileNames(spec).every((n) => have.has(n));
}
