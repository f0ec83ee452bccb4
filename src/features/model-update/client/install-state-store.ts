/**
 * The install state (../shared/install-state.ts) kept in localStorage: small, read synchronously
 * when the page starts the worker (which model to load), written in one call, so the switch to a
 * new model is one atomic write after its files are stored. Only the page reads it (the service
 * worker never loads a model).
 */
import {
  INITIAL_INSTALL_STATE,
  readInstallState,
  type ModelInstallState,
} from '../shared/install-state';

const KEY = 'roadcam.model-install';

export function loadInstallState(): ModelInstallState {
  try {
    const text = localStorage.getItem(KEY);
    return text ? readInstallState(JSON.parse(text)) : INITIAL_INSTALL_STATE;
  } catch {
    // Unreadable (storage blocked, or damaged): the app's own model, which always works.
    return INITIAL_INSTALL_STATE;
  }
}

export function saveInstallState(state: ModelInstallState): void {
  localStorage.setItem(KEY, JSON.stringify(state));
}
