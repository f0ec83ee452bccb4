/**
 * The outbox: uploads the surveys on the phone to the sync server, each exactly once, whatever
 * the network does. See docs/SYNC.md ("The client") for the states and how the app calls it.
 *
 * Over 500 lines on purpose: this file is the queue's one state machine (enqueue, the flush lock,
 * retries, the batch and photo steps, the sweep of interrupted entries), whose steps share the
 * lock, the totals and the invariant that every record reaches the server exactly once; split
 * across files, those invariants would have no one place to be read. What is not the state
 * machine lives beside it: connection.ts (settings, test connection, API client), triggers.ts,
 * errors.ts.
 *
 * - A record is queued when saved or edited: the record is frozen (its wire form stored in the
 *   outbox database) and exactly that is sent, on every attempt, so a replay is recognised by
 *   the server (`unchanged`). An edit after queueing re-queues it with the new content.
 * - Records go up in batches of at most 100, then each photo after its record.
 * - Network errors, timeouts, 5xx, 408 and 429 are retried with exponential backoff and jitter
 *   (Retry-After honoured); other 4xx are not retried. 401 stops sync until the token is fixed.
 * - An edit raises the record's revision (the store does it); the server takes a higher revision
 *   of a survey it holds as `updated`. `conflict` (the server holds another version of the same
 *   or a higher revision) ends in `failed` with a reason; nothing is overwritten on either side.
 *   Sync never deletes anything from the phone.
 * - One flush at a time: concurrent calls share the running flush, and a Web Lock keeps other
 *   tabs and the service worker from uploading at the same moment.
 *
 * Consistency between the two databases (surveys, outbox) comes from the order of writes: an
 * entry is written before the record shows `queued`, and deleted before the record shows
 * `synced`. Whatever a crash (the page closed) interrupts, the next flush finds either a
 * record `uploading` or `queued` (sent again: the server answers `unchanged`) or one already
 * done, never a record that was lost or one marked synced that the server lacks.
 *
 * Why one file of about 900 lines: queueing and flushing are one state machine over the two
 * databases (tickets, the re-run flag, the lock), and the order of their writes above is what
 * makes a crash safe; it is checked in one place, not across files. What is not that state
 * machine lives beside it: the server and its settings (connection.ts), when to flush
 * (triggers.ts), the failures' wording (errors.ts), the API client (sync-api.ts).
 */
import { MAX_SURVEYS_PER_BATCH, type SurveyRecordWire } from '../schema/survey';
import type { RunRepository } from '../store/run-repository';
import type { SurveyRepository } from '../store/survey-repository';
import type { SurveyRecord, SyncState, SyncStatus } from '../store/survey-record';
import { toWire } from '../store/wire';
import {
  backoffDelay,
  DEFAULT_BACKOFF,
  realClock,
  type BackoffPolicy,
  type Clock,
} from './backoff';
import { ServerConnection } from './connection';
import {
  conflictFailure,
  invalidFailure,
  photoFailure,
  SyncError,
  toSyncError,
  zodReason,
  type SyncFailure,
} from './errors';
import { defaultLock, type ExclusiveLock } from './lock';
import { pullOfficeCorrections } from './office-corrections';
import { OutboxDb, storedSettings, OUTBOX_DB_NAME, type OutboxEntry } from './outbox-db';
import { queueRunsAgain } from './run-upload';
import {
  askServerHoldings,
  askServerRunHoldings,
  checkItem,
  DEFAULT_SERVER_CHECK_INTERVAL_MS,
  SERVER_CHECKED_AT_KEY,
  serverCheckDue,
  type ResendPlan,
} from './server-check';
import type { SyncSettings, SyncSettingsSource } from './settings';
import { MESSAGES, type FetchLike, type SyncApi } from './sync-api';
import { FlushTriggers } from './triggers';

