/**
 * RoadCAM's explainability core: pure TypeScript over tfjs-core. No DOM, no worker, no storage:
 * the same code runs in the app's worker, in Node tests and in the command-line tools.
 */
export * from './adapters';
export * from './errors';
export * as targets from './targets';
export type { Target } from './targets';
export {
  computeCam,
  computeCamPerClass,
  camMethod,
  camLayer,
  CAM_METHOD_NAMES,
  type CamMethodName,
  type CamOptions,
  type CamPerClassOptions,
  type CamResult,
  type LayerSplit,
} from './cam/compute-cam';
export { CAM_METHODS, type CamMethod, type CamInputs, type CamContext } from './cam/methods';
export {
  parameterRandomizationCheck,
  type RandomizationCheckOptions,
  type RandomizationStep,
} from './cam/sanity-check';
export * from './heatmap';
export * from './metrics';
export { registerWasmGradientKernels } from './kernels/wasm-gradients';
export * from './actmax';
