import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { ExplainError } from '../errors';
import { GraphModelAdapter, type GraphAdapterOptions } from './graph-adapter';
import { LayersModelAdapter } from './layers-adapter';
import type { ModelAdapter } from './types';

export type { GraphAdapterOptions } from './graph-adapter';
export { GraphModelAdapter } from './graph-adapter';
export { LayersModelAdapter } from './layers-adapter';
export * from './types';

/** One entry point for both TensorFlow.js model formats. */
export function createAdapter(
  model: LayersModel | GraphModel,
  graphOptions: GraphAdapterOptions = {},
): ModelAdapter {
  const m = model as unknown as Record<string, unknown>;
  if (Array.isArray(m.layers)) return new LayersModelAdapter(model as LayersModel);
  if (m.executor !== undefined) return new GraphModelAdapter(model as GraphModel, graphOptions);
  throw new ExplainError(
    'unsupported-model',
    'This is neither a TensorFlow.js layers model nor a graph model.',
  );
}
