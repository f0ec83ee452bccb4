export { assertBoxes, boxUnionMask, distanceToBox, type Box } from './boxes';
export {
  mapPeak,
  pointingGame,
  type MapPeak,
  type PointingGameOptions,
  type PointingGameResult,
} from './pointing-game';
export {
  energyInBoxes,
  energyInMask,
  regionEnergyShares,
  type EnergyShare,
  type MapMask,
  type MaskOptions,
  type RegionEnergy,
  type RegionShares,
} from './energy';
export { centredGaussianMap, centrePeakMap, centrePixel, uniformMap } from './baselines';
export { averageRanks, spearmanRankCorrelation } from './rank-correlation';
export {
  perturbationCurve,
  pixelOrderByMap,
  trapezoidArea,
  type PerturbationCurve,
  type PerturbationCurveOptions,
  type PerturbationMode,
} from './perturbation';
