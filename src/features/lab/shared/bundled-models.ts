/**
 * The models that ship with the app, listed in one place: the lab offers each whose manifest the
 * build (or the service worker's cache) has, and says which are missing. The pothole entry is
 * the field app's own model, including a `?model=` override, so both views read the same model.
 */
import { workerConfigFrom } from '../../../workers/worker-config';

export interface BundledModel {
  id: 'pothole' | 'mnist';
  title: string;
  /** What it is for, in the lab. */
  purpose: string;
  manifestUrl: string;
}

const MNIST_MODEL_PATH = '/models/mnist/manifest.json';

export function bundledModels(location: { href: string; search: string }): BundledModel[] {
  const base = new URL(import.meta.env.BASE_URL ?? '/', location.href);
  return [
    {
      id: 'pothole',
      title: 'Pothole model (the field app’s)',
      purpose: 'Filters, Grad-CAM of road photos, region audit',
      manifestUrl: workerConfigFrom(location).modelUrl,
    },
    {
      id: 'mnist',
      title: 'MNIST digits',
      purpose: 'Draw a digit; filters of a small CNN',
      manifestUrl: new URL(MNIST_MODEL_PATH.replace(/^\//, ''), base).href,
    },
  ];
}
