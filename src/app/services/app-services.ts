/**
 * What the pages share, made once by the shell and handed down to them by context
 * (../app-context.ts): the survey store, the analysis worker, position, sync, installing and
 * updates, and the app-wide state they produce. Pages read `state` and call methods; every
 * change of `state` is announced with a `change` event, and surveys whose sync state changed
 * with a `records` event (at most every 250 ms), so state flows one way.
 * Marks the `roadcam:*` start-up timings that the app benchmark reads.
 */
import type { CamMethodName } from '../../explain/cam/compute-cam';
import { SurveyRepository } from '../../store';
import type { SurveyFilter as RepositoryFilter } from '../../store/survey-repository';
import { RunRepository } from '../../store/run-repository';
import { readStorageInfo, requestPersistence, type StorageInfo } from '../../store/storage-info';
import type { SurveyRecord, SyncState, VerdictKey } from '../../store/survey-record';
import { toShownError, type ShownError } from '../../ui/shown-error';
import type { EngineInfo, Explanation, ModelStatus } from '../../workers/protocol';
import {
  ModelUpdateService,
  type ModelUpdateView,
} from '../../features/model-update/client/model-update-service';
import { reanalyseStoredSurveys } from '../../features/model-update/client/survey-reanalyser';
import { loadInstallState } from '../../features/model-update/client/install-state-store';
import {
  tallyText,
  unfinishedRunAtStart,
} from '../../features/model-update/shared/survey-reanalysis';
import { UnfinishedReanalysis } from '../../features/model-update/client/unfinished-reanalysis';
import { startAnalysis, takeEarlyAnalysis, type AnalysisClient } from './analysis-client';
import { InstallService, type InstallState } from './install';
import { NotesDraft, type NotesSettled } from './notes-draft';
import { PositionTracker, type PositionResult } from './position';
import { RoadService } from './road-service';
import { PhotosOnTheWay } from './photos-on-the-way';
import { SurveyService } from './survey-service';
import { registerServiceWorker, type UpdateHandle } from './sw-update';
import { INITIAL_SYNC_VIEW, SyncService, type SyncView } from './sync-service';

export interface AppState {
  engine: EngineInfo | null;
  modelStatus: ModelStatus;
  sync: SyncView;
  storage: StorageInfo;
  install: InstallState;
  /** A new version is installed and waits for the engineer's "Reload". */
  updateReady: boolean;
  /** The error box above every page; cleared when the next photo is chosen. */
  error: ShownError | null;
  /** The survey page's status line ("Saved (position ±8 m).", "Survey deleted."). */
  notice: string;
  /** The CAM method and heatmap opacity chosen, for the survey page and the detail view. */
  method: CamMethodName;
  opacity: number;
  /** The survey filters, shared by the list and the map. */
  filter: SurveyFilter;
  /** The model roll-out: installed model, previous one, download in progress, last problem. */
  modelUpdate: ModelUpdateView;
  /** "Re-analyse stored surveys": progress or result; null before the first run. */
  reanalysis: { text: string; running: boolean } | null;
}

export interface SurveyFilter {
  verdict: VerdictKey | '';
  sync: SyncState | '';
  /** A damage type found (road-damage surveys), or '' for all. */
  type: string;
}

/** The repository's query for the surveys a filter shows ('' is "all": no condition). */
export function surveysQuery(filter: SurveyFilter): RepositoryFilter {
  return {
    verdict: filter.verdict || undefined,
    syncState: filter.sync || undefined,
    type: filter.type || undefined,
  };
}

/** How often pages re-read surveys whose sync state changes (a flush changes many). */
const RECORDS_REFRESH_MS = 250;

export class AppServices extends EventTarget {
  state: AppState = {
    engine: null,
    modelStatus: { state: 'loading' },
    sync: INITIAL_SYNC_VIEW,
    storage: { usedBytes: null, quotaBytes: null, persisted: null },
    install: 'unavailable',
    updateReady: false,
    error: null,
    notice: '',
    method: 'gradcam',
    opacity: 0.5,
    filter: { verdict: '', sync: '', type: '' },
    modelUpdate: { install: loadInstallState(), activity: { kind: 'idle' } },
    reanalysis: null,
  };
  /** The road network kept on the phone (Map page, survey detail). */
  readonly roads = new RoadService();
  readonly notes = new NotesDraft((id, notes) => this.saveNotes(id, notes));

