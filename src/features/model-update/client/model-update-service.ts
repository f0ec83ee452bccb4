/**
 * The phone's model roll-out (issue 11): after each sync it asks the server for the current
 * release; a new one is downloaded in the background, every file checked against its SHA-256,
 * stored as a whole, loaded in the analysis worker beside the running model, and only then
 * made the model (install-state.ts). Any failure leaves the working model running and says
 * what went wrong and what to do. "Go back" returns to the previous model; the app's own
 * (bundled) model is always the last one to go back to. Re-analysing stored surveys is
 * survey-reanalyser.ts.
 */
import type { ModelReleaseResponse } from '../../../schema/model-release';
import type { SyncSettings } from '../../../sync/settings';
import { apiUrl, serverBase } from '../../../sync/settings';
import { installedFileUrl } from '../../../workers/installed-model';
import type { ModelInfo, ModelStatus, Outcome } from '../../../workers/protocol';
import {
  dismissed,
  installed,
  installFailed,
  versionsToKeep,
  wentBack,
  type InstalledModel,
  type ModelInstallState,
} from '../shared/install-state';
import { decideRelease, ModelUpdateError, parseRelease } from '../shared/release-check';
import { whatChanged, type ManifestFacts } from '../shared/what-changed';
import { loadInstallState, saveInstallState } from './install-state-store';
import {
  downloadRelease,
  dropDownload,
  dropReleasesExcept,
  releaseComplete,
  storeRelease,
} from './release-files';
import type { ModelUpdateView, UpdateActivity } from '../shared/update-view';

export type { ModelUpdateView, UpdateActivity };

/** What the service needs of the analysis worker. */
export interface ModelSwitcher {
  switchModel(manifestUrl: string, version?: string): Promise<Outcome<ModelStatus>>;
}

export interface ModelUpdateDeps {
  worker: ModelSwitcher;
  /** The saved sync settings (null: sync not set up, so nothing to ask). */
  settings(): Promise<SyncSettings | null>;
  /** The model running now (for "what changed"); null while none is loaded. */
  runningModel(): ModelInfo | null;
  /** The manifest URL of the app's own model (the last fallback). */
  bundledModelUrl: string;
  origin: string;
  onView(view: ModelUpdateView): void;
  /** A model was switched to (installed or gone back to): the worker's new status. */
  onSwitched(status: ModelStatus): void;
}

export class ModelUpdateService {
  private state: ModelInstallState = loadInstallState();
  private activity: UpdateActivity = { kind: 'idle' };
  private running: Promise<void> | null = null;

  constructor(private readonly deps: ModelUpdateDeps) {}

  get view(): ModelUpdateView {
    return { install: this.state, activity: this.activity };
  }

  private publish(): void {
    this.deps.onView(this.view);
  }

  private commit(next: ModelInstallState): void {
    saveInstallState(next);
    this.state = next;
    this.publish();
  }

  private setActivity(activity: UpdateActivity): void {
    this.activity = activity;
    this.publish();
  }

  /** After a sync: installs the server's current release when it is new. One check at a time. */
  checkAfterSync(): Promise<void> {
    this.running ??= this.check().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async check(): Promise<void> {
    const settings = await this.deps.settings();
    if (!settings?.token) return;
    let base: URL;
    try {
      base = serverBase(settings.serverUrl, this.deps.origin);
    } catch {
      return; // the sync settings say what is wrong with the address
    }
    this.setActivity({ kind: 'checking' });
    let version = '';
    try {
      const release = await this.fetchCurrent(base, settings.token);
      if (!release) return;
      version = release.version;
      const decision = decideRelease(this.state, release);
      if (decision.action === 'keep') {
        // Installed, but its files may be gone (the browser can drop them): install again.
        if (decision.why === 'went-back') return;
        if (await releaseComplete(this.deps.origin, release)) return;
      }
      await this.install(release, base, settings.token);
    } catch (error) {
      this.fail(version, error);
    } finally {
      this.setActivity({ kind: 'idle' });
    }
  }

  /** The server's current release; null when it has none or cannot be reached now. */
  private async fetchCurrent(base: URL, token: string): Promise<ModelReleaseResponse | null> {
    let response: Response;
    try {
      response = await fetch(apiUrl(base, 'models/current'), {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        credentials: 'omit',
        cache: 'no-store',
        signal: AbortSignal.timeout(30_000),
      });
    } catch {
      return null; // offline again: the next sync asks again
    }
    // 204: no model published yet (404 from a server before model releases).
    if (response.status === 204 || response.status === 404) return null;
    if (!response.ok) return null; // the sync status already tells of server trouble
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw new ModelUpdateError(
        'bad-release',
        'The sync server’s answer about its model was not readable; the current model stays.',
        String(error),
      );
    }
    return parseRelease(body);
  }

