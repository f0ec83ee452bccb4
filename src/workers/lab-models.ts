/**
 * Opening a model in the lab: a bundled manifest URL, picked files with a manifest, or picked
 * files with the form's answers in place of one (a model builder's converted Keras model).
 * Each ends as a LoadedModel (manifest + explain adapter) and a description of its layers, with
 * an early check that heatmaps can be drawn: a model whose ops have no gradient, or that has no
 * spatial layer, says so when it opens, not on the first photo.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { createAdapter } from '../explain/adapters';
import { compileAdapter } from '../explain/compiled';
import type { LayerInfo, ModelAdapter } from '../explain/adapters/types';
import { camLayer, computeCam } from '../explain/cam/compute-cam';
import { ExplainError } from '../explain/errors';
import { topClassLogit } from '../explain/targets';
import {
  LabFileError,
  modelArtifacts,
  sortPickedFiles,
  summariseModelJson,
} from '../lab/model-files';
import {
  detectModelFormat,
  loadModel,
  loadModelFromUrl,
  ModelLoadError,
  parseManifest,
  type LoadedModel,
} from '../model/load-model';
import type { ModelManifest } from '../model/manifest';
import type {
  FailureInfo,
  LabLayer,
  LabModelInfo,
  ManifestAnswers,
  ModelSource,
  NamedBlob,
} from './lab-protocol';

/** model.json's text and its shards' bytes by base name. */
async function readModelFiles(
  files: readonly NamedBlob[],
): Promise<{ text: string; shards: Map<string, ArrayBuffer>; name: string }> {
  const sorted = sortPickedFiles(files);
  const text = await sorted.modelJson.blob.text();
  const shards = new Map<string, ArrayBuffer>();
  for (const f of sorted.shards) {
    shards.set(f.name.split(/[\\/]/).pop() ?? f.name, await f.blob.arrayBuffer());
  }
  return { text, shards, name: sorted.modelJson.name };
}

function artifactsOf(text: string, shards: Map<string, ArrayBuffer>, name: string) {
  summariseModelJson(text, name); // clear message when model.json is not a model
  return modelArtifacts(text, shards);
}

function answersProblem(message: string, detail?: string): LabFileError {
  return new LabFileError('bad-answer', message, detail);
}

/** Labels and their offset for a model with `numOutputs` outputs. */
export function labelsFor(
  labels: readonly string[] | null,
  numOutputs: number,
): { labels: string[]; labelOffset: number } {
  if (!labels) {
    const n = numOutputs === 1 ? 2 : numOutputs;
    return { labels: Array.from({ length: n }, (_, i) => `class ${i}`), labelOffset: 0 };
  }
  if (labels.length === numOutputs) return { labels: [...labels], labelOffset: 0 };
  // A single sigmoid unit reads as two classes [negative, positive].
  if (numOutputs === 1 && labels.length === 2) return { labels: [...labels], labelOffset: 0 };
  // Converted TF-Hub / slim classifiers put "background" at output 0.
  if (numOutputs === labels.length + 1) return { labels: [...labels], labelOffset: 1 };
  throw new ModelLoadError(
    'model-mismatch',
    `The labels file has ${labels.length} names, but the model has ${numOutputs} outputs. ` +
      'Choose the labels file that belongs to this model, or none (classes are then numbered).',
  );
}

function checkAnswers(a: ManifestAnswers): void {
  for (const [what, v] of [
    ['width', a.width],
    ['height', a.height],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 4096) {
      throw answersProblem(`The input ${what} must be a whole number of pixels from 1 to 4096.`);
    }
  }
  if (a.channels !== 1 && a.channels !== 3) {
    throw answersProblem('The input has 1 channel (grey) or 3 (RGB).');
  }
  const { mean, std } = a.normalization;
  if (
    !mean.length ||
    mean.length !== std.length ||
    !mean.every(Number.isFinite) ||
    !std.every((s) => s > 0)
  ) {
    throw answersProblem(
      'The normalisation needs as many means as standard deviations, and positive deviations.',
    );
  }
}

