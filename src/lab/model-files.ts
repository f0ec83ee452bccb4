/**
 * The files a model builder picks to open a model: model.json, its weight shards, and maybe a
 * RoadCAM manifest.json and a labels file, in any order and from one picker. Sorted here, and
 * checked before anything heavy runs, so that a missing shard or a stray file gets a message
 * that names it. Plain TypeScript (no tfjs, no DOM): the page and the worker both use it.
 */
import type { io } from '@tensorflow/tfjs-core';

export type LabFileErrorCode =
  | 'no-model-json'
  | 'two-model-json'
  | 'not-json'
  | 'not-a-model'
  | 'missing-shards'
  | 'bad-labels'
  | 'bad-answer';

/** A problem with the picked files or the form: `message` for the model builder. */
export class LabFileError extends Error {
  readonly code: LabFileErrorCode;
  readonly detail?: string;
  constructor(code: LabFileErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'LabFileError';
    this.code = code;
    this.detail = detail;
  }
}

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
  /** Every other file: the weight shards (checked against model.json later). */
  shards: PickedFile[];
}

/** The last path component: browsers give bare names, kept blobs may carry a folder. */
export function baseName(name: string): string {
  return name.split(/[\\/]/).pop() ?? name;
}

const LABELS_NAME = /label|class|synset/i;