  private async install(release: ModelReleaseResponse, base: URL, token: string): Promise<void> {
    const { version } = release;
    const files = await downloadRelease(release, {
      base,
      token,
      onProgress: (progress) => this.setActivity({ kind: 'downloading', version, progress }),
    });
    await storeRelease(this.deps.origin, version, files);
    await dropDownload(version);
    this.setActivity({ kind: 'switching', version });
    if (!(await releaseComplete(this.deps.origin, release))) {
      throw new ModelUpdateError(
        'storage',
        `Model ${version} was not installed: the phone did not keep all of its files. The ` +
          'current model stays; free some space and sync again.',
      );
    }
    const before = this.deps.runningModel();
    const switched = await this.deps.worker.switchModel(
      installedFileUrl(this.deps.origin, version, 'manifest.json'),
      version,
    );
    if (!switched.ok) {
      await dropReleasesExcept(versionsToKeep(this.state));
      throw new ModelUpdateError(
        'load',
        `Model ${version} was downloaded but does not run on this phone, so it was not ` +
          `switched to: ${switched.error.message} The current model stays; tell whoever ` +
          'published the model.',
        switched.error.detail,
      );
    }
    const manifest = release.manifest as ManifestFacts;
    const model: InstalledModel = {
      version,
      modelId: release.modelId,
      name: typeof manifest.name === 'string' ? manifest.name : release.modelId,
      notes: release.notes,
      publishedAt: release.publishedAt,
      installedAt: new Date().toISOString(),
      whatChanged: whatChanged(
        manifest,
        release.notes,
        before ? { labels: before.labels, version: before.version } : null,
      ),
    };
    this.commit(installed(this.state, model));
    this.deps.onSwitched(switched.value);
    await dropReleasesExcept(versionsToKeep(this.state));
  }

  private fail(version: string, error: unknown): void {
    const e =
      error instanceof ModelUpdateError
        ? error
        : new ModelUpdateError(
            'download',
            `Model ${version || '(new)'} was not installed: ${String(error)}. The current ` +
              'model stays; the next sync tries again.',
          );
    console.warn('RoadCAM: model update failed', e.message, e.detail ?? '');
    this.commit(
      installFailed(
        this.state,
        {
          version,
          message: e.message,
          ...(e.detail ? { detail: e.detail } : {}),
          at: new Date().toISOString(),
        },
        e.code === 'load',
      ),
    );
  }

  /** "Go back to model X". False (and the problem shown) when it could not load. */
  async goBack(): Promise<boolean> {
    await this.running;
    const back = this.state.previous;
    if (!this.state.current || back === null) return false;
    const url =
      back === 'bundled'
        ? this.deps.bundledModelUrl
        : installedFileUrl(this.deps.origin, back.version, 'manifest.json');
    const switched = await this.deps.worker.switchModel(
      url,
      back === 'bundled' ? undefined : back.version,
    );
    if (!switched.ok) {
      this.commit(
        installFailed(this.state, {
          version: back === 'bundled' ? 'bundled' : back.version,
          message: `Could not go back: ${switched.error.message} The current model stays.`,
          ...(switched.error.detail ? { detail: switched.error.detail } : {}),
          at: new Date().toISOString(),
        }),
      );
      return false;
    }
    this.commit(wentBack(this.state));
    this.deps.onSwitched(switched.value);
    await dropReleasesExcept(versionsToKeep(this.state));
    return true;
  }

  dismiss(): void {
    this.commit(dismissed(this.state));
  }
}
