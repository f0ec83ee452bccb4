/** Choices of the train command, in a module without dependencies so the command line loads fast. */
import type { NotRoadPooling } from '../../src/model/damage-forward';

export type PotholeArchitecture = 'mobilenet' | 'seed-cnn';
export const POTHOLE_ARCHITECTURES: readonly PotholeArchitecture[] = ['mobilenet', 'seed-cnn'];

/** The field model's outputs and data sets (folders of the shared material), by default. */
export const DEFAULT_DAMAGE_TYPES = [
  'pothole',
  'crack',
  'patch',
  'longitudinal-crack',
  'transverse-crack',
  'alligator-crack',
] as const;
/** The shipped field model's settings (what `npm run train -- road-damage` does by default). */
export const DEFAULT_FROZEN_BLOCKS = 3;
export const DEFAULT_DAMAGE_EPOCHS = 10;
/** Field photos with a pothole per epoch (about 70 of 960 field photos in training). */
export const DEFAULT_FIELD_POTHOLE_REPEAT = 5;
/** Potholes at 95% specificity (a false pothole sends a crew), the rest at 90%. */
export const DEFAULT_TARGET_SPECIFICITY = '0.9,pothole=0.95';
export const DEFAULT_DAMAGE_DATA = [
  'potholes-kaggle',
  'potholes-annotated',
  'potholes-closeup',
  'rdd2022-china-motorbike',
] as const;
/**
 * Input sides the trained field model is compared at (all within 150 M multiply-adds); it trains
 * at the smallest. 256 (the field photos' own size) over 224: measured, see the model card.
 */
export const DEFAULT_INPUT_SIZES = [256, 288, 320] as const;

export type NotRoadNetworkName = 'imagenet' | 'model';

/** Per network: the layers and pooling used unless the command says otherwise. */
export const NOT_ROAD_DEFAULTS: Record<
  NotRoadNetworkName,
  { layers: string[]; pooling: NotRoadPooling }
> = {
  imagenet: { layers: ['conv_pw_13_relu'], pooling: 'mean-std' },
  // Every second block from the last one kept as trained on ImageNet to the CAM layer.
  model: {
    layers: [
      'conv_pw_3_relu',
      'conv_pw_5_relu',
      'conv_pw_7_relu',
      'conv_pw_9_relu',
      'conv_pw_11_relu',
      'conv_pw_13_relu',
    ],
    pooling: 'mean',
  },
};

/**
 * How a photo's features are compared with the training road photos': their nearest ones (the
 * default: road photos are of several kinds, see src/model/not-road.ts) or one Gaussian of
 * them all (Mahalanobis; models 2.0-2.1).
 */
export type NotRoadMethod = 'nearest-neighbours' | 'mahalanobis';

/** Nearest road photos a score averages over: chosen with `train not-road-candidates`. */
export const DEFAULT_NOT_ROAD_NEIGHBOURS = 5;

/** The pooling a method reads unless the command says otherwise (per network for Mahalanobis). */
export function defaultNotRoadPooling(
  method: NotRoadMethod,
  network: NotRoadNetworkName,
): NotRoadPooling {
  return method === 'nearest-neighbours' ? 'mean' : NOT_ROAD_DEFAULTS[network].pooling;
}

export interface NotRoadSetup {
  method: NotRoadMethod;
  /** Nearest road photos averaged over (nearest-neighbours). */
  neighbours: number;
  network: NotRoadNetworkName;
  layers: string[];
  pooling: NotRoadPooling;
  /** Principal directions to choose from (by the validation road photos' likelihood; Mahalanobis). */
  components: number[];
  maxRoadRejection: number;
}
