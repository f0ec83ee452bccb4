/**
 * A model's whole folder opened in the lab (issue: a road-damage model kept from picked files
 * could not re-analyse surveys). The folder `npm run train` wrote, named as the folder picker
 * names its files: the top-level model.json is the model (the not-a-road network's model.json
 * in its sub-folder is not a second model), each weight file is read by its path (both shards
 * share a base name), only the files the model needs are kept, and the kept files serve the
 * not-a-road check as the model's URL would: the same score as the tools' loader.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkPickedFiles,
  filesTheModelNeeds,
  pathInChosenFolder,
  PICKED_FOLDER,
  pickedWeightFiles,
  sortPickedFiles,
  type PickedFile,
} from '../../../src/features/lab/shared/picked-files';
import {
  hasNotRoadFiles,
  notRoadFileNames,
  notRoadFilesOf,
  pathInFolder,
} from '../../../src/model/not-road-files';
import { pickedFilesFetch } from '../../../src/features/lab/worker/lab-models';
import {
  disposeNotRoadScorer,
  notRoadFeatures,
  type NotRoadScorer,
} from '../../../src/model/damage-forward';
import type { RoadDamageManifest } from '../../../src/model/manifest';
import { readModelArtifacts } from '../../../src/model/model-artifacts';
import { imageToModelInput } from '../../../src/model/preprocess';
import { fetchNotRoadScorer } from '../../../src/workers/damage-analysis';
import { readNotRoadStatsFor } from '../../../tools/eval/not-road-score';
import { readImageRgba } from '../../../tools/lib/images';
import { projectRoot } from '../../../tools/lib/paths';
import { useBackend } from '../../../tools/lib/tf-node';
import { ROAD_DAMAGE_DIR, roadDamageManifestWithNetwork } from '../../helpers/road-damage-model';

const MODEL_DIR = ROAD_DAMAGE_DIR;
const CAT_PHOTO = path.join(projectRoot, 'test/fixtures/images/cat.jpg');

/** The folder's files as the folder picker names them (paths inside the folder). */
function folderFiles(dir: string, under = ''): PickedFile[] {
  return readdirSync(path.join(dir, under)).flatMap((name) => {
    const rel = under ? `${under}/${name}` : name;
    return statSync(path.join(dir, rel)).isDirectory()
      ? folderFiles(dir, rel)
      : [{ name: rel, blob: new Blob([readFileSync(path.join(dir, rel))]) }];
  });
}

let manifest: RoadDamageManifest;
const scorers: (NotRoadScorer | undefined)[] = [];

beforeAll(async () => {
  await useBackend('wasm');
  manifest = roadDamageManifestWithNetwork();
});
afterAll(() => scorers.forEach(disposeNotRoadScorer));

