/**
 * `virtual:bundled-manifests`: the app's own models' manifests (public/models/NAME/
 * manifest.json), checked and parsed when the app is built. The analysis worker starts on them
 * without fetching a manifest or loading the schemas (zod) that check one: on a cold start of
 * the installed app that was about 100 ms before the first verdict (docs/BENCHMARKS.md). A
 * bundled manifest that does not parse stops the build, so a broken one never ships. Models
 * installed from the sync server, and any `?model=` URL, are fetched and checked as before.
 * With each manifest comes the list of its model's files (`modelFiles`), so that the worker can
 * request them all at once.
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

/**
 * Per bundled manifest (same keys), every file its model loads, as paths on the site: the
 * model.json and its weight shards, and a road-damage model's not-a-road statistics and network
 * (its model.json and shards). The worker requests them all at once instead of one after the
 * other (a model.json names its shards only once it has arrived).
 */
export function bundledModelFiles(modelsDir: string, base: string): Record<string, string[]> {
  const files: Record<string, string[]> = {};
  for (const [key, manifest] of Object.entries(bundledManifests(modelsDir, base))) {
    const dir = path.posix.dirname(key);
    const onSite = (relative: string, from = dir) => path.posix.join(from, relative);
    const onDisk = (site: string) => path.join(modelsDir, site.slice(`${base}models/`.length));
    const layersModel = (modelJson: string): string[] => {
      const json = JSON.parse(readFileSync(onDisk(modelJson), 'utf8')) as {
        weightsManifest?: { paths: string[] }[];
      };
      const shards = (json.weightsManifest ?? []).flatMap((group) => group.paths);
      return [modelJson, ...shards.map((p) => onSite(p, path.posix.dirname(modelJson)))];
    };
    const list = layersModel(onSite(manifest.modelUrl));
    if (manifest.task === 'road-damage' && manifest.notRoad) {
      list.push(onSite(manifest.notRoad.statsUrl));
      if (manifest.notRoad.network)
        list.push(...layersModel(onSite(manifest.notRoad.network.modelUrl)));
    }
    files[key] = list;
  }
  return files;
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
      return (
        `export default ${JSON.stringify(manifests)};\n` +
        `export const modelFiles = ${JSON.stringify(bundledModelFiles(modelsDir, base))};`
      );
    },
  };
}