export interface OutboxOptions {
  repository: SurveyRepository;
  /** Server URL and token; default: kept in the outbox database (saveSettings()). */
  settings?: SyncSettingsSource;
  /** default: the global fetch. */
  fetch?: FetchLike;
  /** The outbox's IndexedDB database; default 'roadcam-outbox'. */
  outboxDbName?: string;
  /** Per-request timeout, ms (default 30,000). A photo gets more by its size, see below. */
  requestTimeoutMs?: number;
  /** A photo upload's timeout adds its size at this rate (default 16 KiB/s: a poor 3G uplink). */
  slowestUplinkBytesPerSecond?: number;
  backoff?: Partial<BackoffPolicy>;
  /** A flush gives up after this many retries in a row and says when to try again (default 8). */
  maxRetriesPerFlush?: number;
  /** A flush does not sleep longer than this for one retry; it ends and says when (default 60 s). */
  maxWaitInFlushMs?: number;
  /** Records per POST, at most 100 (the server's limit). */
  batchSize?: number;
  clock?: Clock;
  random?: () => number;
  /** default: Web Locks where available, else an in-memory lock. */
  lock?: ExclusiveLock;
  /** BroadcastChannel that tells other tabs and the service worker about changes; null: none.
   * Default 'roadcam-sync' where BroadcastChannel exists. */
  channelName?: string | null;
  /**
   * After the uploads, pull the office's corrections of this phone's surveys (GET /reviews,
   * office-corrections.ts). The app turns it on; off by default, so that a flush sends only
   * uploads where a caller counts its requests.
   */
  pullOfficeCorrections?: boolean;
  /**
   * After a flush that uploaded everything, ask the server whether it still holds the surveys
   * marked synced (server-check.ts) and queue again those it lacks: what a restore from a backup
   * lost. The app turns it on; off by default, like pullOfficeCorrections.
   */
  checkServerHolds?: boolean;
  /** At most one check in this long, across tabs and the service worker (default 6 hours). */
  serverCheckIntervalMs?: number;
  /**
   * The drive runs on the phone: the server check asks about the synced ones too and marks
   * those the server lacks to upload again (run-upload.ts sends them). Without it, only surveys.
   */
  runs?: RunRepository;
}

export type FlushOutcome =
  /** Everything that can be uploaded is on the server (failed records aside). */
  | 'done'
  /** Retryable trouble (network, timeout, 5xx) outlasted this flush: see nextRetryAt. */
  | 'retry-later'
  /** The server refused the token: nothing more until the settings change. */
  | 'unauthorized'
  /** No server URL or token yet, or an unusable URL. */
  | 'not-configured'
  /** close() was called (the page is going away). */
  | 'closed'
  /** The phone's storage failed, or a bug: see error. */
  | 'error';

export interface FlushResult {
  outcome: FlushOutcome;
  /** Records that became `synced` in this flush. */
  synced: number;
  /** Records the server already had (`unchanged`: a replay after a lost answer or a crash). */
  replayed: number;
  /** Records the server took as a newer revision of one it held (`updated`: an edit after sync). */
  updated: number;
  /** Synced surveys the server no longer held (restored from a backup), queued again. */
  resent: number;
  /** Synced drive runs the server no longer held, marked to upload again (run-upload.ts). */
  resentRuns: number;
  /** Records that became `failed` in this flush. */
  failed: number;
  /** Requests sent again after a retryable failure. */
  retries: number;
  /** Records still waiting (local, queued or uploading) when the flush ended. */
  waiting: number;
  /** When the next attempt is due (outcome 'retry-later'). */
  nextRetryAt: string | null;
  /** The error that ended the flush, or the last retryable one. */
  error: SyncError | null;
}

export interface OutboxFailure extends SyncFailure {
  id: string;
}

export interface OutboxStatus {
  /** Surveys on the phone not yet on the server: "N waiting to sync". */
  waiting: number;
  /** Surveys whose sync failed, with why (conflicts included). */
  failures: OutboxFailure[];
  /** When a flush last ended with nothing left to upload. */
  lastSyncAt: string | null;
  /** A flush is running in this app instance. */
  syncing: boolean;
  /** What went wrong last (cleared by a flush that ends 'done'). */
  lastError: { code: SyncError['code']; message: string; detail?: string } | null;
  nextRetryAt: string | null;
  /** A server URL and token are set. */
  configured: boolean;
}

export type OutboxEvent =
  | { type: 'records'; ids: string[]; state: SyncState }
  | { type: 'flush-start' }
  | { type: 'flush-end'; result: FlushResult }
  | { type: 'settings' }
  /** Another tab or the service worker changed the outbox: read status() again. */
  | { type: 'remote' };

/** Thrown inside a flush when retrying must wait longer than the flush may. */
class RetryLater extends Error {
  constructor(
    readonly error: SyncError,
    readonly at: number,
  ) {
    super(error.message);
  }
}

interface Totals {
  synced: number;
  replayed: number;
  updated: number;
  resent: number;
  resentRuns: number;
  failed: number;
  retries: number;
  retriesInARow: number;
}

const PENDING = (e: OutboxEntry) => e.stage === 'record' || e.stage === 'photo';

function byQueueOrder(a: OutboxEntry, b: OutboxEntry): number {
  return (
    a.queuedAt.localeCompare(b.queuedAt) ||
    (a.wire?.createdAt ?? '').localeCompare(b.wire?.createdAt ?? '') ||
    a.id.localeCompare(b.id)
  );
}

function frozen(record: SurveyRecord): SurveyRecordWire {
  return toWire(record);
}

/** The record still says what was frozen: it was not edited since it was queued. */
function sameContent(record: SurveyRecord, wire: SurveyRecordWire | null): boolean {
  if (!wire) return false;
  try {
    return JSON.stringify(frozen(record)) === JSON.stringify(wire);
  } catch {
    return false;
  }
}

