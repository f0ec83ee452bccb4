/** The CAM methods the field app offers (Score-CAM is left to the lab: it runs the model once
 * per channel, far too slow for a phone in the field). Names only: importing the explain core
 * here would pull tfjs into the page's bundle. */
import type { CamMethodName } from '../explain/cam/compute-cam';

export const FIELD_CAM_METHODS: { name: CamMethodName; label: string }[] = [
  { name: 'gradcam', label: 'Grad-CAM' },
  { name: 'gradcam++', label: 'Grad-CAM++' },
  { name: 'xgradcam', label: 'XGrad-CAM' },
  { name: 'layercam', label: 'LayerCAM' },
  { name: 'hirescam', label: 'HiResCAM' },
  { name: 'eigencam', label: 'Eigen-CAM' },
];

export function isFieldCamMethod(name: string): name is CamMethodName {
  return FIELD_CAM_METHODS.some((m) => m.name === name);
}
