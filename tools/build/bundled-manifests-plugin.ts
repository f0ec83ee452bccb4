/**
 * `virtual:bundled-manifests`: the app's own models' manifests (public/models/NAME/
 * manifest.json), checked and parsed when the app is built. The analysis worker starts on them
 * without fetching a manifest or loading the schemas (zod) that check one: on a cold start of
 * the installed app that was about 100 ms before the first verdict (docs/BENCHMARKS.md). A
 * bundled manifest that does not parse stops the build, so a broken one never ships. Models
 * installed from the sync server, and any `?model=` URL, are fetched and checked as before.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';
import { parseRuntimeManifest } from '../../src/model/runtime-manifest';

const ID = 'virtual:bundled-manifests';
const RESOLVED_ID = '\0' + ID;

/** Keys: the manifest's path on the site (the build's base + models/NAME/manifest.json). */
export function bundledManifests(
  modelsDir: string,
  base: string,
): Record<string, ReturnType<typeof parseRuntimeManifest>> {
  const manifests: Record<string, ReturnType<typeof parseRuntimeManifest>> = {};
  for (const name of readdirSync(modelsDir).sort()) {
    const file = path.join(modelsDir, name, 'manifest.json');
    if (!existsSync(file)) continue;
    const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
    manifests[`${base}models/${name}/manifest.json`] = parseRuntimeManifest(json, file);
  }
  return manifests;
}

export function bundledManifestsPlugin(): Plugin {
  let modelsDir = '';
  let base = '/';
  return {
    name: 'roadcam:bundled-manifests',
    configResolved(config) {
      modelsDir = path.join(config.publicDir, 'models');
      base = config.base;
    },
    resolveId: (id) => (id === ID ? RESOLVED_ID : undefined),
    load(id) {
      if (id !== RESOLVED_ID) return undefined;
      const manifests = bundledManifests(modelsDir, base);
      for (const key of Object.keys(manifests)) {
        this.addWatchFile(path.join(modelsDir, key.slice(base.length + 'models/'.length)));
      }
      return `export default ${JSON.stringify(manifests)};`;
    },
  };
}
