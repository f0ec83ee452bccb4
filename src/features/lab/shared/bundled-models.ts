/**
 * The models that ship with the app, listed in one place: the lab offers each whose manifest the
 * build (or the service worker's cache) has, and says which are missing. The pothole entry is
 * the field app's own model, including a `?model=` override, so both views read the same model.
 */
import { POTHOLE_MODEL_URL, workerConfigFrom } from '../../../workers/worker-config';

export interface BundledModel {
  id: 'field' | 'pothole' | 'mnist';
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
  return [
    {
      id: 'field',
      title: 'Road damage model (the field app’s)',
      purpose: 'Filters, Grad-CAM of each damage type, region audit',
      manifestUrl: fieldUrl,
    },
    // The first field model, kept for comparison (unless ?model= already made it the app's).
    ...(fieldUrl === potholeUrl
      ? []
      : [
          {
            id: 'pothole' as const,
            title: 'Pothole model (the first field model)',
            purpose: 'Filters, Grad-CAM of road photos, region audit',
            manifestUrl: potholeUrl,
          },
        ]),
    {
      id: 'mnist',
      title: 'MNIST digits',
      purpose: 'Draw a digit; filters of a small CNN',
      manifestUrl: new URL(MNIST_MODEL_PATH.replace(/^\//, ''), base).href,
    },
  ];
}