function newTicket(): string {
  return crypto.randomUUID();
}

export class Outbox {
  /** The server: its settings, the API client, "Test connection", a survey's server version. */
  readonly connection: ServerConnection;
  /** When the outbox flushes by itself (attach them to the page's window). */
  readonly triggers: FlushTriggers;
  private readonly repository: SurveyRepository;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly lock: ExclusiveLock;
  private readonly lockName: string;
  private readonly policy: BackoffPolicy;
  private readonly maxRetriesPerFlush: number;
  private readonly maxWaitInFlushMs: number;
  private readonly batchSize: number;
  private readonly pullsCorrections: boolean;
  private readonly checksServer: boolean;
  private readonly serverCheckIntervalMs: number;
  private readonly runs: RunRepository | null;
  private readonly listeners = new Set<(event: OutboxEvent) => void>();
  private readonly channel: BroadcastChannel | null;
  private readonly closer = new AbortController();

  private running: Promise<FlushResult> | null = null;
  /** Set inside a flush when work was added for which another pass is needed. */
  private rerun = false;
  /** flush() calls so far, and how many of them a pass has started after (so covers). */
  private requested = 0;
  private covered = 0;
  private waker: AbortController | null = null;
  /** Retryable failures in a row (reset by any success): the backoff step. */
  private failuresInARow = 0;
  private lastError: SyncError | null = null;
  private nextRetryAt: number | null = null;
  private closed = false;

  constructor(
    private readonly db: OutboxDb,
    options: OutboxOptions,
  ) {
    this.repository = options.repository;
    this.clock = options.clock ?? realClock;
    this.connection = new ServerConnection({
      settings: options.settings ?? storedSettings(db),
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      clock: this.clock,
      timeoutMs: options.requestTimeoutMs ?? 30_000,
      uplinkBytesPerSecond: options.slowestUplinkBytesPerSecond ?? 16 * 1024,
      signal: this.closer.signal,
    });
    this.triggers = new FlushTriggers(() => void this.flush(), this.clock);
    this.random = options.random ?? Math.random;
    this.lock = options.lock ?? defaultLock();
    this.lockName = `roadcam-outbox:${options.outboxDbName ?? OUTBOX_DB_NAME}`;
    this.policy = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.maxRetriesPerFlush = options.maxRetriesPerFlush ?? 8;
    this.maxWaitInFlushMs = options.maxWaitInFlushMs ?? 60_000;
    this.batchSize = Math.min(MAX_SURVEYS_PER_BATCH, Math.max(1, options.batchSize ?? 100));
    this.pullsCorrections = options.pullOfficeCorrections ?? false;
    this.checksServer = options.checkServerHolds ?? false;
    this.serverCheckIntervalMs = options.serverCheckIntervalMs ?? DEFAULT_SERVER_CHECK_INTERVAL_MS;
    this.runs = options.runs ?? null;
    const channelName =
      options.channelName === undefined
        ? typeof BroadcastChannel === 'function'
          ? 'roadcam-sync'
          : null
        : options.channelName;
    this.channel = channelName ? new BroadcastChannel(channelName) : null;
    if (this.channel) {
      this.channel.onmessage = () => this.emit({ type: 'remote' }, false);
    }
  }

  // ---- Queueing ----

  /**
   * Queues surveys for upload (call it after saving or editing one): freezes each record as it
   * is now. A record already queued is re-frozen with its new content. When triggers are
   * attached, a flush follows.
   */
  async enqueue(ids: string | readonly string[]): Promise<void> {
    const list = typeof ids === 'string' ? [ids] : ids;
    const records = await Promise.all(list.map((id) => this.repository.get(id)));
    await this.enqueueRecords(records.filter((r): r is SurveyRecord => r !== undefined));
    if (this.running) this.rerun = true;
    this.triggers.changed();
  }