/** Builds the model from artifacts and makes its manifest from the form's answers. */
async function openWithAnswers(
  artifacts: tf.io.ModelArtifacts,
  answers: ManifestAnswers,
): Promise<LoadedModel> {
  checkAnswers(answers);
  const format = detectModelFormat(artifacts.modelTopology);
  if (!format) {
    throw new ModelLoadError(
      'model-invalid',
      'model.json is not a TensorFlow.js model (no layers topology and no graph).',
    );
  }
  const inputShape: [number, number, number] = [answers.height, answers.width, answers.channels];
  let adapter: ModelAdapter;
  try {
    const memory = tf.io.fromMemory(artifacts);
    const model =
      format === 'layers' ? await loadLayersModel(memory) : await loadGraphModel(memory);
    adapter = compileAdapter(
      createAdapter(model, {
        inputShape,
        inputNode: answers.inputNode || undefined,
        outputNode: answers.outputNode || undefined,
      }),
    );
  } catch (e) {
    if (e instanceof ExplainError) throw e;
    throw new ModelLoadError(
      'model-invalid',
      `The model could not be built from its files: ${(e as Error).message}`,
      String((e as Error).stack ?? e),
    );
  }
  try {
    const [h, w, c] = adapter.inputShape;
    if (h !== answers.height || w !== answers.width || c !== answers.channels) {
      throw new ModelLoadError(
        'model-mismatch',
        `The model takes ${w}x${h} images with ${c} channel${c === 1 ? '' : 's'}; the form says ` +
          `${answers.width}x${answers.height}x${answers.channels}. Correct the input size.`,
      );
    }
    const { labels, labelOffset } = labelsFor(answers.labels, adapter.numOutputs);
    let cam: string;
    try {
      cam = adapter.defaultTargetLayer();
    } catch {
      // No spatial layer: the model still opens (filters of dense layers, classes); the lab
      // says why heatmaps are not available.
      cam = adapter.listLayers().at(-1)?.name ?? 'output';
    }
    const manifest = parseManifest(
      {
        id: slug(answers.name) || 'my-model',
        version: '1',
        name: answers.name.trim() || 'My model',
        task: 'classification',
        format,
        labels,
        labelOffset,
        input: {
          width: answers.width,
          height: answers.height,
          channels: answers.channels,
          normalization: answers.normalization,
          resize: answers.resize,
          inputNode: answers.inputNode || undefined,
        },
        outputNode: answers.outputNode || undefined,
        cam: { layer: cam, method: 'gradcam' },
      },
      'the form',
    );
    return { manifest, adapter, dispose: () => adapter.dispose() };
  } catch (e) {
    adapter.dispose();
    throw e;
  }
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}

/** Loads a model from any of the lab's sources. */
export async function loadLabModel(source: ModelSource): Promise<LoadedModel> {
  if (source.kind === 'url') return loadModelFromUrl(source.manifestUrl);
  const { text, shards, name } = await readModelFiles(source.files);
  const artifacts = artifactsOf(text, shards, name);
  if (source.kind === 'files') {
    const manifest = parseManifest(source.manifest);
    return loadModel(manifest, tf.io.fromMemory(artifacts));
  }
  return openWithAnswers(artifacts, source.answers);
}

function roleOf(layer: LayerInfo): LabLayer['role'] {
  if (layer.outputShape.length === 4) return 'conv';
  if (layer.outputShape.length === 2) return 'dense';
  return 'other';
}

export function describeLayers(adapter: ModelAdapter): LabLayer[] {
  return adapter.listLayers().map((l) => {
    const last = l.outputShape[l.outputShape.length - 1];
    const role = roleOf(l);
    return {
      name: l.name,
      kind: l.kind,
      outputShape: [...l.outputShape],
      spatial: l.spatial,
      count: role !== 'other' && typeof last === 'number' && last > 0 ? last : null,
      role,
    };
  });
}

/** The op a tfjs "no gradient" message names, when it names one. */
function opWithoutGradient(message: string): string | null {
  const m =
    /gradient function not found for (\w+)|gradient.*?for op (\w+)|(\w+) not registered/i.exec(
      message,
    );
  return m ? (m[1] ?? m[2] ?? m[3] ?? null) : null;
}

