/**
 * Which model the phone runs and which it can go back to, as a small state machine kept by the
 * page (client/install-state-store.ts). `current` null is the model the app came with (bundled);
 * `previous` is the one "Go back" returns to ('bundled' for the app's own). A release becomes
 * current only through `installed`, which the page calls once every file is stored, verified,
 * and loaded in the worker: a failure only records `problem`, so the working model stays.
 * Pure: every transition returns a new state.
 */
export interface InstalledModel {
  version: string;
  modelId: string;
  /** The manifest's name ("RoadCAM road damage ..."). */
  name: string;
  /** The release's notes as published. */
  notes: string;
  publishedAt: string;
  installedAt: string;
  /** "What changed", worded when it was installed (what-changed.ts). */
  whatChanged: string[];
}

export interface InstallProblem {
  version: string;
  /** For the engineer: what went wrong, that the working model stays, what to do. */
  message: string;
  detail?: string;
  at: string;
}

export interface ModelInstallState {
  /** The installed model the worker loads; null: the app's own (bundled) model. */
  current: InstalledModel | null;
  /** What "Go back" returns to; null when there is nothing to go back to. */
  previous: InstalledModel | 'bundled' | null;
  /** Releases the engineer went back from, or that did not run on this phone, newest last: not
   * installed again by themselves (the server's next release is). */
  declined: string[];
  /** The last install that failed (cleared by the next one that succeeds). */
  problem: InstallProblem | null;
  /** True until the engineer has seen "Model X installed: what changed" (dismissed). */
  announce: boolean;
}

export const INITIAL_INSTALL_STATE: ModelInstallState = {
  current: null,
  previous: null,
  declined: [],
  problem: null,
  announce: false,
};

/** How many declined versions are remembered. */
const MAX_DECLINED = 20;

/** The release is stored, verified and running: it becomes current, the old one previous (the
 * same release installed again, its files having been dropped, keeps the way back it had). */
export function installed(state: ModelInstallState, model: InstalledModel): ModelInstallState {
  const again = state.current?.version === model.version;
  return {
    current: model,
    previous: again ? state.previous : (state.current ?? 'bundled'),
    declined: state.declined.filter((v) => v !== model.version),
    problem: null,
    announce: true,
  };
}

/**
 * An install that failed: the running model and what it can go back to stay as they were.
 * `neverAgain` (a model that downloaded whole but does not run here): the release is not
 * downloaded again; a cut or corrupt download is, at the next sync.
 */
export function installFailed(
  state: ModelInstallState,
  problem: InstallProblem,
  neverAgain = false,
): ModelInstallState {
  if (!neverAgain || state.declined.includes(problem.version)) return { ...state, problem };
  return { ...state, problem, declined: [...state.declined, problem.version].slice(-MAX_DECLINED) };
}

/** "Go back to model X": the previous model runs again; the one left is not offered again. */
export function wentBack(state: ModelInstallState): ModelInstallState {
  if (!state.current || state.previous === null) return state;
  const back = state.previous;
  return {
    current: back === 'bundled' ? null : back,
    previous: back === 'bundled' ? null : 'bundled',
    declined: [
      ...state.declined.filter((v) => v !== state.current?.version),
      state.current.version,
    ].slice(-MAX_DECLINED),
    problem: null,
    announce: false,
  };
}

export function dismissed(state: ModelInstallState): ModelInstallState {
  return { ...state, announce: false };
}

/** The installed releases whose files must stay on the phone (current and previous). */
export function versionsToKeep(state: ModelInstallState): string[] {
  const keep: string[] = [];
  if (state.current) keep.push(state.current.version);
  if (state.previous && state.previous !== 'bundled') keep.push(state.previous.version);
  return keep;
}

/** A stored state read back, or the initial one when it is missing or not a state. */
export function readInstallState(value: unknown): ModelInstallState {
  if (typeof value !== 'object' || value === null) return INITIAL_INSTALL_STATE;
  const v = value as Partial<ModelInstallState>;
  const model = (m: unknown): InstalledModel | null =>
    typeof m === 'object' && m !== null && typeof (m as InstalledModel).version === 'string'
      ? (m as InstalledModel)
      : null;
  return {
    current: model(v.current),
    previous: v.previous === 'bundled' ? 'bundled' : model(v.previous),
    declined: Array.isArray(v.declined)
      ? v.declined.filter((d): d is string => typeof d === 'string')
      : [],
    problem: v.problem && typeof v.problem.message === 'string' ? v.problem : null,
    announce: v.announce === true,
  };
}
