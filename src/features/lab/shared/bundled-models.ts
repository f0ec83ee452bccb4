/**
 * The models that ship with the app, listed in one place: the lab offers each whose manifest the
 * build (or the service worker's cache) has, and says which are missing. The pothole entry is
 * the field app's own model, including a `?model=` override, so both views read the same model.
 */
import {
  DEFAULT_MODEL_URL,
  POTHOLE_MODEL_URL,
  workerConfigFrom,
} from '../../../workers/worker-config';

export interface BundledModel {
  id: 'field' | 'pothole' | 'road-damage' | 'mnist';
  /** The field app's own model (what its surveys were analysed with). */
  field: boolean;
  title: string;
  /** What it is for, in the lab. */
  purpose: string;
  manifestUrl: string;
}

const MNIST_MODEL_PATH = '/models/mnist/manifest.json';

export function bundledModels(location: { href: string; search: string }): BundledModel[] {
  const base = new URL(import.meta.env.BASE_URL ?? '/', location.href);
  const fieldUrl = workerConfigFrom(location).modelUrl;
  const potholeUrl = new URL(POTHOLE_MODEL_URL.replace(/^\//, ''), base).href;
  const roadDamageUrl = new URL(DEFAULT_MODEL_URL.replace(/^\//, ''), base).href;
  const pothole = {
    id: 'pothole' as const,
    purpose: 'Filters, Grad-CAM of road photos, region audit',
    manifestUrl: potholeUrl,
  };
  return [
    // With ?model= pointing at the pothole model, it is the field app's and listed once.
    fieldUrl === potholeUrl
      ? { ...pothole, field: true, title: 'Pothole model (the field app’s)' }
      : {
          id: 'field',
          field: true,
          title: 'Field model (the app’s; road damage by default)',
          purpose: 'Filters, Grad-CAM of road photos, region audit',
          manifestUrl: fieldUrl,
        },
    ...(fieldUrl === potholeUrl
      ? []
      : [{ ...pothole, field: false, title: 'Pothole model (the first field model)' }]),
    // With ?model= pointing elsewhere, the app's default is still bundled (and re-analyses).
    ...(fieldUrl === roadDamageUrl
      ? []
      : [
          {
            id: 'road-damage' as const,
            field: false,
            title: 'Road-damage model (the app’s default)',
            purpose: 'Damage types, Grad-CAM of road photos, re-analysis of stored surveys',
            manifestUrl: roadDamageUrl,
          },
        ]),
    {
      id: 'mnist',
      field: false,
      title: 'MNIST digits',
      purpose: 'Draw a digit; filters of a small CNN',
      manifestUrl: new URL(MNIST_MODEL_PATH.replace(/^\//, ''), base).href,
    },
  ];
}
