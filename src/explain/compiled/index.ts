/**
 * The compiled inference path: a loaded model read once into a program of fused tfjs ops
 * (batch norm folded into the convolution before it; convolution + bias + activation in one
 * kernel), behind the same ModelAdapter interface. See docs/kernels.md.
 */
import { GraphModelAdapter } from '../adapters/graph-adapter';
import { LayersModelAdapter } from '../adapters/layers-adapter';
import type { ModelAdapter } from '../adapters/types';
import { CompiledModelAdapter } from './compiled-adapter';
import { compileGraphAdapter } from './from-graph';
import { compileLayersAdapter } from './from-layers';

export { CompiledModelAdapter, type CompileReport } from './compiled-adapter';
export { CompileError } from './compile-error';
export { compileGraphAdapter } from './from-graph';
export { compileLayersAdapter } from './from-layers';

/**
 * The fastest equivalent of `adapter` for inference and CAM: a compiled adapter, or the adapter
 * itself when its model cannot be compiled (several outputs, control flow, an adapter of
 * another kind). Compiling twice returns the same adapter.
 */
export function compileAdapter(adapter: ModelAdapter): ModelAdapter {
  if (adapter instanceof CompiledModelAdapter) return adapter;
  if (adapter instanceof LayersModelAdapter) return compileLayersAdapter(adapter);
  if (adapter instanceof GraphModelAdapter) return compileGraphAdapter(adapter);
  return adapter;
}
