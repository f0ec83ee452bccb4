/**
 * The files a model builder picks to open a model: model.json, its weight files, and maybe a
 * RoadCAM manifest.json and a labels file, in any order and from one picker, or a model's whole
 * folder (a road-damage model's not-a-road files included). Sorted here, and checked before
 * anything heavy runs, so that a missing weight file or a stray file gets a message that names
 * it. Plain TypeScript (no tfjs, no DOM): the page and the worker both use it; model.json itself
 * is read by src/model.
 */
import { missingWeightsError, type WeightFileSource } from '../../../model/model-artifacts';
import { ModelLoadError } from '../../../model/model-load-error';
import { baseName, summariseModelJson, type ModelJsonSummary } from '../../../model/model-json';
import { notRoadFileNames, pathInFolder, type NotRoadFilesOf } from '../../../model/not-road-files';

export interface PickedFile {
  /**
   * The file's path inside the folder chosen ("not-road-net/model.json"), or its bare name when
   * files were chosen one by one.
   */
  name: string;
  blob: Blob;
}

export interface SortedModelFiles {
  modelJson: PickedFile;
  /** A RoadCAM manifest.json picked with the model: the form is then not needed. */
  manifest: PickedFile | null;
  /** A labels file (JSON array or one name a line) picked with the model. */
  labels: PickedFile | null;
  /** Every other file: the weight files (checked against model.json). */
  shards: PickedFile[];
}

/**
 * A chosen file's name: its path inside the folder chosen, without that folder's own name
 * ("road-damage/not-road-net/model.json" -> "not-road-net/model.json"), or its bare name when
 * files were chosen one by one.
 */
export function pathInChosenFolder(file: { name: string; webkitRelativePath?: string }): string {
  const relative = file.webkitRelativePath ?? '';
  const slash = relative.indexOf('/');
  return slash > 0 ? relative.slice(slash + 1) : file.name;
}

const LABELS_NAME = /label|class|synset/i;

/** Which picked file is which. Throws ModelLoadError when there is no model.json or two. */
export function sortPickedFiles(files: readonly PickedFile[]): SortedModelFiles {
  const jsons = files.filter((f) => /\.json$/i.test(f.name));
  const anyModelJsons = jsons.filter((f) => /^model.*\.json$/i.test(baseName(f.name)));
  // From a folder, the model is its top-level model.json: one in a sub-folder is a file its
  // manifest names (a road-damage model's not-a-road network).
  const topLevel = anyModelJsons.filter((f) => !isInSubfolder(f.name));
  const modelJsons = topLevel.length ? topLevel : anyModelJsons;
  if (modelJsons.length === 0) {
    throw new ModelLoadError(
      'model-missing',
      files.length === 0
        ? 'No files were chosen. Choose model.json together with its weight files (*.bin).'
        : `None of the ${files.length} chosen files is a model.json. Choose the model.json of a ` +
            'TensorFlow.js model together with its weight files (*.bin).',
      files.map((f) => f.name).join(', '),
    );
  }
  if (modelJsons.length > 1) {
    throw new ModelLoadError(
      'two-models',
      `Choose the files of one model at a time: ${modelJsons.map((f) => f.name).join(' and ')} ` +
        'were both chosen.',
    );
  }
  const modelJson = modelJsons[0];
  const manifest =
    jsons.find((f) => /^manifest\.json$/i.test(f.name)) ??
    jsons.find((f) => /^manifest\.json$/i.test(baseName(f.name))) ??
    null;
  const labels =
    files.find(
      (f) =>
        f !== modelJson &&
        f !== manifest &&
        /\.(json|txt)$/i.test(f.name) &&
        LABELS_NAME.test(baseName(f.name)),
    ) ?? null;
  const shards = files.filter((f) => f !== modelJson && f !== manifest && f !== labels);
  return { modelJson, manifest, labels, shards };
}

/** How the lab says that weight files are missing. */
const NOT_CHOSEN: Pick<WeightFileSource, 'absent' | 'remedy'> = {
  absent: { one: 'was not chosen', many: 'were not chosen' },
  remedy: 'Choose model.json and all its .bin files together.',
};

function isInSubfolder(name: string): boolean {
  return /[\\/]/.test(name);
}

/**
 * The picked file (by the name it was picked under) a top-level model.json lists as `path`: that
 * path, else its base name (files picked one by one lose their folders).
 */
function pickedAt<T>(byName: ReadonlyMap<string, T>, path: string): T | undefined {
  return byName.get(path) ?? byName.get(baseName(path));
}

/** Picked weight files (by the name they were picked under), for the reader in src/model. */
export function pickedWeightFiles(shards: ReadonlyMap<string, ArrayBuffer>): WeightFileSource {
  return { read: (p) => pickedAt(shards, p) ?? null, ...NOT_CHOSEN };
}

/** The weight files model.json lists that were not picked (looked up as the reader does). */
export function missingWeightFiles(
  summary: ModelJsonSummary,
  shards: readonly PickedFile[],
): string[] {
  const byName = new Map(shards.map((f) => [f.name, f]));
  return summary.weightFiles.filter((p) => !pickedAt(byName, p));
}

/** The base the picked files are read from as URLs (the worker's loaders take URLs). */
export const PICKED_FOLDER = 'https://picked-files.invalid/';

/**
 * The picked files sorted, model.json read and every weight file it lists present: what the
 * page checks before it asks anything or starts the worker. Throws ModelLoadError.
 */
export async function checkPickedFiles(
  files: readonly PickedFile[],
): Promise<{ sorted: SortedModelFiles; summary: ModelJsonSummary }> {
  const sorted = sortPickedFiles(files);
  const summary = summariseModelJson(await sorted.modelJson.blob.text(), sorted.modelJson.name);
  const missing = missingWeightFiles(summary, sorted.shards);
  if (missing.length) {
    throw missingWeightsError(missing, summary.weightFiles.length, NOT_CHOSEN);
  }
  return { sorted, summary };
}

/**
 * What of the picked files the model needs, to open and to keep: model.json and the weight files
 * it lists, and, for a road-damage model's manifest, the not-a-road files it names (a network's
 * model.json with its weight files). The rest of a model's folder (its card, its training split,
 * pictures) is left out; a not-a-road file that was not picked is left to the analysis to report.
 */
export async function filesTheModelNeeds(
  sorted: SortedModelFiles,
  summary: ModelJsonSummary,
  manifest: NotRoadFilesOf | null,
): Promise<PickedFile[]> {
  const byName = new Map(sorted.shards.map((f) => [f.name, f]));
  const weights = (listed: readonly string[], folder: string) =>
    listed.flatMap((p) => {
      // A sub-folder's files came with their folder: only the path they are listed at counts.
      const f = folder ? byName.get(pathInFolder(folder + p)) : pickedAt(byName, pathInFolder(p));
      return f ? [f] : [];
    });
  const needed = [sorted.modelJson, ...weights(summary.weightFiles, '')];
  for (const name of manifest ? notRoadFileNames(manifest) : []) {
    const f = byName.get(name);
    if (!f) continue;
    needed.push(f);
    if (/\.json$/i.test(name)) {
      const network = summariseModelJson(await f.blob.text(), name);
      needed.push(...weights(network.weightFiles, name.slice(0, name.lastIndexOf('/') + 1)));
    }
  }
  return [...new Set(needed)];
}