/** Which picked file is which. Throws LabFileError when there is no model.json or two. */
export function sortPickedFiles(files: readonly PickedFile[]): SortedModelFiles {
  const jsons = files.filter((f) => /\.json$/i.test(f.name));
  const modelJsons = jsons.filter((f) => /^model.*\.json$/i.test(baseName(f.name)));
  if (modelJsons.length === 0) {
    throw new LabFileError(
      'no-model-json',
      files.length === 0
        ? 'No files were chosen. Choose model.json together with its weight files (*.bin).'
        : `None of the ${files.length} chosen files is a model.json. Choose the model.json of a ` +
            'TensorFlow.js model together with its weight files (*.bin).',
      files.map((f) => f.name).join(', '),
    );
  }
  if (modelJsons.length > 1) {
    throw new LabFileError(
      'two-model-json',
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

/** What model.json says before the model is built: enough to fill the manifest form. */
export interface ModelJsonSummary {
  format: 'layers' | 'graph';
  /** [height, width, channels] of one example; null where the model leaves it open. */
  inputShape: [number | null, number | null, number | null] | null;
  /** Graph models: the placeholders (input nodes). */
  inputNodes: string[];
  /** Weight files model.json lists, as base names. */
  weightFiles: string[];
}

type Json = Record<string, unknown>;

function asObject(v: unknown): Json | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
}

function dims(shape: unknown): [number | null, number | null, number | null] | null {
  if (!Array.isArray(shape) || shape.length !== 4) return null;
  const d = shape.slice(1).map((v) => (typeof v === 'number' && v > 0 ? v : null));
  return [d[0], d[1], d[2]];
}

function layersInputShape(topology: Json): ModelJsonSummary['inputShape'] {
  const model = asObject(topology.model_config) ?? topology;
  const config = asObject(model.config);
  const layers = Array.isArray(config?.layers) ? (config!.layers as unknown[]) : [];
  for (const l of layers) {
    const lc = asObject(asObject(l)?.config);
    const shape = lc?.batch_input_shape ?? lc?.batch_shape;
    if (shape) return dims(shape);
  }
  return null;
}

function graphInputs(topology: Json): { nodes: string[]; shape: ModelJsonSummary['inputShape'] } {
  const nodes = (topology.node as unknown[]).map(asObject).filter((n) => n?.op === 'Placeholder');
  let shape: ModelJsonSummary['inputShape'] = null;
  for (const n of nodes) {
    const attr = asObject(n!.attr);
    const dim = asObject(asObject(attr?.shape)?.shape)?.dim;
    if (Array.isArray(dim) && dim.length === 4) {
      shape = dims(dim.map((d) => Number(asObject(d)?.size ?? -1)));
      break;
    }
  }
  return { nodes: nodes.map((n) => String(n!.name)), shape };
}

/** Reads model.json's text. Throws LabFileError when it is not a TensorFlow.js model. */
export function summariseModelJson(text: string, fileName = 'model.json'): ModelJsonSummary {
  let json: Json | null;
  try {
    json = asObject(JSON.parse(text));
  } catch (e) {
    throw new LabFileError(
      'not-json',
      `${fileName} is not valid JSON: the file is damaged or cut short. Copy it again.`,
      String(e),
    );
  }
  const topology = asObject(json?.modelTopology);
  const manifest = json?.weightsManifest;
  if (!topology || !Array.isArray(manifest)) {
    throw new LabFileError(
      'not-a-model',
      `${fileName} is not a TensorFlow.js model (it has no modelTopology and weightsManifest). ` +
        'Convert the Keras or SavedModel with tensorflowjs_converter first.',
    );
  }
  const weightFiles = manifest.flatMap((group) => {
    const paths = asObject(group)?.paths;
    return Array.isArray(paths) ? paths.map((p) => baseName(String(p))) : [];
  });
  if (Array.isArray(topology.node)) {
    const { nodes, shape } = graphInputs(topology);
    return { format: 'graph', inputShape: shape, inputNodes: nodes, weightFiles };
  }
  if ('class_name' in topology || 'model_config' in topology || 'config' in topology) {
    return {
      format: 'layers',
      inputShape: layersInputShape(topology),
      inputNodes: [],
      weightFiles,
    };
  }
  throw new LabFileError(
    'not-a-model',
    `${fileName} holds neither a Keras (layers) model nor a TensorFlow graph.`,
  );
}

/** The weight files model.json lists that were not picked. */
export function missingWeightFiles(
  summary: ModelJsonSummary,
  shards: readonly PickedFile[],
): string[] {
  const have = new Set(shards.map((f) => baseName(f.name)));
  return summary.weightFiles.filter((p) => !have.has(p));
}

export function missingShardsError(missing: readonly string[], total: number): LabFileError {
  const shown = missing.slice(0, 3).join(', ');
  return new LabFileError(
    'missing-shards',
    `model.json lists ${total} weight file${total === 1 ? '' : 's'}, and ${missing.length} of ` +
      `them ${missing.length === 1 ? 'was' : 'were'} not chosen (${shown}${missing.length > 3 ? ', …' : ''}). ` +
      'Choose model.json and all its .bin files together.',
    missing.join(', '),
  );
}

/**
 * Class names from a labels file: a JSON array (["tench", ...]), a JSON object of index to name
 * ({"0": "tench"} or Keras' {"0": ["n01440764", "tench"]}), or plain text with one name a line.
 */
export function parseLabels(text: string, fileName = 'labels'): string[] {
  const trimmed = text.trim();
  if (trimmed === '') {
    throw new LabFileError('bad-labels', `The labels file ${fileName} is empty.`);
  }
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (e) {
      throw new LabFileError(
        'bad-labels',
        `The labels file ${fileName} looks like JSON but cannot be read: ${(e as Error).message}`,
      );
    }
    const name = (v: unknown): string | null =>
      typeof v === 'string'
        ? v
        : Array.isArray(v) && typeof v[v.length - 1] === 'string'
          ? String(v[v.length - 1])
          : null;
    if (Array.isArray(json)) {
      const names = json.map(name);
      if (names.every((n): n is string => n !== null)) return names;
    } else {
      const entries = Object.entries(json as Json);
      const indexed = entries.map(([k, v]) => [Number(k), name(v)] as const);
      if (
        indexed.length > 0 &&
        indexed.every(([k, n]) => Number.isInteger(k) && k >= 0 && n !== null)
      ) {
        const out: string[] = new Array(Math.max(...indexed.map(([k]) => k)) + 1).fill('');
        for (const [k, n] of indexed) out[k] = n!;
        if (out.every((n) => n !== '')) return out;
      }
    }
    throw new LabFileError(
      'bad-labels',
      `The labels file ${fileName} is JSON but not a list of class names (expected ["cat", ` +
        '"dog", ...] or {"0": "cat", "1": "dog", ...}).',
    );
  }
  return trimmed.split(/\r?\n/).map((l) => l.trim());
}

/**
 * model.json and its shards as the artifacts tfjs loads from memory: the shards are
 * concatenated in the order model.json lists them (the order tfjs reads the weights in).
 */
export function modelArtifacts(
  modelJsonText: string,
  shards: ReadonlyMap<string, ArrayBuffer>,
): io.ModelArtifacts {
  const json = JSON.parse(modelJsonText) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[];
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
    signature?: object;
    userDefinedMetadata?: Record<string, object>;
    modelInitializer?: object;
  };
  const buffers: ArrayBuffer[] = [];
  const weightSpecs: io.WeightsManifestEntry[] = [];
  const missing: string[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const buffer = shards.get(baseName(p));
      if (buffer) buffers.push(buffer);
      else missing.push(baseName(p));
    }
    weightSpecs.push(...group.weights);
  }
  if (missing.length) {
    throw missingShardsError(
      missing,
      json.weightsManifest.reduce((n, g) => n + g.paths.length, 0),
    );
  }
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(new Uint8Array(b), offset);
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

/** Normalisations a model builder picks from, by what their model was trained with. */
export const NORMALIZATION_PRESETS = {
  'zero-one': { label: '[0, 1] (pixel / 255)', normalization: { mean: [0], std: [1] } },
  'minus-one-one': {
    label: '[-1, 1] (MobileNet, Inception, EfficientNet-lite)',
    normalization: { mean: [0.5], std: [0.5] },
  },
  imagenet: {
    label: 'ImageNet mean and std (ResNet, VGG, PyTorch models)',
    normalization: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  },
} as const;
export type NormalizationPreset = keyof typeof NORMALIZATION_PRESETS;