describe("a model's folder in the lab", () => {
  it('names a file by its path inside the folder chosen, or by its name when chosen alone', () => {
    expect(
      pathInChosenFolder({
        name: 'model.json',
        webkitRelativePath: 'road-damage/not-road-net/model.json',
      }),
    ).toBe('not-road-net/model.json');
    expect(pathInChosenFolder({ name: 'model.json', webkitRelativePath: '' })).toBe('model.json');
    expect(pathInChosenFolder({ name: 'a.bin' })).toBe('a.bin');
    expect(pathInFolder('./not-road-net/../not-road.bin')).toBe('not-road.bin');
    expect(pathInFolder('not-road-net/model.json')).toBe('not-road-net/model.json');
  });

  it('takes the top-level model.json as the model, and keeps only what the model needs', async () => {
    const files = folderFiles(MODEL_DIR);
    expect(files.map((f) => f.name)).toContain('not-road-net/model.json');
    const { sorted, summary } = await checkPickedFiles(files);
    expect(sorted.modelJson.name).toBe('model.json');
    expect(sorted.manifest?.name).toBe('manifest.json');
    const spec = notRoadFilesOf(JSON.parse(await sorted.manifest!.blob.text()));
    expect(spec).not.toBeNull();
    const needed = (await filesTheModelNeeds(sorted, summary, spec)).map((f) => f.name).sort();
    const network = JSON.parse(
      readFileSync(path.join(MODEL_DIR, manifest.notRoad!.network!.modelUrl), 'utf8'),
    ) as { weightsManifest: { paths: string[] }[] };
    const modelJson = JSON.parse(readFileSync(path.join(MODEL_DIR, 'model.json'), 'utf8')) as {
      weightsManifest: { paths: string[] }[];
    };
    expect(needed).toEqual(
      [
        'model.json',
        ...modelJson.weightsManifest.flatMap((g) => g.paths),
        manifest.notRoad!.statsUrl,
        'not-road-net/model.json',
        ...network.weightsManifest.flatMap((g) => g.paths.map((p) => `not-road-net/${p}`)),
      ].sort(),
    );
    // Its card, training split and pictures are not the model's to keep.
    for (const left of ['MODEL_CARD.md', 'split.json', 'reliability.png'])
      expect(needed).not.toContain(left);
    expect(hasNotRoadFiles(JSON.parse(await sorted.manifest!.blob.text()), needed)).toBe(true);
    expect(
      hasNotRoadFiles(
        JSON.parse(await sorted.manifest!.blob.text()),
        needed.filter((n) => !n.startsWith('not-road-net/')),
      ),
    ).toBe(false);
    expect(hasNotRoadFiles({ task: 'pothole' }, ['model.json'])).toBe(true);
    expect(notRoadFileNames(manifest)).toEqual([
      manifest.notRoad!.statsUrl,
      'not-road-net/model.json',
    ]);
  });

  it("reads each weight file by its path: the network's shard of the same name is not the model's", () => {
    const json = JSON.stringify({
      modelTopology: { node: [] },
      weightsManifest: [
        { paths: ['group1-shard1of1.bin'], weights: [{ name: 'x', shape: [1], dtype: 'float32' }] },
      ],
    });
    const shards = new Map([
      ['not-road-net/group1-shard1of1.bin', new Uint8Array([9, 9, 9, 9]).buffer],
      ['group1-shard1of1.bin', new Uint8Array([1, 2, 3, 4]).buffer],
    ]);
    const artifacts = readModelArtifacts(json, pickedWeightFiles(shards));
    expect(Array.from(new Uint8Array(artifacts.weightData as ArrayBuffer))).toEqual([1, 2, 3, 4]);
    // Files chosen one by one have no folders: a path model.json lists is found by its name.
    const flat = readModelArtifacts(
      json.replace('group1-shard1of1.bin', 'weights/group1-shard1of1.bin'),
      pickedWeightFiles(new Map([['group1-shard1of1.bin', new Uint8Array([5, 6, 7, 8]).buffer]])),
    );
    expect(Array.from(new Uint8Array(flat.weightData as ArrayBuffer))).toEqual([5, 6, 7, 8]);
  });

  it('two model.json files chosen one by one are still two models', () => {
    const file = (name: string) => ({ name, blob: new Blob(['{}']) });
    expect(() => sortPickedFiles([file('model.json'), file('model (1).json')])).toThrow(
      /one model at a time/,
    );
  });

  it("serves the not-a-road check from the kept files: the tools' score of a photo", async () => {
    const files = folderFiles(MODEL_DIR);
    const fetch = pickedFilesFetch(files);
    expect((await fetch(`${PICKED_FOLDER}nothing-here.bin`)).status).toBe(404);
    expect((await fetch('https://elsewhere.test/model.json')).status).toBe(404);
    const kept = await fetchNotRoadScorer(manifest, `${PICKED_FOLDER}manifest.json`, fetch);
    const tools = await readNotRoadStatsFor(MODEL_DIR, manifest);
    scorers.push(kept, tools);
    expect(kept?.threshold).toBe(manifest.notRoad!.threshold);
    const x = imageToModelInput(await readImageRgba(CAT_PHOTO), manifest.input);
    const score = async (s: NotRoadScorer) => s.distance(await notRoadFeatures(s, x));
    const [a, b] = [await score(kept!), await score(tools!)];
    x.dispose();
    expect(a).toBeGreaterThan(0);
    expect(a).toBeCloseTo(b, 5);
  });
});