  /**
   * Freezes and queues; returns how many could not be put in wire form (now failed). A survey in
   * conflict stays so, edited or not: its next revision could replace the server's version
   * unseen. Only `replaceServerVersion` (the engineer's explicit choice) queues it again.
   */
  private async enqueueRecords(
    records: readonly SurveyRecord[],
    {
      overrideConflict = false,
      photoOnly = new Set<string>(),
    }: {
      overrideConflict?: boolean;
      /** The server holds these records (at this revision or a later one): only the photo goes. */
      photoOnly?: ReadonlySet<string>;
    } = {},
  ): Promise<number> {
    if (records.length === 0) return 0;
    const queuedAt = new Date(this.clock.now()).toISOString();
    const entries: OutboxEntry[] = [];
    const invalid = new Map<string, SyncFailure>();
    for (const record of records) {
      let wire: SurveyRecordWire | null = null;
      let failure: SyncFailure | undefined;
      try {
        wire = frozen(record);
      } catch (error) {
        failure = invalidFailure(zodReason(error));
        invalid.set(record.id, failure);
      }
      entries.push({
        id: record.id,
        ticket: newTicket(),
        stage: failure ? 'failed' : photoOnly.has(record.id) ? 'photo' : 'record',
        queuedAt,
        wire,
        recordUpdatedAt: record.updatedAt,
        ...(failure ? { failure } : {}),
      });
    }
    // The entry first: a crash after it leaves a queued entry whose record the next sweep fixes.
    const written = await this.db.putUnless(
      entries,
      (existing) =>
        !overrideConflict && existing.stage === 'failed' && existing.failure?.code === 'conflict',
    );
    if (written.size === 0) return 0;
    await this.repository.updateSync([...written], (record): SyncStatus => {
      const failure = invalid.get(record.id);
      return failure
        ? { state: 'failed', reason: failure.message, attempts: 0 }
        : { state: 'queued', attempts: 0 };
    });
    const queued = records.filter((r) => written.has(r.id) && !invalid.has(r.id)).map((r) => r.id);
    const failedIds = [...invalid.keys()].filter((id) => written.has(id));
    if (queued.length) this.emit({ type: 'records', ids: queued, state: 'queued' });
    if (failedIds.length) this.emit({ type: 'records', ids: failedIds, state: 'failed' });
    return failedIds.length;
  }

  /**
   * The engineer chose to replace the server's version of a survey in conflict with the one on
   * the phone: its revision is raised above the server's and it is queued again. The server then
   * answers `updated`, unless the versions differ in what never changes (createdAt, photo).
   * Throws a SyncError when the server cannot be asked for its current revision.
   */
  async replaceServerVersion(id: string): Promise<void> {
    const held = await this.connection.serverVersion(id);
    const failure = await this.failureOf(id);
    const above = Math.max(held?.revision ?? 0, failure?.serverRevision ?? 0);
    const record = await this.repository.raiseRevision(id, above, new Date(this.clock.now()));
    await this.enqueueRecords([record], { overrideConflict: true });
    if (this.running) this.rerun = true;
    this.triggers.changed();
  }

  // ---- Flushing ----

  /**
   * Uploads everything waiting. Never throws: the result says how it ended. While a flush runs,
   * another call shares it (and makes it look again for new work, skipping a backoff wait).
   */
  flush(): Promise<FlushResult> {
    if (this.closed) return Promise.resolve(this.result('closed', null, emptyTotals(), 0));
    const request = ++this.requested;
    if (this.running) {
      this.waker?.abort();
      // A pass that starts after this call covers it; if the running flush was already past
      // its last pass (writing its end), run again.
      return this.running.then((result) =>
        this.covered >= request || this.closed ? result : this.flush(),
      );
    }
    const run = this.lock(this.lockName, () => this.runLocked()).finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }

  private async runLocked(): Promise<FlushResult> {
    if (this.closed) return this.result('closed', null, emptyTotals(), 0);
    this.emit({ type: 'flush-start' });
    const totals = emptyTotals();
    let outcome: FlushOutcome = 'done';
    let error: SyncError | null = null;
    this.nextRetryAt = null;
    try {
      do {
        this.rerun = false;
        this.covered = this.requested;
        await this.pass(totals);
      } while ((this.rerun || this.covered < this.requested) && !this.closed);
    } catch (thrown) {
      if (thrown instanceof RetryLater) {
        outcome = 'retry-later';
        error = thrown.error;
        this.nextRetryAt = thrown.at;
      } else {
        error = toSyncError(thrown);
        outcome =
          error.code === 'closed' || this.closed
            ? 'closed'
            : error.code === 'unauthorized'
              ? 'unauthorized'
              : error.code === 'not-configured' || error.code === 'bad-settings'
                ? 'not-configured'
                : 'error';
      }
    }

    let waiting = 0;
    if (outcome !== 'closed') {
      try {
        if (outcome !== 'done') await this.settleInterrupted(error);
        if (outcome === 'done') {
          this.lastError = null;
          await this.db.setMeta('lastSyncAt', new Date(this.clock.now()).toISOString());
        } else {
          this.lastError = error;
        }
        waiting = await this.countWaiting();
      } catch (thrown) {
        error = toSyncError(thrown);
        outcome = this.closed ? 'closed' : 'error';
      }
    }
    const result = this.result(outcome, error, totals, waiting);
    this.emit({ type: 'flush-end', result });
    if (outcome === 'retry-later' && this.nextRetryAt !== null && !this.closed) {
      this.triggers.retryAt(this.nextRetryAt);
    }
    return result;
  }

  private result(
    outcome: FlushOutcome,
    error: SyncError | null,
    totals: Totals,
    waiting: number,
  ): FlushResult {
    return {
      outcome,
      synced: totals.synced,
      replayed: totals.replayed,
      updated: totals.updated,
      resent: totals.resent,
      resentRuns: totals.resentRuns,
      failed: totals.failed,
      retries: totals.retries,
      waiting,
      nextRetryAt:
        outcome === 'retry-later' && this.nextRetryAt !== null
          ? new Date(this.nextRetryAt).toISOString()
          : null,
      error,
    };
  }

