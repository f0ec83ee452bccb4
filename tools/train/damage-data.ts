/**
 * The data side of `train road-damage`: read the folders, plan the split (keeping an earlier
 * model's placement, holding out the repository's test photos), and load each split with what
 * its labels say about every output.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DamageTypeName } from '../../src/model/damage-types';
import { NORMALIZE_MINUS_ONE_TO_ONE } from '../../src/model/manifest';
import { DEFAULT_AUGMENT, DEFAULT_BOX_CROPS } from '../data/augment';
import { typeLabels } from '../data/damage-labels';
import type { PasteOptions } from '../data/paste-boxes';
import { ToolError } from '../lib/tool-error';
import { perceptualHashes } from '../data/perceptual-hash';
import { readPhotoFolder, type PhotoFolder } from '../data/photo-folder';
import {
  DEFAULT_SPLIT_OPTIONS,
  planSplit,
  type HashedPhoto,
  type HeldOutPhoto,
  type SplitEntry,
  type SplitOptions,
  type SplitPlan,
} from '../data/split';
import { readSplitPlan, SPLIT_FILE } from '../eval/split-file';
import { readManifest } from '../lib/model-dir';
import type { RoadDamageManifest } from '../../src/model/manifest';
import { DamageExamples } from './damage-examples';

const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/**
 * Every photo under `dir` (recursively), e.g. the repository's test fixtures; pothole masks
 * (a `masks/` folder, or a PNG beside a JPEG of the same name) are not photos.
 */
export function photosUnder(dir: string): string[] {
  if (!existsSync(dir)) {
    throw new ToolError(
      'missing-folder',
      `The folder of photos to hold out, ${dir}, does not exist.`,
    );
  }
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      const ext = path.extname(name).toLowerCase();
      if (statSync(p).isDirectory()) {
        if (name !== 'masks') walk(p);
      } else if (
        PHOTO_EXTENSIONS.has(ext) &&
        !(ext === '.png' && existsSync(p.slice(0, -ext.length) + '.jpg'))
      ) {
        out.push(p);
      }
    }
  };
  walk(dir);
  return out;
}

/** The photos under these folders, by hash, named relative to the working folder. */
export async function heldOutPhotos(dirs: readonly string[]): Promise<HeldOutPhoto[]> {
  const files = dirs.flatMap(photosUnder);
  const hashes = await perceptualHashes(files);
  return files.map((f, i) => ({ id: path.relative(process.cwd(), f), hash: hashes[i] }));
}

export interface DamageData {
  folders: PhotoFolder[];
  plan: SplitPlan;
  photos: Map<string, HashedPhoto>;
  options: SplitOptions;
}

export async function readDamageData(args: {
  data: readonly string[];
  seed: number;
  frameBlock: number;
  splitFrom?: string;
  holdOut: readonly string[];
}): Promise<DamageData> {
  const folders = args.data.map((d) => readPhotoFolder(d));
  const options = { ...DEFAULT_SPLIT_OPTIONS, seed: args.seed, frameBlock: args.frameBlock };
  const previous = args.splitFrom ? readSplitPlan(args.splitFrom) : undefined;
  const heldOut = await heldOutPhotos(args.holdOut);
  const { plan, photos } = await planSplit(folders, options, previous, heldOut);
  return { folders, plan, photos, options };
}

/** Loads a split's photos with their labels for `types`, at the given sizes. */
export async function loadDamageExamples(
  data: DamageData,
  entries: readonly SplitEntry[],
  types: readonly DamageTypeName[],
  sizes: { size: number; storedSize: number },
  boxCrops?: { negativeRate: number },
  paste?: PasteOptions,
): Promise<DamageExamples> {
  const photos = entries.map((e) => data.photos.get(e.id)!);
  const anchor = types.indexOf('pothole');
  return DamageExamples.load(
    photos.map((p) => p.path),
    photos.map((p) => typeLabels(p, types)),
    {
      ...sizes,
      normalization: NORMALIZE_MINUS_ONE_TO_ONE,
      augment: DEFAULT_AUGMENT,
      ...(boxCrops && anchor >= 0
        ? {
            boxCrops: {
              options: { ...DEFAULT_BOX_CROPS, negativeRate: boxCrops.negativeRate },
              anchor,
            },
          }
        : {}),
      ...(paste && paste.rate > 0 && anchor >= 0 ? { paste: { options: paste, anchor } } : {}),
    },
  );
}

/**
 * A trained road-damage model's manifest and the photos of its own split.json (train,
 * validation, test), at its input size, unaugmented: what refitting or comparing its
 * not-a-road statistics reads.
 */
export async function readModelSplit(args: {
  model: string;
  data: string[];
  frameBlock: number;
}): Promise<{
  manifest: RoadDamageManifest;
  load: (part: 'train' | 'validation' | 'test') => Promise<DamageExamples>;
}> {
  const manifest = readManifest(args.model);
  if (manifest.task !== 'road-damage') {
    throw new ToolError('bad-model-folder', `${args.model} is not a road-damage model.`);
  }
  const data = await readDamageData({
    data: args.data,
    seed: manifest.training?.seed ?? 0,
    frameBlock: args.frameBlock,
    splitFrom: path.join(args.model, SPLIT_FILE),
    holdOut: [],
  });
  const sizes = { size: manifest.input.width, storedSize: manifest.input.width };
  const types = manifest.labels as DamageTypeName[];
  return {
    manifest,
    load: (part) => loadDamageExamples(data, data.plan[part], types, sizes),
  };
}
