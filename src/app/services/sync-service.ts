/**
 * The page's side of sync (docs/SYNC.md, "How the app calls it"): opens the outbox over the
 * survey store once the page has loaded (src/sync comes in its own chunk, so zod stays out of
 * the start-up bundle), attaches its flush triggers (start, `online`, visible again) and
 * Background Sync, and turns the outbox's events into one `SyncView` for the shell to render.
 * The shell calls `enqueue(id)` after every save and edit.
 */
import { answerText } from '../../features/correction/shared/correction-text';
import type { SurveyDetailResponse } from '../../schema/survey';
import type { SurveyRecord, SurveyRepository } from '../../store';
import type { RunRepository } from '../../store/run-repository';
import type { ConnectionCheck, FlushResult, Outbox, OutboxEvent } from '../../sync';
import { SyncError, type SyncFailure } from '../../sync/errors';
import { serverBase, type SyncSettings } from '../../sync/settings';

export interface SyncView {
  /** The outbox is open (false until the page has loaded, or when it failed to open). */
  ready: boolean;
  /** Surveys on the phone not yet on the server. */
  waiting: number;
  lastSyncAt: string | null;
  syncing: boolean;
  /** A server address and token are saved. */
  configured: boolean;
  /** Why sync is stopped or waiting, in words for the engineer; null when all is well. */
  problem: string | null;
  /** Surveys whose sync failed, by id. */
  failures: ReadonlyMap<string, SyncFailure>;
}

export const INITIAL_SYNC_VIEW: SyncView = {
  ready: false,
  waiting: 0,
  lastSyncAt: null,
  syncing: false,
  configured: false,
  problem: null,
  failures: new Map(),
};

/** A survey in conflict as the detail view shows it (see rc-survey-detail's SyncConflictView). */
export interface ConflictInfo {
  message: string;
  server: {
    revision: number;
    notes: string;
    severity: number | null;
    updatedAt: string;
    answerText: string | null;
  } | null;
}

/** What "Test connection" or "Save" says. */
export interface SettingsAnswer {
  ok: boolean;
  text: string;
  saved?: SyncSettings;
}

/**
 * The app's pages allow connections to their own origin only (CSP `connect-src 'self'`), and
 * the server answers no cross-origin requests (no CORS): the phone syncs with the server it
 * loaded the app from. Anything else is refused here with what to do instead.
 */
function checkSameOrigin(serverUrl: string, origin = location.origin): void {
  const url = serverBase(serverUrl, origin);
  if (url.origin !== origin) {
    throw new SyncError(
      'bad-settings',
      `This app can only sync with the server it was opened from (${origin}). To sync with ` +
        `${url.origin}, open ${url.origin} in the browser and install RoadCAM from there.`,
      { detail: `server origin ${url.origin}, page origin ${origin}` },
    );
  }
}

export class SyncService {
  private outbox: Outbox | null = null;
  private opening: Promise<Outbox | null> | null = null;
  private readonly detachers: (() => void)[] = [];
  private refreshing = false;
  private refreshAgain = false;
  private closed = false;
  private runs: Promise<RunRepository | null> = Promise.resolve(null);
  private runUpload: Promise<void> | null = null;

  constructor(
    private readonly repository: SurveyRepository,
    private readonly onView: (view: SyncView) => void,
    /** Records changed state (refresh those in the list or the detail view). */
    private readonly onRecords: (ids: readonly string[]) => void,
    /** A flush reached the server and finished (the model roll-out checks for a new model). */
    private readonly onSynced: () => void = () => undefined,
  ) {}

  /** Opens the outbox and attaches the triggers (the first flush runs at once). */
  start(): Promise<Outbox | null> {
    this.opening ??= this.open();
    return this.opening;
  }

  private async open(): Promise<Outbox | null> {
    try {
      const { createOutbox, backgroundSyncOnRetry } = await import('../../sync');
      const outbox = await createOutbox({
        repository: this.repository,
        pullOfficeCorrections: true,
        checkServerHolds: true,
        runs: (await this.runs) ?? undefined,
      });
      if (this.closed) {
        await outbox.close();
        return null;
      }
      this.outbox = outbox;
      this.detachers.push(outbox.subscribe((event) => this.onEvent(event)));
      this.detachers.push(outbox.triggers.attach(window));
      // Background Sync needs an active service worker; `ready` waits for one (forever where
      // none registers, which is harmless here).
      void navigator.serviceWorker?.ready.then((registration) => {
        // (TypeScript's DOM types lack `registration.sync`; backgroundSyncOnRetry checks for it.)
        const withSync = registration as Parameters<typeof backgroundSyncOnRetry>[1];
        if (!this.closed) this.detachers.push(backgroundSyncOnRetry(outbox, withSync));
      });
      void this.refresh();
      return outbox;
    } catch (error) {
      console.warn('RoadCAM: sync could not start', error);
      this.onView({
        ...INITIAL_SYNC_VIEW,
        problem:
          'Sync could not start on this browser: surveys stay on the phone. Reload to retry.',
      });
      return null;
    }
  }

