/**
 * The outbox's line to the sync server: the settings the engineer saved (where the server is,
 * this phone's token), the one place an API client is made, "Test connection", and the
 * server's version of one survey (shown beside the phone's in a conflict).
 */
import type { SurveyDetailResponse } from '../schema/survey';
import type { Clock } from './backoff';
import { SyncError, toSyncError } from './errors';
import { validateSettings, type SyncSettings, type SyncSettingsSource } from './settings';
import { MESSAGES, SyncApi, type FetchLike } from './sync-api';

export type ConnectionCheck =
  | { ok: true; serverUrl: string; serverTime: string; latencyMs: number }
  | { ok: false; code: SyncError['code']; message: string; detail?: string };

export interface ServerConnectionOptions {
  settings: SyncSettingsSource;
  fetch: FetchLike;
  clock: Clock;
  /** Per-request timeout, ms; a photo gets more by its size at `uplinkBytesPerSecond`. */
  timeoutMs: number;
  uplinkBytesPerSecond: number;
  /** Aborts every request at once (the outbox is closing). */
  signal: AbortSignal;
}

/** A question the engineer waits for (test, the server's version) gets at most this long. */
const QUESTION_TIMEOUT_MS = 15_000;

export class ServerConnection {
  constructor(private readonly options: ServerConnectionOptions) {}

  /** The API client for these settings; `question`: one the engineer waits for. */
  api(settings: SyncSettings, { question = false } = {}): SyncApi {
    const { timeoutMs } = this.options;
    return new SyncApi({
      settings,
      fetch: this.options.fetch,
      timeoutMs: question ? Math.min(timeoutMs, QUESTION_TIMEOUT_MS) : timeoutMs,
      slowestUplinkBytesPerSecond: this.options.uplinkBytesPerSecond,
      clock: this.options.clock,
      signal: this.options.signal,
    });
  }

  load(): Promise<SyncSettings | null> {
    return this.options.settings.load();
  }

  /** Checks and stores the settings; throws a SyncError that says what to fix. */
  async save(settings: SyncSettings): Promise<SyncSettings> {
    const clean = validateSettings(settings);
    const source = this.options.settings;
    if (!source.save) {
      throw new SyncError('bad-settings', 'These sync settings cannot be changed here.', {
        detail: 'the SyncSettingsSource has no save()',
      });
    }
    await source.save(clean);
    return clean;
  }

  /**
   * "Test connection": is a RoadCAM sync server at that address, and does it accept the token?
   * Uses the given settings (what the engineer typed) or the saved ones.
   */
  async test(candidate?: SyncSettings): Promise<ConnectionCheck> {
    const settings = candidate ?? (await this.load());
    if (!settings) {
      return {
        ok: false,
        code: 'not-configured',
        message: 'Enter the server address and this phone’s token first.',
      };
    }
    const started = this.options.clock.now();
    try {
      const api = this.api(validateSettings(settings), { question: true });
      await api.health().catch((error: unknown) => {
        // A 404 or an HTML page: something answers, but not a RoadCAM server.
        if (error instanceof SyncError && error.code === 'rejected') {
          throw new SyncError('protocol', MESSAGES.protocol, {
            status: error.status,
            detail: error.detail,
          });
        }
        throw error;
      });
      const list = await api.listSurveys(1);
      return {
        ok: true,
        serverUrl: api.serverUrl,
        serverTime: list.serverTime,
        latencyMs: this.options.clock.now() - started,
      };
    } catch (thrown) {
      const error = toSyncError(thrown);
      return { ok: false, code: error.code, message: error.message, detail: error.detail };
    }
  }

  /**
   * What the server holds for one survey (to show a conflict: the server's version beside the
   * phone's). Null when the server has none; throws a SyncError when it cannot be asked.
   */
  async serverVersion(id: string): Promise<SurveyDetailResponse | null> {
    const settings = await this.load();
    if (!settings?.token) {
      throw new SyncError('not-configured', 'Sync is not set up.', { detail: 'no settings' });
    }
    try {
      return await this.api(validateSettings(settings), { question: true }).getSurvey(id);
    } catch (error) {
      if (error instanceof SyncError && error.status === 404) return null;
      throw error;
    }
  }
}
