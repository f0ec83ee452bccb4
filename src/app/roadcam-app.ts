/**
 * The app shell: owns the state and the services (store, worker, position, install, updates)
 * and hands data down to the small components in src/components; they raise events, this
 * decides. Marks `roadcam:*` user timings that the app benchmark reads.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { CamMethodName } from '../explain/cam/compute-cam';
import type { SurveyVerdict } from '../schema/survey';
import { SurveyRepository, type SurveyRecord, type VerdictKey, type SyncState } from '../store';
import type { EngineInfo, ModelStatus } from '../workers/protocol';
import '../components/rc-about';
import type { AboutView } from '../components/rc-about';
import '../components/rc-camera';
import '../components/rc-capture';
import '../components/rc-explanation';
import type { Region } from '../components/rc-heatmap';
import '../components/rc-survey-detail';
import type { SurveyDetailView, SyncConflictView } from '../components/rc-survey-detail';
import '../components/rc-survey-list';
import type { SurveyListItem, SyncSummary } from '../components/rc-survey-list';
import '../components/rc-sync-settings';
import type { SyncSettingsView } from '../components/rc-sync-settings';
import '../components/rc-error-message';
import { theme } from '../components/theme';
import { workerConfigFrom } from '../model/worker-config';
import { readStorageInfo, requestPersistence, type StorageInfo } from '../store/storage-info';
import { FIELD_CAM_METHODS, isFieldCamMethod } from '../ui/cam-methods';
import { engineText } from '../ui/engine-text';
import { formatBytes } from '../ui/format-bytes';
import { toShownError, type ShownError } from '../ui/shown-error';
import { ThumbnailUrls } from '../ui/thumbnail-urls';
import { verdictProbability } from '../ui/verdict-probability';
import { createAnalysisClient, type AnalysisClient } from './analysis-client';
import { InstallService } from './install';
import { describeNoPosition, PositionTracker } from './position';
import { parseRoute, routePath, type Route } from './router';
import { SurveyService } from './survey-service';
import { registerServiceWorker, type UpdateHandle } from './sw-update';
import {
  failureLabel,
  INITIAL_SYNC_VIEW,
  lastSyncText,
  SyncService,
  waitingText,
  type SyncView,
} from './sync-service';
import { whereLooked } from './where-looked';

const WHOLE: Region = { x: 0, y: 0, width: 1, height: 1 };
/** User timings of one photo (the app benchmark reads them); start-up marks are kept. */
const PHOTO_MARKS = [
  'roadcam:photo-chosen',
  'roadcam:verdict-shown',
  'roadcam:heatmap-shown',
  'roadcam:saved',
];
const NOTES_SAVE_DELAY_MS = 600;

interface ShownResult {
  recordId: string | null;
  verdict: SurveyVerdict | null;
  verdictReason: string;
  photo: ImageBitmap;
  jpeg: Blob;
  heatmap: ImageBitmap | null;
  region: Region;
  whereLooked: string;
  method: string;
}

const ADJUSTMENT_TEXT: Record<string, string> = {
  reduced: 'reduced to 1600 px',
  rotated: 'turned upright (EXIF orientation)',
  flattened: 'transparent parts filled with white',
  greyscale: 'black-and-white photo',
  cmyk: 'converted from CMYK',
};

/** Runs `job` when the page has loaded and the main thread is idle (or after 2 s at most). */
function afterLoad(job: () => void): void {
  const idle = () =>
    'requestIdleCallback' in window
      ? requestIdleCallback(() => job(), { timeout: 2000 })
      : setTimeout(job, 0);
  if (document.readyState === 'complete') idle();
  else window.addEventListener('load', idle, { once: true });
}