  private onEvent(event: OutboxEvent): void {
    if (event.type === 'records') this.onRecords(event.ids);
    // A flush that ended elsewhere (another tab, the service worker) may have changed any record.
    if (event.type === 'remote' || event.type === 'flush-end') this.onRecords([]);
    if (event.type === 'flush-end') void this.uploadRuns();
    if (event.type === 'flush-end' && event.result.outcome === 'done') this.onSynced();
    void this.refresh();
  }

  /**
   * Drive runs (issue 13) go up after each flush of the surveys, and the server check asks
   * about them with the surveys. Set before start(): the outbox opens with them, so its first
   * check covers them.
   */
  setRunRepository(runs: Promise<RunRepository | null>): void {
    this.runs = runs;
  }

  /** Sends ended runs not yet on the server; a failure waits for the next flush. */
  uploadRuns(): Promise<void> {
    this.runUpload ??= (async () => {
      try {
        const outbox = this.outbox;
        const runs = await this.runs;
        if (!outbox || !runs) return;
        const { uploadRunsTo } = await import('../../sync/run-upload');
        await uploadRunsTo(outbox.connection, runs);
      } catch (error) {
        console.warn('RoadCAM: runs not uploaded yet', error);
      } finally {
        this.runUpload = null;
      }
    })();
    return this.runUpload;
  }

  /** Re-reads the status; calls made while one read runs are folded into one more read. */
  private async refresh(): Promise<void> {
    const outbox = this.outbox;
    if (!outbox) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    try {
      do {
        this.refreshAgain = false;
        const status = await outbox.status();
        this.onView({
          ready: true,
          waiting: status.waiting,
          lastSyncAt: status.lastSyncAt,
          syncing: status.syncing,
          configured: status.configured,
          problem: status.lastError?.message ?? null,
          failures: new Map(status.failures.map((f) => [f.id, f])),
        });
      } while (this.refreshAgain && !this.closed);
    } catch (error) {
      console.warn('RoadCAM: could not read the sync status', error);
    } finally {
      this.refreshing = false;
    }
  }

  /** After a survey is saved or edited: freeze it for upload (a flush follows). */
  async enqueue(id: string): Promise<void> {
    const outbox = await this.start();
    await outbox?.enqueue(id);
  }

  /** "Sync now". Null when the outbox could not open. */
  async syncNow(): Promise<FlushResult | null> {
    const outbox = await this.start();
    return outbox ? outbox.flush() : null;
  }

  async settings(): Promise<SyncSettings | null> {
    return (await this.start())?.connection.load() ?? null;
  }

  /** "Test connection", worded for the settings panel. */
  async checkSettings(settings: SyncSettings): Promise<SettingsAnswer> {
    const check = await this.testConnection(settings);
    return check.ok
      ? { ok: true, text: `Connected to ${check.serverUrl} (${check.latencyMs} ms).` }
      : { ok: false, text: check.message };
  }

  /** "Save", worded for the settings panel. */
  async storeSettings(settings: SyncSettings): Promise<SettingsAnswer> {
    try {
      const saved = await this.saveSettings(settings);
      return {
        ok: true,
        text: 'Saved. Surveys waiting now upload when there is a network.',
        saved,
      };
    } catch (error) {
      return { ok: false, text: (error as Error).message };
    }
  }

  /** For the detail view: null unless the survey failed on a conflict; the server's version
   * when it can be asked. */
  async conflictOf(record: SurveyRecord): Promise<ConflictInfo | null> {
    if (record.sync.state !== 'failed') return null;
    const failure = await this.failureOf(record.id);
    if (failure?.code !== 'conflict') return null;
    const held = await this.serverVersion(record.id);
    return {
      message: failure.message,
      server: held
        ? {
            revision: held.revision,
            notes: held.survey.notes,
            severity: held.survey.severity,
            updatedAt: held.survey.updatedAt,
            answerText: answerText(held.survey.correction),
          }
        : null,
    };
  }

  async testConnection(settings: SyncSettings): Promise<ConnectionCheck> {
    try {
      checkSameOrigin(settings.serverUrl);
    } catch (error) {
      const e = error as SyncError;
      return { ok: false, code: e.code, message: e.message, detail: e.detail };
    }
    const outbox = await this.start();
    if (!outbox) return { ok: false, code: 'storage', message: 'Sync could not start.' };
    return outbox.connection.test(settings);
  }

  /** Throws a SyncError whose message says what to fix. */
  async saveSettings(settings: SyncSettings): Promise<SyncSettings> {
    checkSameOrigin(settings.serverUrl);
    const outbox = await this.start();
    if (!outbox) throw new SyncError('storage', 'Sync could not start on this browser.');
    return outbox.saveSettings(settings);
  }

  async failureOf(id: string): Promise<SyncFailure | null> {
    return (await this.start())?.failureOf(id) ?? null;
  }

  /** The server's version of a survey in conflict; null when unknown or unreachable. */
  async serverVersion(id: string): Promise<SurveyDetailResponse | null> {
    const outbox = await this.start();
    return outbox ? outbox.connection.serverVersion(id).catch(() => null) : null;
  }

  async replaceServerVersion(id: string): Promise<void> {
    const outbox = await this.start();
    if (!outbox) throw new SyncError('storage', 'Sync could not start on this browser.');
    await outbox.replaceServerVersion(id);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const detach of this.detachers.splice(0)) detach();
    await this.outbox?.close();
  }
}
