/**
 * `npm run server -- model publish DIR [--notes TEXT]`: checks a model folder and makes it the
 * current release the phones are offered (GET /api/v1/models/current).
 *
 * Checks, before anything is stored: manifest.json is a valid RoadCAM manifest with a version
 * usable in a URL and its evaluation figures (`metrics`, written by `npm run eval` / the
 * training); model.json is a TensorFlow.js model whose every weight file is there with exactly
 * the bytes its weights need (float32 / int32: 4 per value, uint8 / bool: 1); a not-a-road
 * statistics file the manifest names is there. The model is not run here (the server loads no
 * tfjs): a model that passes these checks but cannot run is the trainer's to catch.
 * Publishing the same version again with the same files makes it current again; with other
 * files it is refused (a release never changes).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseManifest } from '../../src/model/manifest';
import { RELEASE_FILE_PATTERN, RELEASE_VERSION_PATTERN } from '../../src/schema/model-release';
import type { ModelFileStore, ModelReleaseStore, ReleaseFile } from '../store/model-store';

export class ModelPublishError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelPublishError';
  }
}

interface WeightsGroup {
  paths: string[];
  weights: { shape: number[]; dtype: string }[];
}

const BYTES_PER_VALUE: Record<string, number> = { float32: 4, int32: 4, uint8: 1, bool: 1 };

export interface PublishResult {
  version: string;
  status: 'published' | 'made-current';
  files: ReleaseFile[];
}

/** The files of a model folder to publish, checked; throws ModelPublishError saying what is wrong. */
export function readModelFolder(dir: string): {
  version: string;
  modelId: string;
  manifestJson: string;
  files: Map<string, Buffer>;
} {
  const file = (name: string) => path.join(dir, ...name.split('/'));
  const read = (name: string, what: string): Buffer => {
    if (!RELEASE_FILE_PATTERN.test(name)) {
      throw new ModelPublishError(`${what} "${name}" is not a plain file name inside the folder.`);
    }
    if (!existsSync(file(name)) || !statSync(file(name)).isFile()) {
      throw new ModelPublishError(`${dir} has no ${name} (${what}).`);
    }
    return readFileSync(file(name));
  };
  const manifestBytes = read('manifest.json', 'the manifest');
  let manifest;
  try {
    manifest = parseManifest(JSON.parse(manifestBytes.toString('utf8')));
  } catch (error) {
    throw new ModelPublishError(`${dir}/manifest.json: ${(error as Error).message}`);
  }
  if (!RELEASE_VERSION_PATTERN.test(manifest.version)) {
    throw new ModelPublishError(
      `The manifest's version "${manifest.version}" cannot name a release: use letters, digits, ` +
        "'.', '_', '+' or '-' (such as 1.1.0).",
    );
  }
  if (!('metrics' in manifest) || manifest.metrics === undefined) {
    throw new ModelPublishError(
      'The manifest has no evaluation figures (metrics): evaluate the model first ' +
        '(npm run eval -- --model DIR --data ...), so the office can see what it is worth.',
    );
  }
  const files = new Map<string, Buffer>([['manifest.json', manifestBytes]]);
  // A model.json and the weight files it names, checked against the weights' sizes.
  const readModel = (modelName: string, what: string) => {
    const modelBytes = read(modelName, what);
    files.set(modelName, modelBytes);
    let groups: WeightsGroup[];
    try {
      groups = (JSON.parse(modelBytes.toString('utf8')) as { weightsManifest: WeightsGroup[] })
        .weightsManifest;
      if (!Array.isArray(groups)) throw new Error('no weightsManifest');
    } catch (error) {
      throw new ModelPublishError(
        `${modelName} is not a TensorFlow.js model.json (${(error as Error).message}).`,
      );
    }
    const base = path.posix.dirname(modelName);
    for (const group of groups) {
      let needed = 0;
      for (const w of group.weights) {
        const per = BYTES_PER_VALUE[w.dtype];
        if (per === undefined) {
          throw new ModelPublishError(`${modelName} has a weight of type ${w.dtype}, not checked.`);
        }
        needed += per * w.shape.reduce((a, b) => a * b, 1);
      }
      let have = 0;
      for (const p of group.paths) {
        const name = base === '.' ? p : `${base}/${p}`;
        const bytes = read(name, `a weight file ${modelName} names`);
        files.set(name, bytes);
        have += bytes.length;
      }
      if (have !== needed) {
        throw new ModelPublishError(
          `The weight files ${group.paths.join(', ')} hold ${have} bytes where the model needs ` +
            `${needed}: a file is cut short or from another model.`,
        );
      }
    }
  };
  readModel(manifest.modelUrl, 'the model file the manifest names');
  const notRoad = 'notRoad' in manifest ? manifest.notRoad : undefined;
  if (notRoad) files.set(notRoad.statsUrl, read(notRoad.statsUrl, 'the not-a-road statistics'));
  if (notRoad?.network) readModel(notRoad.network.modelUrl, "the not-a-road check's network");
  return {
    version: manifest.version,
    modelId: manifest.id,
    manifestJson: manifestBytes.toString('utf8'),
    files,
  };
}

export async function publishModel(
  dir: string,
  notes: string,
  stores: { models: ModelReleaseStore; modelFiles: ModelFileStore },
): Promise<PublishResult> {
  const folder = readModelFolder(dir);
  const files: ReleaseFile[] = [...folder.files].map(([filePath, bytes]) => ({
    path: filePath,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
  }));
  const existing = await stores.models.getRelease(folder.version);
  if (existing) {
    const same = JSON.stringify(sortFiles(existing.files)) === JSON.stringify(sortFiles(files));
    if (!same) {
      throw new ModelPublishError(
        `Version ${folder.version} is already published with other files; a release never ` +
          'changes: raise the version in manifest.json and publish again.',
      );
    }
    await stores.models.setCurrent(folder.version);
    return { version: folder.version, status: 'made-current', files };
  }
  // Files first, then the record: a crash in between leaves files nobody is offered.
  await stores.modelFiles.writeRelease(folder.version, folder.files);
  const added = await stores.models.addRelease(
    {
      version: folder.version,
      modelId: folder.modelId,
      manifestJson: folder.manifestJson,
      files,
      notes,
    },
    true,
  );
  if (added.status === 'exists') {
    throw new ModelPublishError(
      `Version ${folder.version} was published by someone else at the same moment; run again.`,
    );
  }
  return { version: folder.version, status: 'published', files };
}

function sortFiles(files: readonly ReleaseFile[]): ReleaseFile[] {
  return [...files]
    .map((f) => ({ path: f.path, sha256: f.sha256, bytes: f.bytes }))
    .sort((a, b) => a.path.localeCompare(b.path));
}