  /** One pass over the outbox: queue what is new, send photos owed, then batches and photos. */
  private async pass(totals: Totals): Promise<void> {
    // Queueing needs no server: saved surveys show 'queued' even before sync is set up.
    totals.failed += await this.sweep();
    const settings = await this.connection.load();
    if (!settings || !settings.token) {
      throw new SyncError(
        'not-configured',
        'Sync is not set up: enter the server address and this phone’s token in Settings.',
      );
    }
    const api = this.connection.api(settings);

    const pending = (await this.db.all()).filter(PENDING).sort(byQueueOrder);
    // Photos owed first: their records are already on the server.
    for (const entry of pending.filter((e) => e.stage === 'photo')) {
      await this.withRetry(totals, () => this.sendPhoto(api, entry.id, totals, true));
    }
    const records = pending.filter((e) => e.stage === 'record').map((e) => e.id);
    for (let i = 0; i < records.length; i += this.batchSize) {
      const batch = records.slice(i, i + this.batchSize);
      await this.withRetry(totals, () => this.sendBatch(api, batch, totals));
      for (const id of batch) {
        // Right after its batch the record already shows 'uploading', its attempt counted.
        let first = true;
        await this.withRetry(totals, () => {
          const step = this.sendPhoto(api, id, totals, !first);
          first = false;
          return step;
        });
      }
    }
    if (this.checksServer) await this.resendWhatServerLacks(api, totals);
    // The office's corrections come back with each sync (the flush-end event refreshes the
    // pages). A failed pull is retried by the next sync; it never fails the uploads.
    if (!this.pullsCorrections) return;
    await pullOfficeCorrections(api, this.repository, this.db).catch((error: unknown) => {
      if (this.closed) return;
      console.warn('RoadCAM: could not pull the office’s corrections', error);
    });
  }

  /**
   * When due (every serverCheckIntervalMs), asks the server about the surveys and drive runs
   * marked synced and queues again those it lacks (server-check.ts); this flush's next pass
   * uploads the surveys, the run upload after the flush the runs. Nothing changes until every
   * answer is in; a failed check is not retried in this flush: the next sync asks again.
   */
  private async resendWhatServerLacks(api: SyncApi, totals: Totals): Promise<void> {
    const now = this.clock.now();
    const last = await this.db.getMeta<number>(SERVER_CHECKED_AT_KEY);
    if (!serverCheckDue(last, now, this.serverCheckIntervalMs)) return;
    const synced = await this.repository.list({ syncState: 'synced' });
    const runs = this.runs;
    const syncedRuns = runs ? (await runs.list()).filter((r) => r.sync.state === 'synced') : [];
    let plan: ResendPlan | null;
    let runsLacking: string[] | null;
    try {
      plan = await askServerHoldings(api, synced.map(checkItem));
      runsLacking = await askServerRunHoldings(api, syncedRuns.map(checkItem));
    } catch (error) {
      if (!this.closed) console.warn('RoadCAM: could not check what the server holds', error);
      return;
    }
    if (plan) {
      const lacking = new Set([...plan.records, ...plan.photos]);
      // Only those still synced: one edited meanwhile is queued by the sweep with its edit.
      const records = synced.filter((r) => lacking.has(r.id));
      const current = await Promise.all(records.map((r) => this.repository.get(r.id)));
      const stillSynced = current.filter(
        (r): r is SurveyRecord => r !== undefined && r.sync.state === 'synced',
      );
      // Queued before the check is written down: a crash in between only asks again.
      totals.failed += await this.enqueueRecords(stillSynced, {
        photoOnly: new Set(plan.photos),
      });
      totals.resent += stillSynced.length;
      if (stillSynced.length > 0) this.rerun = true;
    }
    if (runs && runsLacking) totals.resentRuns += await queueRunsAgain(runs, runsLacking);
    await this.db.setMeta(SERVER_CHECKED_AT_KEY, now);
  }

  /** Runs one request's step until it succeeds, retrying what a later attempt can cure. */
  private async withRetry(totals: Totals, step: () => Promise<void>): Promise<void> {
    for (;;) {
      if (this.closed) throw new SyncError('closed', MESSAGES.closed);
      try {
        await step();
        this.failuresInARow = 0;
        totals.retriesInARow = 0;
        return;
      } catch (thrown) {
        const error = toSyncError(thrown);
        if (!error.retryable || this.closed) throw error;
        this.failuresInARow++;
        totals.retriesInARow++;
        this.lastError = error;
        // The server's Retry-After wins over our own schedule (a day at most, against typos).
        const wait =
          error.retryAfterMs !== undefined
            ? Math.min(error.retryAfterMs, 24 * 3600_000)
            : backoffDelay(this.failuresInARow, this.policy, this.random);
        if (totals.retriesInARow > this.maxRetriesPerFlush || wait > this.maxWaitInFlushMs) {
          throw new RetryLater(error, this.clock.now() + wait);
        }
        totals.retries++;
        // While it waits, nothing is on the way: the list says "waiting to sync" and why, not
        // "uploading" (the next attempt marks them uploading again).
        await this.settleInterrupted(error);
        await this.sleep(wait);
      }
    }
  }

