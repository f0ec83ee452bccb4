/**
 * Loads a model with its manifest, in either TensorFlow.js format, and wraps it in the explain
 * core's adapter. The same code serves the app's worker (over HTTP / from the SW cache), the lab
 * (files the user picked) and the Node tools (files on disk), through tfjs IOHandlers.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GraphAdapterOptions } from '../explain/adapters/graph-adapter';
import type { ModelAdapter } from '../explain/adapters/types';
import type { ModelManifest } from './manifest';
import { CompileError } from '../explain/compiled/compile-error';
import { ModelLoadError } from './model-load-error';
import { detectModelFormat } from './model-json';

export { ModelLoadError, type ModelLoadErrorCode } from './model-load-error';

export interface LoadedModel {
  manifest: ModelManifest;
  adapter: ModelAdapter;
  dispose(): void;
}

export interface LoadOptions {
  /**
   * Compile the model into fused tfjs ops (src/explain/compiled; default true). False gives the
   * model as tfjs runs it, for comparisons.
   */
  compile?: boolean;
  /**
   * Settles when tfjs's backend is up. The files are read before waiting for it, so that a
   * worker downloads the model while wasm compiles instead of after.
   */
  backendReady?: Promise<unknown>;
}

/** Loads the model behind `handler` and checks it against its manifest. */
export async function loadModel(
  manifest: ModelManifest,
  handler: tf.io.IOHandler,
  options: LoadOptions = {},
): Promise<LoadedModel> {
  let artifacts: tf.io.ModelArtifacts;
  try {
    if (!handler.load) throw new Error('handler cannot load');
    artifacts = await handler.load();
  } catch (e) {
    throw new ModelLoadError(
      'model-missing',
      `The model files of "${manifest.name}" could not be read: ${(e as Error).message}`,
      String(e),
    );
  }
  await options.backendReady;
  const format = detectModelFormat(artifacts.modelTopology);
  if (!format) {
    throw new ModelLoadError(
      'model-invalid',
      'model.json is not a TensorFlow.js model (no layers topology and no graph).',
    );
  }
  if (format !== manifest.format) {
    throw new ModelLoadError(
      'model-mismatch',
      `The manifest says this is a ${manifest.format} model, but model.json holds a ${format} model.`,
    );
  }
  const memory = tf.io.fromMemory(artifacts);
  let adapter: ModelAdapter;
  try {
    adapter = await buildAdapter(
      format,
      memory,
      {
        inputNode: manifest.input.inputNode,
        outputNode: manifest.outputNode,
        inputShape: [manifest.input.height, manifest.input.width, manifest.input.channels],
      },
      options.compile ?? true,
    );
  } catch (e) {
    throw new ModelLoadError(
      'model-invalid',
      `The model "${manifest.name}" could not be built from its files: ${(e as Error).message}`,
      String((e as Error).stack ?? e),
    );
  }
  checkAgainstManifest(adapter, manifest);
  return { manifest, adapter, dispose: () => adapter.dispose() };
}

/**
 * The model and its adapter, compiled unless asked not to. Each format's code (tfjs-layers or
 * tfjs-converter) is imported only when a model of that format loads, so that a worker starts
 * without the other; a compiled layers model of known layers needs neither.
 */
export async function buildAdapter(
  format: 'layers' | 'graph',
  memory: tf.io.IOHandler,
  graphOptions: GraphAdapterOptions,
  compile: boolean,
): Promise<ModelAdapter> {
  if (format === 'layers') {
    if (compile) {
      // Read from model.json as data when every layer is one the compiler knows: no
      // tfjs-layers to load and no layer objects to build (the field models, MobileNet).
      const artifacts = await memory.load!();
      const { compileLayersJson } = await import('../explain/compiled/layers-json-adapter');
      try {
        return compileLayersJson(artifacts);
      } catch (error) {
        if (!(error instanceof CompileError)) throw error;
      }
    }
    const [{ loadLayersModel }, { LayersModelAdapter }, { compileLayersAdapter }] =
      await Promise.all([
        import('@tensorflow/tfjs-layers'),
        import('../explain/adapters/layers-adapter'),
        import('../explain/compiled/from-layers'),
      ]);
    const adapter = new LayersModelAdapter(await loadLayersModel(memory));
    return compile ? compileLayersAdapter(adapter) : adapter;
  }
  const [{ loadGraphModel }, { GraphModelAdapter }, { compileGraphAdapter }] = await Promise.all([
    import('@tensorflow/tfjs-converter'),
    import('../explain/adapters/graph-adapter'),
    import('../explain/compiled/from-graph'),
  ]);
  const adapter = new GraphModelAdapter(await loadGraphModel(memory), graphOptions);
  return compile ? compileGraphAdapter(adapter) : adapter;
}

