/**
 * The manifest of one of the app's own models, as the build checked and parsed it
 * (tools/build/bundled-manifests-plugin.ts), or null for any other URL: an installed model, a
 * `?model=` one, another origin's. The precache serves exactly the build's files, so the
 * bundled manifest is the one at that URL.
 */
import manifests from 'virtual:bundled-manifests';
import type { ModelManifest } from '../model/manifest';

export function bundledManifest(manifestUrl: string): ModelManifest | null {
  const url = new URL(manifestUrl, self.location.href);
  if (url.origin !== self.location.origin || url.search) return null;
  return manifests[url.pathname] ?? null;
}