  /** A backoff wait that flush() (a "Sync now" tap, `online`) and close() cut short. */
  private async sleep(ms: number): Promise<void> {
    const waker = new AbortController();
    this.waker = waker;
    const onClose = () => waker.abort();
    this.closer.signal.addEventListener('abort', onClose, { once: true });
    try {
      await this.clock.sleep(ms, waker.signal);
    } finally {
      this.closer.signal.removeEventListener('abort', onClose);
      if (this.waker === waker) this.waker = null;
    }
  }

  /** POST one batch of queued records. */
  private async sendBatch(api: SyncApi, ids: readonly string[], totals: Totals): Promise<void> {
    const found = await this.db.getMany(ids);
    const entries = ids
      .map((id) => found.get(id))
      .filter((e): e is OutboxEntry => e?.stage === 'record');
    if (entries.length === 0) return;

    const lastAttempt = new Date(this.clock.now()).toISOString();
    const records = await this.repository.updateSync(
      entries.map((e) => e.id),
      (record) => ({ state: 'uploading', attempts: record.sync.attempts + 1, lastAttempt }),
    );
    // Deleted on the phone meanwhile: nothing to upload.
    for (const entry of entries.filter((e) => !records.has(e.id))) await this.db.delete(entry.id);

    // Edited since queued (and nobody called enqueue): send the content as it is now.
    const send: OutboxEntry[] = [];
    const refrozen: OutboxEntry[] = [];
    const invalid: SurveyRecord[] = [];
    for (const entry of entries) {
      const record = records.get(entry.id);
      if (!record) continue;
      if (sameContent(record, entry.wire)) {
        send.push(entry);
        continue;
      }
      try {
        const next = {
          ...entry,
          ticket: newTicket(),
          wire: frozen(record),
          recordUpdatedAt: record.updatedAt,
        };
        refrozen.push(next);
        send.push(next);
      } catch {
        invalid.push(record);
      }
    }
    await this.db.putMany(refrozen);
    // enqueueRecords records them as failed, with why.
    if (invalid.length) totals.failed += await this.enqueueRecords(invalid);
    if (send.length === 0) return;
    this.emit({ type: 'records', ids: send.map((e) => e.id), state: 'uploading' });

    const results = await api.postSurveys(send.map((e) => e.wire!));

    const answers = new Map(send.map((e, i) => [e.id, results[i]]));
    const failedNow = new Map<string, SyncFailure>();
    await this.db.settle(new Map(send.map((e) => [e.id, e.ticket])), (entry) => {
      const answer = answers.get(entry.id)!;
      switch (answer.status) {
        case 'created':
        case 'unchanged':
        case 'updated':
          return { ...entry, stage: 'photo' };
        case 'conflict':
          return {
            ...entry,
            stage: 'photo',
            pendingFailure: conflictFailure(answer.reason, answer.serverRevision),
          };
        default: {
          const failure = invalidFailure(answer.reason ?? `server status ${answer.status}`);
          failedNow.set(entry.id, failure);
          return { ...entry, stage: 'failed', failure };
        }
      }
    });
    totals.replayed += results.filter((r) => r.status === 'unchanged').length;
    totals.updated += results.filter((r) => r.status === 'updated').length;
    if (failedNow.size) {
      await this.markFailed(failedNow);
      totals.failed += failedNow.size;
    }
  }