  private repoReady: Promise<SurveyRepository | null> | null = null;
  private runsReady: Promise<RunRepository | null> | null = null;
  private client: AnalysisClient | null = null;
  private surveyService: SurveyService | null = null;
  private openedSurveys: { repo: SurveyRepository; service: SurveyService } | null = null;
  private sync: SyncService | null = null;
  private installer: InstallService | null = null;
  private updates: UpdateHandle | null = null;
  private modelUpdates: ModelUpdateService | null = null;
  private readonly unfinishedReanalysis = new UnfinishedReanalysis();
  private readonly positions = new PositionTracker();
  /** Photos chosen and not yet on screen: the installed app's start-up work waits for them. */
  readonly photosOnTheWay = new PhotosOnTheWay();
  private persistAsked = false;
  private recordsTimer: ReturnType<typeof setTimeout> | null = null;
  private modelSettled!: () => void;
  /** Settles once the worker's model is ready or has failed (or its engine did not start). */
  readonly modelSettledOnce = new Promise<void>((resolve) => (this.modelSettled = resolve));
  /** Surveys deleted in this session: the survey page stops showing them. */
  private readonly deleted = new Set<string>();

  constructor() {
    super();
    this.notes.addEventListener('settled', (event) => {
      const settled = (event as CustomEvent<NotesSettled>).detail;
      if (settled.ok) void this.enqueueForSync(settled.id);
      else this.reportError(settled.error);
    });
  }

  /** At start: opens the survey store, reads the storage estimate, listens for installing. */
  open(): void {
    void this.repository();
    void this.refreshStorage();
    if (!this.installer) {
      const installer = new InstallService();
      installer.addEventListener('change', () => this.set({ install: installer.state }));
      this.installer = installer;
      this.set({ install: installer.state });
    }
  }

  /** Once the page has loaded: the worker, the service worker and sync. */
  start(): void {
    this.startEngine();
    this.updates = registerServiceWorker();
    this.updates?.onUpdateReady(() => this.set({ updateReady: true }));
    void this.syncService();
  }

  private set(changes: Partial<AppState>): void {
    this.state = { ...this.state, ...changes };
    this.dispatchEvent(new Event('change'));
  }

  // ---- the survey store and the worker ----

  repository(): Promise<SurveyRepository | null> {
    this.repoReady ??= SurveyRepository.open().catch((error) => {
      this.reportError(error);
      return null;
    });
    return this.repoReady;
  }

  /** Drive runs (issue 13), in the same database as the surveys. */
  runRepository(): Promise<RunRepository | null> {
    this.runsReady ??= RunRepository.open().catch((error) => {
      this.reportError(error);
      return null;
    });
    return this.runsReady;
  }

  /** The analysis worker once started (the browser tests ask it for its live tensors). */
  get analysis(): AnalysisClient | null {
    return this.client;
  }

  startEngine(): void {
    if (this.client) return;
    // Started by the app's first module already when the app was opened installed (main.ts).
    const { client, bundledModelUrl, engine } = takeEarlyAnalysis() ?? startAnalysis(location);
    this.client = client;
    this.modelUpdates = new ModelUpdateService({
      worker: client,
      settings: async () => (await this.syncService())?.settings() ?? null,
      runningModel: () =>
        this.state.modelStatus.state === 'ready' ? this.state.modelStatus.model : null,
      bundledModelUrl,
      origin: location.origin,
      onView: (modelUpdate) => {
        const installedNow =
          modelUpdate.install.announce &&
          modelUpdate.install.current?.version !== this.state.modelUpdate.install.current?.version;
        this.set({ modelUpdate });
        if (installedNow) {
          this.notify(
            `Model ${modelUpdate.install.current?.version} installed: what changed is under About.`,
          );
        }
      },
      onSwitched: (modelStatus) => {
        this.set({ modelStatus });
        // A run cut short for the model left behind is no longer wanted.
        if (this.state.reanalysis?.running !== true) this.carryOnReanalysis();
      },
    });
    engine.then(
      async (info) => {
        performance.mark('roadcam:backend-ready');
        this.set({ engine: info });
        this.set({ modelStatus: await client.modelStatus() });
        performance.mark('roadcam:model-settled');
        this.modelSettled();
        this.carryOnReanalysis();
      },
      (error) => {
        this.modelSettled();
        this.reportError({
          message: 'The analysis engine could not start. Reload the app.',
          detail: String(error),
        });
      },
    );
  }

