/**
 * The compiled inference path: a loaded model read once into a program of fused tfjs ops
 * (batch norm folded into the convolution before it; convolution + bias + activation in one
 * kernel), behind the same ModelAdapter interface. See docs/kernels.md.
 */
export { compileAdapter, CompiledModelAdapter, type CompileReport } from './compiled-adapter';
export { CompileError } from './compile-error';
