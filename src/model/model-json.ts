/**
 * model.json, the TensorFlow.js model file (as tensorflowjs_converter and tfjs's own save write
 * it): checked, and summarised before the model is built, so that a damaged file or a file that
 * is not a model gets a message naming it. Plain TypeScript, no tfjs at run time: the lab's page
 * reads it to fill its manifest form without loading TensorFlow.js.
 */
import type { io } from '@tensorflow/tfjs-core';
import { ModelLoadError } from './model-load-error';

export interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: object;
  userDefinedMetadata?: Record<string, object>;
  modelInitializer?: object;
}

type Json = Record<string, unknown>;

function asObject(v: unknown): Json | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
}

/** The last path component: browsers give bare names, kept blobs and model.json may carry a
 * folder. */
export function baseName(name: string): string {
  return name.split(/[\\/]/).pop() ?? name;
}

/** 'layers' when the topology is a Keras model config, 'graph' when it is a TF GraphDef. */
export function detectModelFormat(modelTopology: unknown): 'layers' | 'graph' | undefined {
  const t = asObject(modelTopology);
  if (!t) return undefined;
  if (Array.isArray(t.node)) return 'graph';
  if ('class_name' in t || 'model_config' in t || 'config' in t) return 'layers';
  return undefined;
}

/** model.json's text as a model. Throws ModelLoadError when it is damaged or not a model. */
export function parseModelJson(text: string, fileName = 'model.json'): ModelJson {
  let json: Json | null;
  try {
    json = asObject(JSON.parse(text));
  } catch (e) {
    throw new ModelLoadError(
      'model-invalid',
      `${fileName} is not valid JSON: the file is damaged or cut short. Copy it again.`,
      String(e),
    );
  }
  const topology = asObject(json?.modelTopology);
  if (!topology || !Array.isArray(json?.weightsManifest)) {
    throw new ModelLoadError(
      'model-invalid',
      `${fileName} is not a TensorFlow.js model (it has no modelTopology and weightsManifest). ` +
        'Convert the Keras or SavedModel with tensorflowjs_converter first.',
    );
  }
  if (!detectModelFormat(topology)) {
    throw new ModelLoadError(
      'model-invalid',
      `${fileName} holds neither a Keras (layers) model nor a TensorFlow graph.`,
    );
  }
  return json as unknown as ModelJson;
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

/** The weight files model.json lists, as base names, in the order tfjs reads them. */
function weightFileNames(json: ModelJson): string[] {
  return json.weightsManifest.flatMap((group) => {
    const paths = asObject(group)?.paths;
    return Array.isArray(paths) ? paths.map((p) => baseName(String(p))) : [];
  });
}

/** Reads model.json's text. Throws ModelLoadError when it is not a TensorFlow.js model. */
export function summariseModelJson(text: string, fileName = 'model.json'): ModelJsonSummary {
  const json = parseModelJson(text, fileName);
  const topology = json.modelTopology as Json;
  const weightFiles = weightFileNames(json);
  if (detectModelFormat(topology) === 'graph') {
    const { nodes, shape } = graphInputs(topology);
    return { format: 'graph', inputShape: shape, inputNodes: nodes, weightFiles };
  }
  return {
    format: 'layers',
    inputShape: layersInputShape(topology),
    inputNodes: [],
    weightFiles,
  };
}