function checkAgainstManifest(adapter: ModelAdapter, manifest: ModelManifest): void {
  const [h, w, c] = adapter.inputShape;
  const { input } = manifest;
  const problems: string[] = [];
  if (h !== input.height || w !== input.width || c !== input.channels) {
    problems.push(
      `the manifest says the input is ${input.width}x${input.height}x${input.channels}, the ` +
        `model takes ${w}x${h}x${c}`,
    );
  }
  const expected = manifest.labels.length + manifest.labelOffset;
  const binarySigmoid = adapter.numOutputs === 1 && manifest.labels.length === 2;
  if (!binarySigmoid && adapter.numOutputs !== expected) {
    problems.push(
      `the manifest lists ${manifest.labels.length} labels, the model has ${adapter.numOutputs} outputs`,
    );
  }
  if (problems.length) {
    adapter.dispose();
    throw new ModelLoadError(
      'model-mismatch',
      `The model does not match its manifest: ${problems.join('; ')}.`,
    );
  }
}

/** Loads `manifest.json` and the model it names over HTTP (or the service worker's cache), or
 * through `fetchFunc` (an installed model: from its Cache Storage cache). */
export async function loadModelFromUrl(
  manifestUrl: string,
  fetchFunc: ModelFetch = fetchDirect,
  options: LoadOptions = {},
): Promise<LoadedModel> {
  const manifest = await readManifestFromUrl(manifestUrl, fetchFunc);
  return loadModelOf(manifest, manifestUrl, fetchFunc, options);
}

/** The model a manifest at `manifestUrl` names (its modelUrl is relative to the manifest). */
export function loadModelOf(
  manifest: ModelManifest,
  manifestUrl: string,
  fetchFunc: ModelFetch = fetchDirect,
  options: LoadOptions = {},
): Promise<LoadedModel> {
  // A relative manifest URL is the page's or the worker's; Node passes absolute ones.
  const base = new URL(manifestUrl, globalThis.location?.href);
  return loadModel(
    manifest,
    httpModelHandler(new URL(manifest.modelUrl, base).href, fetchFunc),
    options,
  );
}

/** The manifest at `manifestUrl`, checked; its training and metrics records left out. */
export async function readManifestFromUrl(
  manifestUrl: string,
  fetchFunc: ModelFetch = fetchDirect,
): Promise<ModelManifest> {
  // The manifest's schemas (zod) load beside the manifest itself, not with the worker's code.
  const parser = import('./runtime-manifest');
  parser.catch(() => undefined);
  let response: Response;
  try {
    response = await fetchFunc(manifestUrl);
  } catch (e) {
    if (e instanceof ModelLoadError) throw e; // the fetcher said it in its own words
    throw new ModelLoadError(
      'manifest-missing',
      'The model could not be downloaded. Open the app once with a network so it can keep the ' +
        'model for offline use.',
      `${manifestUrl}: ${String(e)}`,
    );
  }
  if (!response.ok) {
    throw new ModelLoadError(
      'manifest-missing',
      `The model's manifest is missing (HTTP ${response.status}).`,
      manifestUrl,
    );
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch (e) {
    throw new ModelLoadError(
      'manifest-invalid',
      'The model manifest is not valid JSON.',
      String(e),
    );
  }
  // Apps and tools that read the records parse the whole manifest (manifest.ts).
  return (await parser).parseRuntimeManifest(json);
}

/** How the loaders fetch: fetch itself, or an installed model's reader of its cache. */
export type ModelFetch = (input: string, init?: RequestInit) => Promise<Response>;

/** Plain fetch: the loaders' default. */
function fetchDirect(input: string, init?: RequestInit): Promise<Response> {
  return fetch(input, init);
}

/** tfjs's HTTP loader of the model.json at `url` and its weights, fetched by `fetchFunc`. */
export function httpModelHandler(url: string, fetchFunc: ModelFetch): tf.io.IOHandler {
  // tfjs only ever passes a URL string to its fetchFunc.
  const httpFetch = ((input: RequestInfo | URL, init?: RequestInit) =>
    fetchFunc(String(input), init)) as typeof fetch;
  return tf.io.http(url, { fetchFunc: httpFetch });
}