  /** PUT the photo of a survey whose record the server has; then the survey is synced. */
  private async sendPhoto(
    api: SyncApi,
    id: string,
    totals: Totals,
    markAttempt: boolean,
  ): Promise<void> {
    const entry = await this.db.get(id);
    if (!entry || entry.stage !== 'photo' || !entry.wire) return;

    if (entry.pendingFailure) {
      // The server kept another version. Its photo may still be missing (this phone sent the
      // record, then was edited or closed before the photo went up): top it up when the
      // server's version names the same bytes. Nothing else is sent, nothing overwritten.
      const held = await api.getSurvey(id).catch((error: unknown) => {
        if (error instanceof SyncError && !error.retryable) return null;
        throw error;
      });
      if (held && !held.photo.present && held.photo.sha256 === entry.wire.photo.sha256) {
        const photo = await this.repository.getPhoto(id);
        if (photo) {
          await api.putPhoto(id, photo).catch((error: unknown) => {
            if (error instanceof SyncError && !error.retryable) return null;
            throw error;
          });
        }
      }
      if (await this.finishFailed(entry, entry.pendingFailure)) totals.failed++;
      return;
    }

    const photo = await this.repository.getPhoto(id);
    if (!photo) {
      if (!(await this.repository.get(id))) {
        await this.db.delete(id); // the survey was deleted on the phone meanwhile
        return;
      }
      const missing: SyncFailure = {
        code: 'photo-missing',
        message: 'This survey’s photo is no longer on the phone, so it cannot be uploaded.',
      };
      if (await this.finishFailed(entry, missing)) totals.failed++;
      return;
    }
    if (markAttempt) {
      const lastAttempt = new Date(this.clock.now()).toISOString();
      const marked = await this.repository.updateSync([id], (record) => ({
        state: 'uploading',
        attempts: record.sync.attempts + 1,
        lastAttempt,
      }));
      if (!marked.has(id)) {
        await this.db.delete(id); // deleted on the phone meanwhile
        return;
      }
      this.emit({ type: 'records', ids: [id], state: 'uploading' });
    }
    try {
      await api.putPhoto(id, photo);
    } catch (thrown) {
      if (!(thrown instanceof SyncError) || thrown.code !== 'rejected') throw thrown;
      if (thrown.status === 404) {
        // The server lost the record (restored from an older backup): send it again.
        await this.db.settle(new Map([[id, entry.ticket]]), (e) => ({ ...e, stage: 'record' }));
        this.rerun = true;
        return;
      }
      if (await this.finishFailed(entry, photoFailure(thrown))) totals.failed++;
      return;
    }
    await this.finishSynced(entry, totals);
  }

  private async finishSynced(entry: OutboxEntry, totals: Totals): Promise<void> {
    // The entry goes first: a crash before the record says synced only causes a replay.
    const settled = await this.db.settle(new Map([[entry.id, entry.ticket]]), () => null);
    if (!settled.has(entry.id)) return; // re-queued meanwhile: the new entry decides
    let edited = null as SurveyRecord | null;
    const records = await this.repository.updateSync([entry.id], (record) => {
      if (sameContent(record, entry.wire)) {
        return {
          state: 'synced',
          attempts: record.sync.attempts,
          lastAttempt: record.sync.lastAttempt,
        };
      }
      edited = record;
      return null;
    });
    if (edited) {
      // Edited during the upload: the server has the version sent; the edit goes up next.
      await this.enqueueRecords([edited]);
      this.rerun = true;
    } else if (records.has(entry.id)) {
      totals.synced++;
      this.emit({ type: 'records', ids: [entry.id], state: 'synced' });
    }
  }

  /** Ends an entry as failed (kept, so an edit of the record can re-queue it). */
  private async finishFailed(entry: OutboxEntry, failure: SyncFailure): Promise<boolean> {
    const settled = await this.db.settle(new Map([[entry.id, entry.ticket]]), (e) => {
      const next: OutboxEntry = { ...e, stage: 'failed', failure };
      delete next.pendingFailure;
      return next;
    });
    if (!settled.has(entry.id)) return false;
    await this.markFailed(new Map([[entry.id, failure]]));
    return true;
  }

  private async markFailed(failures: ReadonlyMap<string, SyncFailure>): Promise<void> {
    await this.repository.updateSync([...failures.keys()], (record) => ({
      state: 'failed',
      reason: failures.get(record.id)!.message,
      attempts: record.sync.attempts,
      lastAttempt: record.sync.lastAttempt,
    }));
    this.emit({ type: 'records', ids: [...failures.keys()], state: 'failed' });
  }