  /** The store and the survey flow, with the worker started; null when the store is shut. */
  async surveys(): Promise<{ repo: SurveyRepository; service: SurveyService } | null> {
    this.startEngine();
    const repo = await this.repository();
    if (!repo || !this.client) return null;
    this.surveyService ??= new SurveyService(
      repo,
      this.client,
      this.positions,
      this.photosOnTheWay,
    );
    return (this.openedSurveys = { repo, service: this.surveyService });
  }

  /** The same, without waiting, once surveys() has opened them (else null): the survey page
   * sends a photo to the worker before it re-renders. */
  openSurveys(): { repo: SurveyRepository; service: SurveyService } | null {
    return this.openedSurveys;
  }

  async reloadModel(): Promise<ModelStatus | null> {
    if (!this.client) return null;
    const modelStatus = await this.client.reloadModel();
    this.set({ modelStatus });
    return modelStatus;
  }

  /** "Try loading the model again". */
  async retryModel(): Promise<void> {
    if (!this.client) return;
    this.set({ modelStatus: { state: 'loading' } });
    await this.reloadModel();
  }

  /** A saved photo explained with another CAM method (which becomes the one chosen). */
  async explain(jpeg: Blob, method: CamMethodName): Promise<Explanation | null> {
    if (!this.client) return null;
    this.set({ method });
    const outcome = await this.client.explainPhoto(jpeg, method);
    if (outcome.ok) return outcome.value;
    this.reportError(outcome.error);
    return null;
  }

  /** "Analyse now": a survey kept without a verdict, analysed once the model is there. */
  async analyseSaved(
    id: string,
  ): Promise<{ record: SurveyRecord; explanation: Explanation } | null> {
    const s = await this.surveys();
    if (!s) return null;
    const status = await this.reloadModel();
    if (status?.state !== 'ready') {
      this.reportError({
        message: status?.state === 'failed' ? status.message : 'The model is still loading.',
      });
      return null;
    }
    const done = await s.service.analyseSaved(id, this.state.method);
    if ('message' in done) {
      this.reportError(done);
      return null;
    }
    void this.enqueueForSync(done.record.id);
    return done;
  }

  /** Deletes a survey and its photo from the phone; false (and an error shown) when it failed. */
  async deleteSurvey(id: string): Promise<boolean> {
    const repo = await this.repository();
    if (!repo) return false;
    try {
      this.notes.discard(id);
      await repo.delete(id);
      this.deleted.add(id);
      this.notify('Survey deleted.');
      return true;
    } catch (error) {
      this.reportError(error);
      return false;
    }
  }

  wasDeleted(id: string | null): boolean {
    return id !== null && this.deleted.has(id);
  }

  private async saveNotes(id: string, notes: string): Promise<SurveyRecord> {
    const repo = await this.repository();
    if (!repo) throw new Error('The survey store is not open.');
    return repo.update(id, { notes });
  }

  // ---- messages and choices ----

  reportError(error: unknown): void {
    const shown = toShownError(error);
    if (shown.detail) console.warn('RoadCAM:', shown.message, '\n', shown.detail);
    this.set({ error: shown });
  }

  /** A new photo: the last error and notice go. */
  clearMessages(): void {
    this.set({ error: null, notice: '' });
  }

  notify(notice: string): void {
    this.set({ notice });
  }

  setOpacity(opacity: number): void {
    this.set({ opacity });
  }

  setFilter(filter: SurveyFilter): void {
    this.set({ filter });
  }

  /** "Where am I" on the map: a recent fix, or the first within `waitMs` (asks permission). */
  currentPosition(waitMs = 15_000): Promise<PositionResult> {
    return this.positions.current(waitMs);
  }

  // ---- storage ----

