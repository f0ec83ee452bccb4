/**
 * Gradient kernels that tfjs-backend-wasm 4.22 lacks or runs slowly, registered for 'wasm'.
 * (Being written: see issue 2. Until then this registers nothing.)
 */
export function registerWasmGradientKernels(): string[] {
  return [];
}
