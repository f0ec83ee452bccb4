/** Choices of the train command, in a module without dependencies so the command line loads fast. */
export type PotholeArchitecture = 'mobilenet' | 'seed-cnn';
export const POTHOLE_ARCHITECTURES: readonly PotholeArchitecture[] = ['mobilenet', 'seed-cnn'];

/** The field model's outputs and data sets (folders of the shared material), by default. */
export const DEFAULT_DAMAGE_TYPES = ['pothole', 'crack', 'patch'] as const;
export const DEFAULT_DAMAGE_DATA = [
  'potholes-kaggle',
  'potholes-annotated',
  'potholes-closeup',
  'rdd2022-china-motorbike',
] as const;
/** Input sides the trained field model is compared at (all within 150 M multiply-adds). */
export const DEFAULT_INPUT_SIZES = [224, 256, 288, 320] as const;