/** Turns a failure to differentiate into a message that names the op and what still works. */
export function gradientFailure(error: unknown): FailureInfo | null {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof ExplainError ? error.code : null;
  if (
    code !== 'no-gradient' &&
    !/gradient function not found|Cannot compute gradient|not registered for backend/i.test(message)
  ) {
    return null;
  }
  const op =
    opWithoutGradient(message) ?? opWithoutGradient(String((error as ExplainError).detail));
  return {
    source: 'model',
    code: 'no-gradient',
    message:
      `This model cannot be differentiated here${op ? `: its operation "${op}" has no gradient in TensorFlow.js` : ': one of its operations has no gradient'}. ` +
      'Grad-CAM and filter images need gradients; Eigen-CAM (which needs none) still draws heatmaps.',
    detail: message,
  };
}

/**
 * tfjs 4.22 keeps the tensors its gradient tape saved until backprop ends; when backprop throws
 * (an op without gradient) they stay kept for ever. Called after such a failure, outside any
 * other gradient computation, it frees them.
 */
export function releaseFailedGradientTape(): void {
  const state = (tf.engine() as unknown as { state: EngineState }).state;
  if (!state || state.gradientDepth !== 0 || !Array.isArray(state.activeTape)) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
  state.activeTape = null;
}

interface EngineState {
  gradientDepth: number;
  activeTape: { saved?: tf.Tensor[] }[] | null;
}

/** Can a heatmap be drawn for this model? One Grad-CAM on a grey image says. */
export async function camProblemOf(loaded: LoadedModel): Promise<FailureInfo | null> {
  const { adapter, manifest } = loaded;
  let layer: string;
  try {
    layer = camLayer(adapter, manifest.cam.layer);
  } catch (e) {
    const err = e as ExplainError;
    if (err.code === 'unknown-layer' || err.code === 'not-spatial-layer') {
      try {
        layer = camLayer(adapter);
      } catch (e2) {
        return failureOf(e2);
      }
    } else return failureOf(e);
  }
  const [h, w, c] = adapter.inputShape;
  const x = tf.fill([1, h, w, c], 0.5) as tf.Tensor4D;
  try {
    await computeCam(adapter, x, { method: 'gradcam', target: topClassLogit(), layer });
    return null;
  } catch (e) {
    const gradient = gradientFailure(e);
    if (gradient) releaseFailedGradientTape();
    return gradient ?? failureOf(e);
  } finally {
    x.dispose();
  }
}

export function failureOf(error: unknown): FailureInfo {
  // First, so that a missing gradient is named (the explain core's message is generic).
  const gradient = gradientFailure(error);
  if (gradient) return gradient;
  if (error && typeof error === 'object' && 'name' in error) {
    const e = error as { name: string; message: string; code?: string; detail?: string };
    if (['ModelLoadError', 'ExplainError', 'LabFileError', 'PhotoError'].includes(e.name)) {
      return {
        source: e.name === 'PhotoError' ? 'photo' : 'model',
        code: e.code ?? 'model',
        message: e.message,
        detail: e.detail,
      };
    }
  }
  return {
    source: 'internal',
    code: 'internal',
    message: 'Something went wrong in the lab. Try again; if it keeps happening, reload the app.',
    detail:
      error instanceof Error
        ? `${error.name}: ${error.message}\n${error.stack ?? ''}`
        : String(error),
  };
}

/** The CAM layer to use: the manifest's when it is spatial, else the adapter's default. */
export function usableCamLayer(loaded: LoadedModel): string | null {
  for (const name of [loaded.manifest.cam.layer, undefined]) {
    try {
      return camLayer(loaded.adapter, name);
    } catch {
      // try the next
    }
  }
  return null;
}

export async function describeModel(
  loaded: LoadedModel,
  key: string,
  loadMs: number,
): Promise<LabModelInfo> {
  const { adapter, manifest } = loaded;
  let defaultCamLayer: string | null;
  try {
    defaultCamLayer = adapter.defaultTargetLayer();
  } catch {
    defaultCamLayer = null;
  }
  const camLayerName = usableCamLayer(loaded);
  const info: ModelManifest = camLayerName
    ? { ...manifest, cam: { ...manifest.cam, layer: camLayerName } }
    : manifest;
  return {
    key,
    manifest: info,
    format: adapter.format,
    inputShape: [...adapter.inputShape],
    numOutputs: adapter.numOutputs,
    layers: describeLayers(adapter),
    defaultCamLayer,
    camProblem: await camProblemOf(loaded),
    loadMs,
  };
}
