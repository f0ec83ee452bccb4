/**
 * The manifest of one of the app's own models, as the build checked and parsed it
 * (tools/build/bundled-manifests-plugin.ts), or null for any other URL: an installed model, a
 * `?model=` one, another origin's. The precache serves exactly the build's files, so the
 * bundled manifest is the one at that URL.
 */
import manifests, { modelFiles } from 'virtual:bundled-manifests';
import type { ModelManifest } from '../model/manifest';

export function bundledManifest(manifestUrl: string): ModelManifest | null {
  const path = bundledPath(manifestUrl);
  return path === null ? null : (manifests[path] ?? null);
}

/** Every file a bundled model loads (absolute URLs), or null for any other manifest. */
export function bundledModelFiles(manifestUrl: string): string[] | null {
  const path = bundledPath(manifestUrl);
  const files = path === null ? undefined : modelFiles[path];
  return files ? files.map((f) => new URL(f, self.location.href).href) : null;
}

function bundledPath(manifestUrl: string): string | null {
  const url = new URL(manifestUrl, self.location.href);
  return url.origin !== self.location.origin || url.search ? null : url.pathname;
}