  /**
   * Brings the two databases in line before uploading (under the lock, so nothing is in
   * flight): records never queued ('local') are queued; 'uploading' left by a crash is
   * 'queued' again; a queued record without an entry gets one; a failed record that was edited
   * is queued again; entries of deleted records go.
   */
  private async sweep(): Promise<number> {
    const entries = new Map((await this.db.all()).map((e) => [e.id, e]));
    const toQueue = new Map<string, SurveyRecord>();
    for (const record of await this.repository.list({ syncState: 'local' })) {
      toQueue.set(record.id, record);
    }
    const seen = new Set<string>(toQueue.keys());
    const reset: string[] = [];
    const failedAgain = new Map<string, SyncFailure>();
    for (const state of ['uploading', 'queued'] as const) {
      for (const record of await this.repository.list({ syncState: state })) {
        seen.add(record.id);
        const entry = entries.get(record.id);
        if (!entry) toQueue.set(record.id, record);
        else if (entry.stage === 'failed' && entry.failure)
          failedAgain.set(record.id, entry.failure);
        else if (state === 'uploading') reset.push(record.id);
      }
    }
    const failedRecords = new Map(
      (await this.repository.list({ syncState: 'failed' })).map((r) => [r.id, r]),
    );
    for (const entry of entries.values()) {
      if (seen.has(entry.id)) continue;
      const record = failedRecords.get(entry.id) ?? (await this.repository.get(entry.id));
      if (!record) {
        await this.db.delete(entry.id);
      } else if (entry.stage === 'failed') {
        const edited = entry.wire
          ? !sameContent(record, entry.wire)
          : record.updatedAt !== entry.recordUpdatedAt;
        if (edited) toQueue.set(record.id, record);
      } else {
        reset.push(record.id); // pending entry, record shows another state
      }
    }
    if (reset.length) {
      await this.repository.updateSync(reset, (record) => ({ ...record.sync, state: 'queued' }));
    }
    if (failedAgain.size) await this.markFailed(failedAgain);
    const ordered = [...toQueue.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return this.enqueueRecords(ordered);
  }

  /** After a flush that could not finish: nothing is uploading any more; say why it waits. */
  private async settleInterrupted(error: SyncError | null): Promise<void> {
    const uploading = await this.repository.list({ syncState: 'uploading' });
    if (uploading.length === 0) return;
    const ids = uploading.map((r) => r.id);
    await this.repository.updateSync(ids, (record) =>
      record.sync.state === 'uploading'
        ? { ...record.sync, state: 'queued', ...(error ? { reason: error.message } : {}) }
        : null,
    );
    this.emit({ type: 'records', ids, state: 'queued' });
  }

  private async countWaiting(): Promise<number> {
    const ids = new Set((await this.db.all()).filter(PENDING).map((e) => e.id));
    for (const r of await this.repository.list({ syncState: 'local' })) ids.add(r.id);
    return ids.size;
  }

  // ---- Status, settings, events ----

  async status(): Promise<OutboxStatus> {
    const entries = await this.db.all();
    const waiting = new Set(entries.filter(PENDING).map((e) => e.id));
    for (const r of await this.repository.list({ syncState: 'local' })) waiting.add(r.id);
    const settings = await this.connection.load();
    return {
      waiting: waiting.size,
      failures: entries
        .filter((e) => e.stage === 'failed' && e.failure)
        .map((e) => ({ id: e.id, ...e.failure! })),
      lastSyncAt: (await this.db.getMeta<string>('lastSyncAt')) ?? null,
      syncing: this.running !== null,
      lastError: this.lastError
        ? {
            code: this.lastError.code,
            message: this.lastError.message,
            detail: this.lastError.detail,
          }
        : null,
      nextRetryAt: this.nextRetryAt !== null ? new Date(this.nextRetryAt).toISOString() : null,
      configured: !!settings?.token,
    };
  }

  /** Why one survey failed (code and message), or null. */
  async failureOf(id: string): Promise<SyncFailure | null> {
    const entry = await this.db.get(id);
    return entry?.stage === 'failed' && entry.failure ? entry.failure : null;
  }

  /**
   * Checks and stores the settings (throws a SyncError that says what to fix); the last error
   * goes, and with triggers attached a flush follows.
   */
  async saveSettings(settings: SyncSettings): Promise<SyncSettings> {
    const clean = await this.connection.save(settings);
    // Another server or token: what the last one held says nothing about this one.
    await this.db.deleteMeta(SERVER_CHECKED_AT_KEY);
    this.lastError = null;
    this.emit({ type: 'settings' });
    this.triggers.changed();
    return clean;
  }

  /** Listens to state changes (records, flushes, settings). Returns the unsubscribe function. */
  subscribe(listener: (event: OutboxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: OutboxEvent, broadcast = true): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener must not stop an upload.
      }
    }
    // Other tabs only need to know that something changed, and only when a flush ends or
    // settings change: per-record chatter would flood them.
    if (broadcast && this.channel && (event.type === 'flush-end' || event.type === 'settings')) {
      try {
        this.channel.postMessage({ type: event.type });
      } catch {
        // Closed channel: nobody to tell.
      }
    }
  }

  /**
   * Stops at once, like a closed page: requests in flight are aborted and nothing more is
   * written; whatever was `uploading` is taken up by the next start.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.triggers.stop();
    this.closer.abort();
    this.waker?.abort();
    await this.running?.catch(() => undefined);
    this.channel?.close();
    this.listeners.clear();
    this.db.close();
  }
}

function emptyTotals(): Totals {
  return {
    synced: 0,
    replayed: 0,
    updated: 0,
    resent: 0,
    resentRuns: 0,
    failed: 0,
    retries: 0,
    retriesInARow: 0,
  };
}

/** Opens the outbox over the survey repository (and its own database). */
export async function createOutbox(options: OutboxOptions): Promise<Outbox> {
  const db = await OutboxDb.open(options.outboxDbName ?? OUTBOX_DB_NAME);
  return new Outbox(db, options);
}