  async refreshStorage(): Promise<void> {
    this.set({ storage: await readStorageInfo() });
  }

  /** Asks that surveys be kept safe, once, after the first survey is saved. */
  async persistAfterFirstSave(): Promise<void> {
    if (this.persistAsked) return;
    this.persistAsked = true;
    await requestPersistence();
  }

  /** "Ask to keep surveys safe". */
  async requestPersistence(): Promise<void> {
    await requestPersistence();
    await this.refreshStorage();
  }

  // ---- sync (src/sync through ./sync-service) ----

  /** The outbox starts once the page has loaded and the survey store is open. */
  async syncService(): Promise<SyncService | null> {
    if (this.sync) return this.sync;
    const repo = await this.repository();
    if (!repo) return null;
    this.sync ??= new SyncService(
      repo,
      (sync) => {
        this.set({ sync });
        this.recordsChanged();
      },
      () => this.recordsChanged(),
      () => void this.modelUpdates?.checkAfterSync(),
    );
    // The runs before start: the outbox's server check asks about them from its first flush.
    this.sync.setRunRepository(this.runRepository());
    void this.sync.start();
    return this.sync;
  }

  /** After a survey is saved or edited. */
  async enqueueForSync(id: string): Promise<void> {
    try {
      await (await this.syncService())?.enqueue(id);
    } catch (error) {
      this.reportError(error);
    }
  }

  /** Surveys changed: pages that show them re-read them (at most every 250 ms). */
  recordsChanged(): void {
    if (this.recordsTimer) return;
    this.recordsTimer = setTimeout(() => {
      this.recordsTimer = null;
      this.dispatchEvent(new Event('records'));
    }, RECORDS_REFRESH_MS);
  }

  // ---- the model roll-out (src/features/model-update) ----

  /** Asks the sync server for a new model now (the app does after each sync). */
  checkModelUpdate(): Promise<void> {
    return this.modelUpdates?.checkAfterSync() ?? Promise.resolve();
  }

  /** "Go back to model X". */
  async goBackModel(): Promise<void> {
    if (await this.modelUpdates?.goBack()) {
      this.unfinishedReanalysis.forget();
      this.set({ reanalysis: null });
    }
  }

  /** At start: a re-analysis a reload cut short goes on with the surveys still to do. */
  private carryOnReanalysis(): void {
    const status = this.state.modelStatus;
    const running = status.state === 'ready' ? status.model : null;
    switch (unfinishedRunAtStart(this.unfinishedReanalysis.read(), running)) {
      case 'resume':
        void this.reanalyseStored();
        break;
      case 'forget':
        this.unfinishedReanalysis.forget();
        break;
    }
  }

  dismissModelNews(): void {
    this.modelUpdates?.dismiss();
  }

  /** "Re-analyse stored surveys" with the running model; each result is synced as an edit. */
  async reanalyseStored(): Promise<void> {
    const status = this.state.modelStatus;
    if (status.state !== 'ready' || this.state.reanalysis?.running) return;
    const { id, version } = status.model;
    // Before any wait: a reload from here on finds the run and carries it on.
    this.unfinishedReanalysis.started({ id, version });
    this.set({ reanalysis: { text: 'Analysing stored surveys again…', running: true } });
    const s = await this.surveys();
    if (!s) {
      this.set({ reanalysis: null });
      return;
    }
    await reanalyseStoredSurveys(
      { id, version },
      {
        list: () => s.repo.list(),
        reanalyse: (record) => s.service.reanalyse(record.id, this.state.method),
        enqueue: (surveyId) => this.enqueueForSync(surveyId),
        onProgress: (tally, running) => {
          this.set({ reanalysis: { text: tallyText(tally, running), running } });
          this.recordsChanged();
          if (!running) this.unfinishedReanalysis.forget();
        },
      },
    ).catch((error) => {
      // The run stays unfinished: the next start tries again.
      this.set({ reanalysis: null });
      this.reportError(error);
    });
  }

  // ---- installing and updates ----

  async install(): Promise<void> {
    await this.installer?.install();
  }

  /** "Reload" for a new version: typed notes are saved first. */
  async applyUpdate(): Promise<void> {
    await this.notes.flush();
    this.updates?.applyUpdate();
  }
}
