/**
 * The app's own models' manifests as the build gives them to the analysis worker
 * (tools/build/bundled-manifests-plugin.ts): every field the app runs on, as the full parser
 * reads it, without the training and metrics records; and a bundled manifest that does not
 * parse stops the build, naming its file and field.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/model/manifest';
import { ModelLoadError } from '../../src/model/model-load-error';
import { parseRuntimeManifest } from '../../src/model/runtime-manifest';
import { bundledManifests, bundledModelFiles } from '../../tools/build/bundled-manifests-plugin';
import { projectRoot } from '../../tools/lib/paths';

const MODELS = path.join(projectRoot, 'public', 'models');
const readJson = (name: string) =>
  JSON.parse(readFileSync(path.join(MODELS, name, 'manifest.json'), 'utf8')) as Record<
    string,
    unknown
  >;
const temp: string[] = [];
afterAll(() => temp.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('the manifests bundled with the analysis worker', () => {
  it('hold every shipped model under its URL, as the full parser reads it, records left out', () => {
    const bundled = bundledManifests(MODELS, '/');
    expect(Object.keys(bundled).sort()).toEqual([
      '/models/mnist/manifest.json',
      '/models/pothole/manifest.json',
      '/models/road-damage/manifest.json',
    ]);
    for (const name of ['mnist', 'pothole', 'road-damage']) {
      const runtime = bundled[`/models/${name}/manifest.json`];
      const { training, metrics, ...rest } = parseManifest(readJson(name));
      expect(training ?? metrics).toBeDefined();
      expect(runtime).toEqual(rest);
      expect(runtime).not.toHaveProperty('metrics');
      expect(runtime).not.toHaveProperty('training');
    }
    const damage = bundled['/models/road-damage/manifest.json'];
    if (damage.task !== 'road-damage') throw new Error('expected the road-damage task');
    expect(damage.types.map((t) => t.name)).toContain('pothole');
    expect(damage.notRoad?.network?.modelUrl).toBeTruthy();
  });

  it('list every file each model loads, so the worker can ask for them at once', () => {
    const files = bundledModelFiles(MODELS, '/app/');
    expect(files['/app/models/road-damage/manifest.json']).toEqual([
      '/app/models/road-damage/model.json',
      '/app/models/road-damage/group1-shard1of1.bin',
      '/app/models/road-damage/not-road.bin',
      '/app/models/road-damage/not-road-net/model.json',
      '/app/models/road-damage/not-road-net/group1-shard1of1.bin',
    ]);
    expect(files['/app/models/pothole/manifest.json'][0]).toBe('/app/models/pothole/model.json');
    for (const list of Object.values(files)) {
      for (const file of list) {
        expect(existsSync(path.join(MODELS, file.slice('/app/models/'.length))), file).toBe(true);
      }
    }
  });

  it('follow the build base', () => {
    expect(Object.keys(bundledManifests(MODELS, '/app/'))).toContain(
      '/app/models/road-damage/manifest.json',
    );
  });

  it('stop the build on a manifest that does not parse, naming the file and the field', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-bundled-'));
    temp.push(dir);
    cpSync(path.join(MODELS, 'pothole', 'manifest.json'), path.join(dir, 'p', 'manifest.json'), {
      recursive: true,
    });
    const json = readJson('pothole');
    delete (json.input as Record<string, unknown>).width;
    writeFileSync(path.join(dir, 'p', 'manifest.json'), JSON.stringify(json));
    let error: unknown;
    try {
      bundledManifests(dir, '/');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toContain(path.join(dir, 'p', 'manifest.json'));
    expect((error as Error).message).toContain('input.width');
  });
});

describe('the dev server', () => {
  it('serves the bundled manifests to the worker (npm run dev)', async () => {
    const server = await createServer({
      configFile: path.join(projectRoot, 'vite.config.ts'),
      server: { middlewareMode: true, hmr: false },
      logLevel: 'silent',
    });
    try {
      const worker = await server.transformRequest('/src/workers/bundled-manifest.ts');
      const id = /from\s*"([^"]*bundled-manifests[^"]*)"/.exec(worker!.code)?.[1];
      expect(id).toBeDefined();
      // The browser's URL for the virtual module: /@id/ and \0 spelled __x00__.
      const virtual = await server.transformRequest(
        id!.replace(/^\/@id\//, '').replace('__x00__', '\0'),
      );
      expect(virtual!.code).toContain('/models/road-damage/manifest.json');
      expect(virtual!.code).not.toContain('"metrics"');
    } finally {
      await server.close();
    }
  });
});

describe('the runtime manifest', () => {
  it('rejects what the full manifest rejects in the fields the app runs on', () => {
    const json = readJson('road-damage');
    (json.types as Record<string, unknown>[])[0].threshold = 'high';
    expect(() => parseRuntimeManifest(json)).toThrow(/types\.0\.threshold/);
    expect(() => parseManifest(json)).toThrow(/types\.0\.threshold/);
  });
});
