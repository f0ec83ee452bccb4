/**
 * The one reader of a model's files: model.json plus the weight files it lists, wherever they
 * are (files a model builder picked in the lab, a folder on disk for the Node tools), into the
 * artifacts tfjs loads from memory. Every missing weight file is named at once, in the words of
 * the place the files came from. Plain TypeScript: the caller hands over the bytes.
 */
import type { io } from '@tensorflow/tfjs-core';
import { ModelLoadError } from './model-load-error';
import { baseName, parseModelJson, type ModelJson } from './model-json';

/** Where the weight files come from, for the reader and its messages. */
export interface WeightFileSource {
  /** The bytes of a weight file as model.json lists it (a path relative to model.json), or
   * null when it is not there. */
  read(path: string): ArrayBuffer | Uint8Array | null;
  /** How a missing file is said, after "N of them": "was not chosen", "is missing from DIR". */
  absent: { one: string; many: string };
  /** What to do about it: "Choose model.json and all its .bin files together." */
  remedy: string;
}

export function missingWeightsError(
  missing: readonly string[],
  total: number,
  source: Pick<WeightFileSource, 'absent' | 'remedy'>,
): ModelLoadError {
  const shown = missing.slice(0, 3).join(', ');
  return new ModelLoadError(
    'weights-missing',
    `model.json lists ${total} weight file${total === 1 ? '' : 's'}, and ${missing.length} of ` +
      `them ${missing.length === 1 ? source.absent.one : source.absent.many} ` +
      `(${shown}${missing.length > 3 ? ', …' : ''}). ${source.remedy}`,
    missing.join(', '),
  );
}

function bytesOf(data: ArrayBuffer | Uint8Array): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

/**
 * model.json's text and its weight files as tfjs artifacts: the weight files are concatenated
 * in the order model.json lists them (the order tfjs reads the weights in). Throws
 * ModelLoadError when model.json is not a model or weight files are missing.
 */
export function readModelArtifacts(
  modelJsonText: string,
  weights: WeightFileSource,
  fileName = 'model.json',
): io.ModelArtifacts {
  const json: ModelJson = parseModelJson(modelJsonText, fileName);
  const parts: Uint8Array[] = [];
  const weightSpecs: io.WeightsManifestEntry[] = [];
  const missing: string[] = [];
  let total = 0;
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      total++;
      const data = weights.read(p);
      if (data) parts.push(bytesOf(data));
      else missing.push(baseName(p));
    }
    weightSpecs.push(...group.weights);
  }
  if (missing.length) throw missingWeightsError(missing, total, weights);
  const weightData = new Uint8Array(parts.reduce((n, b) => n + b.byteLength, 0));
  let offset = 0;
  for (const b of parts) {
    weightData.set(b, offset);
    offset += b.byteLength;
  }
  return {
    modelTopology: json.modelTopology,
    weightSpecs,
    weightData: weightData.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    signature: json.signature,
    userDefinedMetadata: json.userDefinedMetadata,
    modelInitializer: json.modelInitializer,
  };
}
