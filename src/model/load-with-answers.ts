/**
 * Loading a model that has no manifest: the answers (the lab's form, the command line's flags)
 * stand in for it. The model is built first, so that its input shape is checked against the
 * answers and its outputs and last spatial layer complete the manifest.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ExplainError } from '../explain/errors';
import type { ModelAdapter } from '../explain/adapters/types';
import { buildAdapter, type LoadedModel, type LoadOptions } from './load-model';
import {
  checkAnswers,
  checkInputShape,
  manifestFromAnswers,
  type AnswersGiver,
  type ManifestAnswers,
} from './manifest-answers';
import { ModelLoadError } from './model-load-error';
import { detectModelFormat } from './model-json';

/** The model in `artifacts`, with the manifest the answers describe. */
export async function loadModelWithAnswers(
  artifacts: tf.io.ModelArtifacts,
  answers: ManifestAnswers,
  giver: AnswersGiver = 'form',
  options: LoadOptions = {},
): Promise<LoadedModel> {
  checkAnswers(answers);
  const format = detectModelFormat(artifacts.modelTopology);
  if (!format) {
    throw new ModelLoadError(
      'model-invalid',
      'model.json is not a TensorFlow.js model (no layers topology and no graph).',
    );
  }
  let adapter: ModelAdapter;
  try {
    adapter = await buildAdapter(
      format,
      tf.io.fromMemory(artifacts),
      {
        inputShape: [answers.height, answers.width, answers.channels],
        inputNode: answers.inputNode || undefined,
        outputNode: answers.outputNode || undefined,
      },
      options.compile ?? true,
    );
  } catch (e) {
    // The explain core's own messages (several inputs, no such node) say what to answer.
    if (e instanceof ExplainError) throw e;
    throw new ModelLoadError(
      'model-invalid',
      `The model could not be built from its files: ${(e as Error).message}`,
      String((e as Error).stack ?? e),
    );
  }
  try {
    checkInputShape(adapter.inputShape, answers, giver);
    let camLayer: string;
    try {
      camLayer = adapter.defaultTargetLayer();
    } catch {
      // No spatial layer: the model still opens (filters of dense layers, classes); the lab
      // says why heatmaps are not available.
      camLayer = adapter.listLayers().at(-1)?.name ?? 'output';
    }
    const manifest = manifestFromAnswers(
      answers,
      { format, numOutputs: adapter.numOutputs, camLayer },
      giver,
    );
    return { manifest, adapter, dispose: () => adapter.dispose() };
  } catch (e) {
    adapter.dispose();
    throw e;
  }
}
