/**
 * Gradient kernels that tfjs-backend-wasm 4.22 lacks, runs slowly or gets wrong, registered for
 * 'wasm'. The arithmetic-heavy ones (conv and depthwise-conv gradients) are composed from the
 * backend's own XNNPACK kernels; the ones that only move data (pooling gradients) are single
 * passes over the wasm heap. Nothing falls back to the ~35x slower cpu backend. With them, the
 * Minimum / Maximum kernels whose tensor-with-scalar case (tfjs-layers' ReLU6) the shipped
 * ones run slowly (scalar-min-max.ts).
 * See docs/kernels.md for how each one is built and what it gains.
 */
import {
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
} from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterConfig, conv2DBackpropInputConfig } from './conv-backprop';
import {
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
} from './depthwise-backprop';
import { avgPoolGradConfig, maxPoolGradConfig } from './pool-grad';
import { scalarMinMaxConfig } from './scalar-min-max';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum';

/** Marks configs registered by this module, even when it is loaded twice (e.g. ESM and CJS). */
const OURS = Symbol.for('roadcam.wasmGradientKernel');

/** The kernels tfjs-backend-wasm shipped under the names replaced here, for benchmarks. */
const shippedKernels = new Map<string, KernelConfig>();

type TaggedConfig = KernelConfig & { [OURS]?: true };

const kernelConfigs: TaggedConfig[] = [
  conv2DBackpropInputConfig,
  conv2DBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  maxPoolGradConfig,
  avgPoolGradConfig,
  unsortedSegmentSumConfig,
  scalarMinMaxConfig('Minimum', () => shippedKernels.get('Minimum')),
  scalarMinMaxConfig('Maximum', () => shippedKernels.get('Maximum')),
].map((config) => ({ ...config, [OURS]: true as const }));

/**
 * Registers the kernels for the 'wasm' backend (replacing a shipped kernel of the same name) and
 * returns their names. Call it after importing '@tensorflow/tfjs-backend-wasm' (whose import
 * registers the shipped kernels), before or after the backend starts; calling again is harmless.
 */
export function registerWasmGradientKernels(): string[] {
  for (const config of kernelConfigs) {
    const existing = getKernel(config.kernelName, 'wasm') as TaggedConfig | undefined;
    if (existing?.[OURS]) continue;
    if (existing != null) {
      shippedKernels.set(config.kernelName, existing);
      unregisterKernel(config.kernelName, 'wasm');
    }
    registerKernel(config);
  }
  return kernelConfigs.map((c) => c.kernelName);
}

/**
 * The kernel tfjs-backend-wasm shipped under `kernelName` before it was replaced here, or
 * undefined if it shipped none. Its setupFunc must be run on the backend before use.
 */
export function shippedWasmKernel(kernelName: string): KernelConfig | undefined {
  return shippedKernels.get(kernelName);
}
