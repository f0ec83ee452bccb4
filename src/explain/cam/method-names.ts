/**
 * The CAM methods by name, in a module without tfjs so that a command line can check a name
 * before it loads the backend.
 */
export type CamMethodName =
  'gradcam' | 'gradcam++' | 'xgradcam' | 'layercam' | 'hirescam' | 'eigencam' | 'scorecam';

export const CAM_METHOD_NAMES: CamMethodName[] = [
  'gradcam',
  'gradcam++',
  'xgradcam',
  'layercam',
  'hirescam',
  'eigencam',
  'scorecam',
];
