/** Choices of the train command, in a module without dependencies so the command line loads fast. */
export type PotholeArchitecture = 'mobilenet' | 'seed-cnn';
export const POTHOLE_ARCHITECTURES: readonly PotholeArchitecture[] = ['mobilenet', 'seed-cnn'];
