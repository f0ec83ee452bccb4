/**
 * The files a model builder picks to open a model: model.json, its weight files, and maybe a
 * RoadCAM manifest.json and a labels file, in any order and from one picker. Sorted here, and
 * checked before anything heavy runs, so that a missing weight file or a stray file gets a
 * message that names it. Plain TypeScript (no tfjs, no DOM): the page and the worker both use
 * it; model.json itself is read by src/model.
 */
import { missingWeightsError, type WeightFileSource } from '../../../model/model-artifacts';
import { ModelLoadError } from '../../../model/model-load-error';
import { baseName, summariseModelJson, type ModelJsonSummary } from '../../../model/model-json';

export interface PickedFile {
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

const LABELS_NAME = /label|class|synset/i;

/** Which picked file is which. Throws ModelLoadError when there is no model.json or two. */
export function sortPickedFiles(files: readonly PickedFile[]): SortedModelFiles {
  const jsons = files.filter((f) => /\.json$/i.test(f.name));
  const modelJsons = jsons.filter((f) => /^model.*\.json$/i.test(baseName(f.name)));
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
  const manifest = jsons.find((f) => /^manifest\.json$/i.test(baseName(f.name))) ?? null;
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

/** Picked weight files by base name, for the reader in src/model. */
export function pickedWeightFiles(shards: ReadonlyMap<string, ArrayBuffer>): WeightFileSource {
  return { read: (p) => shards.get(baseName(p)) ?? null, ...NOT_CHOSEN };
}

/** The weight files model.json lists that were not picked. */
export function missingWeightFiles(
  summary: ModelJsonSummary,
  shards: readonly PickedFile[],
): string[] {
  const have = new Set(shards.map((f) => baseName(f.name)));
  return summary.weightFiles.filter((p) => !have.has(p));
}

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
