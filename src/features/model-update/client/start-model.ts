/**
 * Which model the analysis worker loads at start: the installed one (the roll-out), with the
 * app's own as its fallback. Apart from the roll-out service, so that the app's first module
 * can start the worker without loading the rest of the roll-out.
 */
import { installedFileUrl } from '../../../workers/installed-model';
import type { ModelInstallState } from '../shared/install-state';
import { loadInstallState } from './install-state-store';

/** The manifest URL the worker loads at start: the installed model's, or null (bundled). */
export function installedManifestUrl(origin: string, state: ModelInstallState): string | null {
  return state.current ? installedFileUrl(origin, state.current.version, 'manifest.json') : null;
}

/**
 * The worker's start configuration with the installed model, when there is one: the app's own
 * model becomes its fallback. A `?model=` URL (tests, a model builder) wins over both.
 */
export function withInstalledModel<C extends { modelUrl: string }>(
  config: C,
  location: { origin: string; search: string },
): C & { fallbackModelUrl?: string } {
  if (new URLSearchParams(location.search).has('model')) return config;
  const installedUrl = installedManifestUrl(location.origin, loadInstallState());
  return installedUrl
    ? { ...config, modelUrl: installedUrl, fallbackModelUrl: config.modelUrl }
    : config;
}
