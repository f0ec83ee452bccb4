/**
 * Opening a model in the lab: a bundled manifest URL, picked files with a manifest, or picked
 * files with the form's answers in place of one (a model builder's converted Keras model).
 * Each ends as a LoadedModel (manifest + explain adapter) and a description of its layers, with
 * an early check that heatmaps can be drawn: a model whose ops have no gradient, or that has no
 * spatial layer, says so when it opens, not on the first photo.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerInfo, ModelAdapter } from '../../../explain/adapters/types';
import { camLayer, computeCam } from '../../../explain/cam/compute-cam';
import { ExplainError } from '../../../explain/errors';
import { topClassLogit } from '../../../explain/targets';
import {
  loadModel,
  loadModelFromUrl,
  type LoadedModel,
  type ModelFetch,
} from '../../../model/load-model';
import { loadModelWithAnswers } from '../../../model/load-with-answers';
import { parseManifest, type ModelManifest } from '../../../model/manifest';
import { readModelArtifacts } from '../../../model/model-artifacts';
import type {
  FailureInfo,
  LabLayer,
  LabModelInfo,
  ModelSource,
  NamedBlob,
} from '../shared/lab-protocol';
import { PICKED_FOLDER, pickedWeightFiles, sortPickedFiles } from '../shared/picked-files';

/** model.json and the weight files among the picked files, as tfjs artifacts. */
async function readPickedModel(files: readonly NamedBlob[]): Promise<tf.io.ModelArtifacts> {
  const sorted = sortPickedFiles(files);
  const shards = new Map<string, ArrayBuffer>();
  for (const f of sorted.shards) shards.set(f.name, await f.blob.arrayBuffer());
  return readModelArtifacts(
    await sorted.modelJson.blob.text(),
    pickedWeightFiles(shards),
    sorted.modelJson.name,
  );
}

/**
 * The picked files as URLs under PICKED_FOLDER, for loaders that take URLs (the not-a-road
 * check's files beside a manifest); anything else is a 404.
 */
export function pickedFilesFetch(files: readonly NamedBlob[]): ModelFetch {
  const byName = new Map(files.map((f) => [f.name, f.blob]));
  return async (url) => {
    const blob = url.startsWith(PICKED_FOLDER)
      ? byName.get(decodeURIComponent(url.slice(PICKED_FOLDER.length)))
      : undefined;
    return blob ? new Response(blob) : new Response(null, { status: 404, statusText: 'Not Found' });
  };
}

/** Loads a model from any of the lab's sources. */
export async function loadLabModel(source: ModelSource): Promise<LoadedModel> {
  if (source.kind === 'url') return loadModelFromUrl(source.manifestUrl);
  const artifacts = await readPickedModel(source.files);
  if (source.kind === 'files') {
    return loadModel(parseManifest(source.manifest), tf.io.fromMemory(artifacts));
  }
  return loadModelWithAnswers(artifacts, source.answers, 'form');
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
function gradientFailure(error: unknown): FailureInfo | null {
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
async function camProblemOf(loaded: LoadedModel): Promise<FailureInfo | null> {
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
    if (['ModelLoadError', 'ExplainError', 'PhotoError'].includes(e.name)) {
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
function usableCamLayer(loaded: LoadedModel): string | null {
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
