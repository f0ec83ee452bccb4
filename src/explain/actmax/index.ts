/**
 * Activation maximization: what input makes a filter, a dense unit or a class respond most.
 * Gradient ascent with Adam, random input modifiers, regularisers, and two image
 * parameterisations (plain pixels, Lucid's decorrelated Fourier one). See docs/actmax.md.
 */
export {
  maximizeActivation,
  maximizeActivations,
  normalizationInput,
  type ActmaxOptions,
  type ActmaxResult,
  type ModelInputFn,
  type PixelNormalization,
} from './maximize';
export { defaultActmaxOptions, type ActmaxSettings } from './defaults';
export {
  classLogit,
  filter,
  objectiveScores,
  unit,
  type FilterRegion,
  type Objective,
} from './objectives';
export {
  applyModifiers,
  composeMaps,
  IDENTITY_MAP,
  jitter,
  randomRotate,
  randomScale,
  rotateImages,
  sampleAffine,
  type InputModifier,
  type SourceMap,
} from './modifiers';
export { l2, totalVariation, totalVariationPerImage, type Regularizer } from './regularizers';
export {
  colourDecorrelationMatrix,
  createParameterization,
  decorrelatedParameterization,
  dftBaseTensors,
  halfSpectrumWidth,
  inverseRealDft2d,
  matMulConstant,
  type DftBases,
  inverseRealDftBases,
  pixelParameterization,
  spectrumFrequencies,
  type ImageParameterization,
  type ParameterizationName,
  type ParameterizationOptions,
} from './parameterization';
export {
  actmaxGrid,
  checkTileLayout,
  filterGrid,
  parseFilterSelection,
  tileImages,
  type ActmaxGrid,
  type FilterGridOptions,
  type GridOptions,
  type GridTile,
  type TileLayout,
} from './grid';
export { seededRandom, type RandomSource } from './random';