@customElement('roadcam-app')
export class RoadcamApp extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: grid;
        grid-template-rows: auto 1fr auto;
        min-height: 100vh;
        min-height: 100dvh;
        background: var(--rc-bg);
      }
      header {
        background: #1b2a3a;
        color: #fff;
        padding: 0.6rem 1rem;
      }
      header h1 {
        margin: 0;
        font-size: 1.25rem;
      }
      main {
        padding: 1rem;
        display: grid;
        gap: 1rem;
        align-content: start;
        max-width: 44rem;
        width: 100%;
        margin: 0 auto;
      }
      nav {
        position: sticky;
        bottom: 0;
        display: grid;
        grid-template-columns: repeat(4, 1fr);
        background: #1b2a3a;
        padding: 0.25rem;
        gap: 0.25rem;
      }
      nav a {
        min-height: 56px;
        display: flex;
        align-items: center;
        justify-content: center;
        color: #fff;
        text-decoration: none;
        font-weight: 600;
        border-radius: 8px;
      }
      nav a[aria-current='page'] {
        background: #0b5cad;
      }
      nav a:focus-visible {
        outline: 3px solid #f0a400;
      }
      .notice {
        background: var(--rc-surface);
        border-radius: 10px;
        padding: 0.5rem 1rem;
        margin: 0;
      }
      .update {
        display: flex;
        gap: 0.75rem;
        align-items: center;
        justify-content: space-between;
        background: #fff4d6;
        color: #3d2b00;
        border-radius: 10px;
        padding: 0.5rem 1rem;
      }
      .status {
        font-size: 0.9rem;
        margin: 0;
      }
      h2 {
        margin: 0;
        font-size: 1.2rem;
      }
    `,
  ];

  @state() private route: Route = parseRoute(location.pathname);
  @state() private engine: EngineInfo | null = null;
  @state() private modelStatus: ModelStatus = { state: 'loading' };
  @state() private error: ShownError | null = null;
  @state() private notice = '';
  @state() private busy = false;
  /** Counts photos chosen; rendered so that tests know the app has taken the next one. */
  @state() private photosChosen = 0;
  @state() private explaining = false;
  @state() private result: ShownResult | null = null;
  @state() private opacity = 0.5;
  @state() private method: CamMethodName = 'gradcam';
  @state() private items: SurveyListItem[] = [];
  @state() private total = 0;
  @state() private verdictFilter: VerdictKey | '' = '';
  @state() private syncFilter: SyncState | '' = '';
  @state() private storage: StorageInfo = { usedBytes: null, quotaBytes: null, persisted: null };
  @state() private detail: SurveyRecord | null = null;
  @state() private detailPhoto: ImageBitmap | null = null;
  @state() private detailHeatmap: ImageBitmap | null = null;
  @state() private detailWhere = '';
  @state() private detailMethod = '';
  @state() private confirmingDelete = false;
  @state() private saveState = '';
  @state() private updateReady = false;
  @state() private cameraOpen = false;
  @state() private installState: AboutView['install'] = 'unavailable';
  @state() private syncView: SyncView = INITIAL_SYNC_VIEW;
  @state() private syncSettings: SyncSettingsView | null = null;
  @state() private detailConflict: SyncConflictView | null = null;
  /** The lab, once opened, stays mounted (hidden) so a re-analysis goes on in the background. */
  @state() private labOpened = false;

  private repo: SurveyRepository | null = null;
  private repoReady: Promise<SurveyRepository | null> | null = null;
  private client: AnalysisClient | null = null;
  private service: SurveyService | null = null;
  private readonly positions = new PositionTracker();
  private readonly installer = new InstallService();
  private updates: UpdateHandle | null = null;
  private readonly thumbnails = new ThumbnailUrls();
  private pendingNotes: { id: string; notes: string } | null = null;
  private notesTimer: ReturnType<typeof setTimeout> | null = null;
  private persistAsked = false;
  private sync: SyncService | null = null;
  private syncRefreshTimer: ReturnType<typeof setTimeout> | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('popstate', this.onPopState);
    this.installer.addEventListener('change', () => (this.installState = this.installer.state));
    this.installState = this.installer.state;
    this.repoReady = SurveyRepository.open().then(
      (repo) => {
        this.repo = repo;
        return repo;
      },
      (error) => {
        this.showError(error);
        return null;
      },
    );
    // The worker (tfjs, wasm, model) and the service worker start once the page has painted and
    // loaded, so that they do not compete with the first render (in one comparison here,
    // starting the worker at first paint cost ~10 Lighthouse points and gained no cold-start
    // time); a photo chosen sooner starts the worker at once.
    afterLoad(() => {
      this.startEngine();
      this.updates = registerServiceWorker();
      this.updates?.onUpdateReady(() => (this.updateReady = true));
      void this.syncService();
      // A re-analysis the lab was running before a reload goes on, in the hidden lab.
      void import('../lab/reanalysis-pending')
        .then((m) => m.hasRunningReanalysis())
        .then((running) => (running ? this.openLab() : undefined));
    });
    void this.refreshStorage();
    void this.enterRoute(this.route);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('popstate', this.onPopState);
  }

  private startEngine(): void {
    if (this.client) return;
    performance.mark('roadcam:engine-start');
    const { client } = createAnalysisClient();
    this.client = client;
    const config = workerConfigFrom(location);
    client.start(config).then(
      async (engine) => {
        performance.mark('roadcam:backend-ready');
        this.engine = engine;
        this.modelStatus = await client.modelStatus();
        performance.mark('roadcam:model-settled');
      },
      (error) =>
        this.showError({
          message: 'The analysis engine could not start. Reload the app.',
          detail: String(error),
        }),
    );
  }

  private async services(): Promise<{ repo: SurveyRepository; service: SurveyService } | null> {
    this.startEngine();
    const repo = await this.repoReady;
    if (!repo || !this.client) return null;
    this.service ??= new SurveyService(repo, this.client, this.positions);
    return { repo, service: this.service };
  }

  // ---- navigation ----

  private onPopState = (): void => {
    void this.flushNotes();
    this.route = parseRoute(location.pathname);
    void this.enterRoute(this.route);
  };

  private navigate(route: Route, event?: Event): void {
    event?.preventDefault();
    void this.flushNotes();
    // Keep ?model= and ?backend= on every page, so a reload keeps the same set-up.
    history.pushState(null, '', routePath(route) + location.search);
    this.route = route;
    void this.enterRoute(route);
  }

  private async enterRoute(route: Route): Promise<void> {
    this.confirmingDelete = false;
    if (route.name === 'list') await this.refreshList();
    if (route.name === 'detail') await this.openDetail(route.id);
    if (route.name === 'about') await Promise.all([this.refreshStorage(), this.loadSyncSettings()]);
    if (route.name === 'lab') await this.openLab();
  }

  /** The lab is a separate chunk, loaded the first time it is needed. */
  private async openLab(): Promise<void> {
    try {
      await import('../lab/lab-shell');
      this.labOpened = true;
    } catch (error) {
      this.showError({
        message: 'The model lab could not be loaded. Reload the app once with a network.',
        detail: String(error),
      });
    }
  }

  // ---- errors ----

  private showError(error: unknown): void {
    this.error = toShownError(error);
    if (this.error.detail) console.warn('RoadCAM:', this.error.message, '\n', this.error.detail);
  }

  // ---- taking a photo ----

  private async onPhotoChosen(event: CustomEvent<{ file: Blob }>): Promise<void> {
    for (const mark of PHOTO_MARKS) performance.clearMarks(mark);
    performance.mark('roadcam:photo-chosen');
    this.error = null;
    this.notice = '';
    // The last result goes: a verdict must never be read as the answer for the new photo.
    this.result = null;
    this.photosChosen += 1;
    this.busy = true;
    this.cameraOpen = false;
    try {
      const s = await this.services();
      if (!s) return;
      const method = this.method;
      const outcome = await s.service.survey(event.detail.file, method, (analysis) => {
        const e = analysis.explanation;
        this.result = {
          recordId: null,
          verdict: e?.verdict ?? null,
          verdictReason: analysis.analysisError?.message ?? '',
          photo: analysis.display,
          jpeg: analysis.jpeg,
          heatmap: e?.heatmap ?? null,
          region: e?.region ?? WHOLE,
          whereLooked: e ? whereLooked(e.cam) : '',
          method: e?.cam.method ?? method,
        };
        void this.markWhenShown('roadcam:verdict-shown');
        const adjustments = analysis.adjustments.map((a) => ADJUSTMENT_TEXT[a] ?? a);
        if (adjustments.length) this.notice = `Photo ${adjustments.join(', ')}.`;
      });
      if (!outcome.ok) {
        this.showError(outcome.error);
        return;
      }
      if (outcome.saveError) {
        this.showError(outcome.saveError);
        return;
      }
      performance.mark('roadcam:saved');
      void this.enqueueForSync(outcome.draft.id);
      // (Set in the onAnalysed callback above, which TypeScript's narrowing cannot see.)
      const shown = this.result as ShownResult | null;
      if (shown) this.result = { ...shown, recordId: outcome.draft.id };
      const position = outcome.draft.position
        ? `position ±${outcome.draft.position.accuracyM !== null ? Math.round(outcome.draft.position.accuracyM) + ' m' : '? m (from the photo)'}`
        : describeNoPosition(outcome.draft.noPositionReason ?? 'unavailable').replace(/\.$/, '');
      this.notice = `${this.notice ? this.notice + ' ' : ''}Saved (${position.charAt(0).toLowerCase() + position.slice(1)}).`;
      if (!this.persistAsked) {
        this.persistAsked = true;
        await requestPersistence();
      }
      void this.refreshStorage();
      if (this.route.name === 'list') void this.refreshList();
    } catch (error) {
      this.showError({
        message: 'Something went wrong with this photo. Try again.',
        detail: String(error),
      });
    } finally {
      this.busy = false;
    }
  }

  /** User timing for the app benchmark: the frame after the result view has rendered. */
  private async markWhenShown(name: string): Promise<void> {
    await this.updateComplete;
    await this.renderRoot.querySelector('rc-explanation')?.updateComplete;
    requestAnimationFrame(() => performance.mark(name));
  }

  private onHeatmapDrawn(event: Event): void {
    const heatmap = event.composedPath()[0] as HTMLElement & { heatmap: ImageBitmap | null };
    if (heatmap.heatmap && performance.getEntriesByName('roadcam:heatmap-shown').length === 0) {
      requestAnimationFrame(() => performance.mark('roadcam:heatmap-shown'));
    }
  }

  private async onMethodChange(event: CustomEvent<{ method: string }>): Promise<void> {
    const method = event.detail.method;
    if (!isFieldCamMethod(method) || !this.client) return;
    const onDetail = this.route.name === 'detail';
    const jpeg = onDetail
      ? await this.repo?.getPhoto((this.route as { id: string }).id)
      : this.result?.jpeg;
    if (!jpeg) return;
    this.method = method;
    this.explaining = true;
    try {
      const outcome = await this.client.explainPhoto(jpeg, method);
      if (!outcome.ok) {
        this.showError(outcome.error);
        return;
      }
      const e = outcome.value;
      if (onDetail) {
        this.detailHeatmap = e.heatmap;
        this.detailWhere = whereLooked(e.cam);
        this.detailMethod = e.cam.method;
      } else if (this.result) {
        this.result = {
          ...this.result,
          heatmap: e.heatmap,
          region: e.region,
          whereLooked: whereLooked(e.cam),
          method: e.cam.method,
        };
      }
    } finally {
      this.explaining = false;
    }
  }

  // ---- list ----

  private async refreshList(): Promise<void> {
    const repo = await this.repoReady;
    if (!repo) return;
    try {
      const [records, total] = await Promise.all([
        repo.list({
          verdict: this.verdictFilter || undefined,
          syncState: this.syncFilter || undefined,
        }),
        repo.count(),
      ]);
      this.thumbnails.keepOnly(records.map((r) => r.id));
      this.items = records.map((r) => this.listItem(r));
      this.total = total;
    } catch (error) {
      this.showError(error);
    }
  }

  private listItem(r: SurveyRecord): SurveyListItem {
    return {
      id: r.id,
      createdAt: r.createdAt,
      verdictKey: r.verdictKey,
      probability: verdictProbability(r.verdict),
      lowConfidence: r.verdict?.lowConfidence ?? false,
      syncState: r.sync.state,
      syncProblem: failureLabel(this.syncView.failures.get(r.id)),
      severity: r.severity,
      hasPosition: !!r.position,
      notes: r.notes,
      thumbnailUrl: this.thumbnails.urlFor(r.id, r.thumbnail),
    };
  }

  private async onFilterChange(
    event: CustomEvent<{ verdict: string; sync: string }>,
  ): Promise<void> {
    this.verdictFilter = event.detail.verdict as VerdictKey | '';
    this.syncFilter = event.detail.sync as SyncState | '';
    await this.refreshList();
  }

  private async refreshStorage(): Promise<void> {
    this.storage = await readStorageInfo();
  }

  private storageText(): string {
    const { usedBytes, quotaBytes } = this.storage;
    if (usedBytes === null) return 'Storage use: unknown on this browser.';
    return `Storage: ${formatBytes(usedBytes)} used of ${formatBytes(quotaBytes)} available to this app.`;
  }

  // ---- detail ----

  private async openDetail(id: string): Promise<void> {
    this.startEngine();
    const repo = await this.repoReady;
    if (!repo) return;
    this.detail = null;
    this.detailPhoto = null;
    this.detailHeatmap = null;
    this.detailConflict = null;
    this.saveState = '';
    try {
      const record = await repo.get(id);
      if (!record) {
        this.showError({ message: 'This survey is no longer on the phone.' });
        this.navigate({ name: 'list' });
        return;
      }
      this.detail = record;
      void this.loadConflict(record);
      this.detailMethod = record.cam?.method ?? this.method;
      this.detailWhere = record.cam ? whereLooked(record.cam) : '';
      const photo = await repo.getPhoto(id);
      if (photo) this.detailPhoto = await createImageBitmap(photo);
      if (record.cam && this.client)
        this.detailHeatmap = await this.client.renderHeatmap(record.cam);
    } catch (error) {
      this.showError(error);
    }
  }

  private detailView(r: SurveyRecord): SurveyDetailView {
    const position = r.position
      ? `${r.position.lat.toFixed(6)}, ${r.position.lon.toFixed(6)}` +
        (r.position.accuracyM !== null
          ? ` (±${Math.round(r.position.accuracyM)} m, GPS)`
          : ' (from the photo)')
      : describeNoPosition(r.noPositionReason ?? 'unavailable');
    return {
      id: r.id,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      verdict: r.verdict,
      analysisError: r.analysisError,
      positionText: position,
      modelText: r.model ? `${r.model.id} ${r.model.version}` : 'none (not analysed yet)',
      syncState: r.sync.state,
      syncReason: r.sync.reason,
      revision: r.revision,
      conflict: r.sync.state === 'failed' ? this.detailConflict : null,
      notes: this.pendingNotes?.id === r.id ? this.pendingNotes.notes : r.notes,
      severity: r.severity,
    };
  }

  private onNotesInput(event: CustomEvent<{ id: string; notes: string }>): void {
    this.pendingNotes = { id: event.detail.id, notes: event.detail.notes };
    this.saveState = 'Not saved yet…';
    if (this.notesTimer) clearTimeout(this.notesTimer);
    this.notesTimer = setTimeout(() => void this.flushNotes(), NOTES_SAVE_DELAY_MS);
  }

  /** Saves typed notes now (before leaving the page or reloading for an update). */
  private async flushNotes(): Promise<void> {
    if (this.notesTimer) clearTimeout(this.notesTimer);
    this.notesTimer = null;
    const pending = this.pendingNotes;
    if (!pending || !this.repo) return;
    try {
      const record = await this.repo.update(pending.id, { notes: pending.notes });
      if (this.pendingNotes === pending) this.pendingNotes = null;
      if (this.detail?.id === record.id) this.detail = record;
      this.saveState = 'Notes saved.';
      void this.enqueueForSync(record.id);
    } catch (error) {
      this.saveState = 'Notes not saved.';
      this.showError(error);
    }
  }

  private async onSeverityChange(
    event: CustomEvent<{ id: string; severity: 1 | 2 | 3 | 4 | 5 | null }>,
  ): Promise<void> {
    if (!this.repo) return;
    try {
      this.detail = await this.repo.update(event.detail.id, { severity: event.detail.severity });
      void this.enqueueForSync(event.detail.id);
      this.saveState = event.detail.severity
        ? `Severity ${event.detail.severity} saved.`
        : 'Severity cleared.';
    } catch (error) {
      this.showError(error);
    }
  }

  private async onDeleteConfirm(event: CustomEvent<{ id: string }>): Promise<void> {
    if (!this.repo) return;
    try {
      if (this.pendingNotes?.id === event.detail.id) this.pendingNotes = null;
      await this.repo.delete(event.detail.id);
      this.confirmingDelete = false;
      this.notice = 'Survey deleted.';
      if (this.result?.recordId === event.detail.id) this.result = null;
      this.navigate({ name: 'list' });
    } catch (error) {
      this.showError(error);
    }
  }

  private async onAnalyseNow(event: CustomEvent<{ id: string }>): Promise<void> {
    const s = await this.services();
    if (!s || !this.client) return;
    this.explaining = true;
    try {
      const status = await this.client.reloadModel();
      this.modelStatus = status;
      if (status.state !== 'ready') {
        this.showError({
          message: status.state === 'failed' ? status.message : 'The model is still loading.',
        });
        return;
      }
      const done = await s.service.analyseSaved(event.detail.id, this.method);
      if ('message' in done) {
        this.showError(done);
        return;
      }
      this.detail = done.record;
      void this.enqueueForSync(done.record.id);
      this.detailHeatmap = done.explanation.heatmap;
      this.detailWhere = whereLooked(done.explanation.cam);
    } finally {
      this.explaining = false;
    }
  }

  // ---- sync (src/sync through ./sync-service) ----

  /** The outbox starts once the page has loaded and the survey store is open. */
  private async syncService(): Promise<SyncService | null> {
    if (this.sync) return this.sync;
    const repo = await this.repoReady;
    if (!repo) return null;
    this.sync ??= new SyncService(
      repo,
      (view) => {
        this.syncView = view;
        this.scheduleSyncRefresh();
      },
      () => this.scheduleSyncRefresh(),
    );
    void this.sync.start();
    return this.sync;
  }

  private async enqueueForSync(id: string): Promise<void> {
    try {
      await (await this.syncService())?.enqueue(id);
    } catch (error) {
      this.showError(error);
    }
  }

  /** Records changed sync state: re-read what is on screen, at most every 250 ms. */
  private scheduleSyncRefresh(): void {
    if (this.syncRefreshTimer) return;
    this.syncRefreshTimer = setTimeout(() => {
      this.syncRefreshTimer = null;
      if (this.route.name === 'list') void this.refreshList();
      if (this.route.name === 'detail') void this.refreshDetailSync(this.route.id);
    }, 250);
  }

  private syncSummary(): SyncSummary {
    const v = this.syncView;
    return {
      waiting: v.waiting,
      waitingText: waitingText(v.waiting),
      lastSyncText: lastSyncText(v.lastSyncAt),
      syncing: v.syncing,
      problem: v.problem,
    };
  }

  private async onSyncNow(): Promise<void> {
    const sync = await this.syncService();
    await sync?.syncNow();
    await this.refreshList();
  }

  /** The detail view's record and, for a conflict, the server's version beside it. */
  private async refreshDetailSync(id: string): Promise<void> {
    const record = await this.repo?.get(id);
    if (!record || this.detail?.id !== id) return;
    if (this.pendingNotes?.id !== id) this.detail = record;
    else this.detail = { ...record, notes: this.detail.notes };
    await this.loadConflict(record);
  }

  private async loadConflict(record: SurveyRecord): Promise<void> {
    const conflict = await (await this.syncService())?.conflictOf(record);
    if (this.detail?.id !== record.id) return;
    this.detailConflict = conflict
      ? { ...conflict, replacing: this.detailConflict?.replacing ?? false }
      : null;
  }

  private async onReplaceServerVersion(event: CustomEvent<{ id: string }>): Promise<void> {
    const sync = await this.syncService();
    if (!sync || !this.detailConflict) return;
    this.detailConflict = { ...this.detailConflict, replacing: true };
    try {
      await sync.replaceServerVersion(event.detail.id);
      this.detailConflict = null;
      await this.refreshDetailSync(event.detail.id);
    } catch (error) {
      this.detailConflict = this.detailConflict && { ...this.detailConflict, replacing: false };
      this.showError(error);
    }
  }

  private async loadSyncSettings(): Promise<void> {
    const sync = await this.syncService();
    const saved = await sync?.settings();
    this.syncSettings = {
      serverUrl: saved?.serverUrl ?? '',
      token: saved?.token ?? '',
      origin: location.origin,
      result: this.syncSettings?.result ?? null,
      busy: false,
    };
  }

  private async onSyncSettings(
    event: CustomEvent<{ serverUrl: string; token: string }>,
    action: 'checkSettings' | 'storeSettings',
  ): Promise<void> {
    const sync = await this.syncService();
    if (!sync || !this.syncSettings) return;
    this.syncSettings = { ...this.syncSettings, ...event.detail, busy: true, result: null };
    const answer = await sync[action](event.detail);
    this.syncSettings = { ...this.syncSettings, ...answer.saved, busy: false, result: answer };
  }

  // ---- about ----

  private modelText(): string {
    const m = this.modelStatus;
    if (m.state === 'loading') return 'loading…';
    if (m.state === 'failed') return `not loaded: ${m.message}`;
    return `${m.model.name} (${m.model.id} ${m.model.version}), CAM layer ${m.model.camLayer}`;
  }

  private aboutView(): AboutView {
    const persisted = this.storage.persisted;
    return {
      backendText: engineText(this.engine),
      isolated: self.crossOriginIsolated === true,
      modelText: this.modelText(),
      modelFailed: this.modelStatus.state === 'failed',
      storageText: this.storageText(),
      persisted,
      persistedText:
        persisted === null
          ? 'unknown on this browser'
          : persisted
            ? 'yes: the browser will not clear surveys to free space'
            : 'not granted: the browser may clear data when the phone runs out of space. Sync often.',
      install: this.installState,
      version: import.meta.env.VITE_APP_VERSION ?? '0.1.0',
    };
  }

  private async onRetryModel(): Promise<void> {
    if (!this.client) return;
    this.modelStatus = { state: 'loading' };
    this.modelStatus = await this.client.reloadModel();
  }

  private async onRequestPersist(): Promise<void> {
    await requestPersistence();
    await this.refreshStorage();
  }

  private async onApplyUpdate(): Promise<void> {
    await this.flushNotes();
    this.updates?.applyUpdate();
  }

  // ---- rendering ----

  private renderSurvey() {
    const r = this.result;
    const m = this.modelStatus;
    return html`
      <p class="status muted">
        <span data-testid="model-status"
          >${m.state === 'ready' ? `Model ready: ${m.model.name}` : m.state === 'loading' ? 'Model loading…' : 'Model not loaded: photos are kept without a verdict.'}</span
        >
        · <span data-testid="backend">${engineText(this.engine)}</span>
      </p>
      <rc-capture
        ?busy=${this.busy}
        ?cameraAvailable=${!!navigator.mediaDevices?.getUserMedia}
        @photo-chosen=${this.onPhotoChosen}
        @open-camera=${() => (this.cameraOpen = true)}
      ></rc-capture>
      ${this.busy ? html`<p class="notice" role="status">Analysing the photo…</p>` : nothing}
      ${this.notice ? html`<p class="notice" role="status" data-testid="notice">${this.notice}</p>` : nothing}
      ${
        r
          ? html`<rc-explanation
              .verdict=${r.verdict}
              verdictReason=${r.verdictReason}
              .photo=${r.photo}
              .heatmap=${r.heatmap}
              .region=${r.region}
              .opacity=${this.opacity}
              method=${r.method}
              .methods=${FIELD_CAM_METHODS}
              whereLooked=${r.whereLooked}
              ?explaining=${this.explaining}
              @opacity-change=${(e: CustomEvent<{ opacity: number }>) => (this.opacity = e.detail.opacity)}
              @method-change=${this.onMethodChange}
              @heatmap-drawn=${this.onHeatmapDrawn}
            ></rc-explanation>`
          : nothing
      }
    `;
  }

  private renderMain() {
    switch (this.route.name) {
      case 'list':
        return html`<h2>Surveys</h2>
          <rc-survey-list
            .items=${this.items}
            .total=${this.total}
            verdictFilter=${this.verdictFilter}
            syncFilter=${this.syncFilter}
            storageText=${this.storageText()}
            .sync=${this.syncSummary()}
            @sync-now=${this.onSyncNow}
            @filter-change=${this.onFilterChange}
            @open-survey=${(e: CustomEvent<{ id: string }>) => this.navigate({ name: 'detail', id: e.detail.id })}
          ></rc-survey-list>`;
      case 'detail':
        return html`<h2>Survey</h2>
          <rc-survey-detail
            .survey=${this.detail ? this.detailView(this.detail) : null}
            .photo=${this.detailPhoto}
            .heatmap=${this.detailHeatmap}
            .region=${this.detail?.cam?.region ?? WHOLE}
            .opacity=${this.opacity}
            method=${this.detailMethod}
            .methods=${FIELD_CAM_METHODS}
            whereLooked=${this.detailWhere}
            ?explaining=${this.explaining}
            ?confirmingDelete=${this.confirmingDelete}
            ?canAnalyse=${this.modelStatus.state !== 'loading'}
            saveState=${this.saveState}
            @back=${() => this.navigate({ name: 'list' })}
            @opacity-change=${(e: CustomEvent<{ opacity: number }>) => (this.opacity = e.detail.opacity)}
            @method-change=${this.onMethodChange}
            @notes-input=${this.onNotesInput}
            @severity-change=${this.onSeverityChange}
            @delete-request=${() => (this.confirmingDelete = true)}
            @delete-cancel=${() => (this.confirmingDelete = false)}
            @delete-confirm=${this.onDeleteConfirm}
            @analyse-now=${this.onAnalyseNow}
            @replace-server-version=${this.onReplaceServerVersion}
          ></rc-survey-detail>`;
      case 'lab':
        // Rendered beside renderMain(), so that it stays mounted when hidden.
        return nothing;
      case 'about':
        return html`<h2>About this app</h2>
          <rc-sync-settings
            .view=${this.syncSettings}
            @sync-test=${(e: CustomEvent) => this.onSyncSettings(e, 'checkSettings')}
            @sync-save=${(e: CustomEvent) => this.onSyncSettings(e, 'storeSettings')}
          ></rc-sync-settings>
          <rc-about
            .view=${this.aboutView()}
            @install=${() => void this.installer.install()}
            @retry-model=${this.onRetryModel}
            @request-persist=${this.onRequestPersist}
          ></rc-about>`;
      default:
        return this.renderSurvey();
    }
  }

  override render() {
    const tab = (route: Route, label: string) =>
      html`<a
        href=${routePath(route)}
        aria-current=${this.route.name === route.name || (route.name === 'list' && this.route.name === 'detail') ? 'page' : 'false'}
        @click=${(e: Event) => this.navigate(route, e)}
        >${label}</a
      >`;
    return html`
      <header><h1>RoadCAM</h1></header>
      <main data-photos-chosen=${this.photosChosen}>
        ${
          this.updateReady
            ? html`<div class="update" role="status">
                <span>A new version is ready — reload to use it.</span>
                <button type="button" class="primary" @click=${this.onApplyUpdate}>Reload</button>
              </div>`
            : nothing
        }
        <rc-error-message .error=${this.error}></rc-error-message>
        ${this.renderMain()}
        ${this.labOpened ? html`<roadcam-lab ?hidden=${this.route.name !== 'lab'}></roadcam-lab>` : nothing}
      </main>
      <nav aria-label="Main">
        ${tab({ name: 'survey' }, 'Survey')} ${tab({ name: 'list' }, 'Surveys')}
        ${tab({ name: 'lab' }, 'Lab')} ${tab({ name: 'about' }, 'About')}
      </nav>
      ${
        this.cameraOpen
          ? html`<rc-camera
              @photo-chosen=${this.onPhotoChosen}
              @camera-closed=${() => (this.cameraOpen = false)}
              @camera-error=${(e: CustomEvent<ShownError>) => {
                this.cameraOpen = false;
                this.showError(e.detail);
              }}
            ></rc-camera>`
          : nothing
      }
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'roadcam-app': RoadcamApp;
  }
}
