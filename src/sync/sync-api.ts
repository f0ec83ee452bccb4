/**
 * The sync server's API (docs/SYNC.md) as the outbox uses it: every request has a timeout that
 * covers the whole exchange (sending, waiting, reading the answer), so a stalled connection
 * ends in a retryable `timeout`, never a hang; every failure becomes a SyncError that says
 * whether a retry can help.
 */
import type { RunRecordWire } from '../schema/run';
import type {
  PhotoUploadResponse,
  RecordCheckResult,
  SurveyCheckItem,
  SurveyCheckResult,
  SurveyDetailResponse,
  SurveyListResponse,
  SurveyRecordWire,
  SurveyUploadResult,
} from '../schema/survey';
import type { ReviewPullResponse } from '../schema/review';
import { parseRetryAfter, type Clock } from './backoff';
import { describeError, SyncError } from './errors';
import { apiUrl, serverBase, type SyncSettings } from './settings';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface SyncApiOptions {
  settings: SyncSettings;
  fetch: FetchLike;
  /** A JSON request (and the fixed part of a photo upload) gets this long, ms. */
  timeoutMs: number;
  /** A photo upload gets `timeoutMs` plus its size at this speed (a slow mobile uplink). */
  slowestUplinkBytesPerSecond: number;
  clock: Clock;
  /** Aborts every request at once (the outbox is closing). */
  signal?: AbortSignal;
}

export const MESSAGES = {
  network:
    'No connection to the sync server. The surveys stay on this phone and upload when the ' +
    'network is back.',
  timeout:
    'The sync server did not answer in time. The surveys stay on this phone; sync will try again.',
  unauthorized:
    'The sync server refused this phone’s token. Enter a new token in Settings (ask whoever runs ' +
    'the server for one).',
  protocol:
    'The answer did not come from a RoadCAM sync server (check the server address in Settings). ' +
    'Sync will try again.',
  closed: 'Sync stopped because the app was closed.',
} as const;

interface ApiAnswer<T> {
  status: number;
  body: T;
}

export class SyncApi {
  private readonly base: URL;

  constructor(private readonly options: SyncApiOptions) {
    this.base = serverBase(options.settings.serverUrl);
  }

  get serverUrl(): string {
    return this.base.toString();
  }

  /** POST /surveys: one answer per record, in order; throws for a whole-request failure. */
  postSurveys(records: readonly SurveyRecordWire[]): Promise<SurveyUploadResult[]> {
    return this.postForResults<SurveyUploadResult>(
      'surveys',
      { surveys: records },
      records.map((r) => r.id),
      (r) => typeof r.status === 'string',
    );
  }

  /** POST /runs (drive runs, issue 13): one answer per run, in order, like postSurveys. */
  postRuns(runs: readonly RunRecordWire[]): Promise<SurveyUploadResult[]> {
    return this.postForResults<SurveyUploadResult>(
      'runs',
      { runs },
      runs.map((r) => r.id),
      (r) => typeof r.status === 'string',
    );
  }

  /** POST /surveys/check: for each survey asked, in order, what the server holds of it. */
  checkSurveys(surveys: readonly SurveyCheckItem[]): Promise<SurveyCheckResult[]> {
    return this.postForResults<SurveyCheckResult>(
      'surveys/check',
      { surveys },
      surveys.map((s) => s.id),
      (r) => typeof r.held === 'boolean' && typeof r.photoPresent === 'boolean',
    );
  }

  /** POST /runs/check: for each run asked, in order, whether the server holds that revision. */
  checkRuns(runs: readonly SurveyCheckItem[]): Promise<RecordCheckResult[]> {
    return this.postForResults<RecordCheckResult>(
      'runs/check',
      { runs },
      runs.map((r) => r.id),
      (r) => typeof r.held === 'boolean',
    );
  }

  /**
   * POSTs a list and reads `{"results": [...]}`: one well-formed result per item, with its id,
   * in order; anything else is not a RoadCAM server's answer (a protocol error).
   */
  private async postForResults<R extends { id: string | null }>(
    path: string,
    body: object,
    ids: readonly string[],
    wellFormed: (result: R) => boolean,
  ): Promise<R[]> {
    const answer = await this.request<{ results?: R[] }>('POST', path, {
      body: JSON.stringify(body),
      contentType: 'application/json',
    });
    const results = answer.body?.results;
    const fits =
      Array.isArray(results) &&
      results.length === ids.length &&
      results.every((r, i) => r && r.id === ids[i] && wellFormed(r));
    if (answer.status !== 200 || !fits) {
      throw new SyncError('protocol', MESSAGES.protocol, {
        status: answer.status,
        detail: `POST ${path}: answer does not match the request: ${JSON.stringify(answer.body).slice(0, 300)}`,
      });
    }
    return results;
  }

  /** PUT /surveys/:id/photo: 201 created or 200 unchanged; throws otherwise. */
  async putPhoto(id: string, photo: Blob): Promise<PhotoUploadResponse> {
    const extraMs = (photo.size / this.options.slowestUplinkBytesPerSecond) * 1000;
    const answer = await this.request<PhotoUploadResponse>(
      'PUT',
      `surveys/${encodeURIComponent(id)}/photo`,
      {
        body: photo,
        contentType: 'image/jpeg',
        timeoutMs: this.options.timeoutMs + Math.ceil(extraMs),
      },
    );
    if (
      (answer.status !== 200 && answer.status !== 201) ||
      answer.body?.id !== id ||
      typeof answer.body.sha256 !== 'string'
    ) {
      throw new SyncError('protocol', MESSAGES.protocol, {
        status: answer.status,
        detail: `PUT photo ${id}: unexpected answer ${JSON.stringify(answer.body).slice(0, 300)}`,
      });
    }
    return answer.body;
  }

  /** GET /surveys/:id: what the server holds for one survey. */
  async getSurvey(id: string): Promise<SurveyDetailResponse> {
    const answer = await this.request<SurveyDetailResponse>(
      'GET',
      `surveys/${encodeURIComponent(id)}`,
    );
    if (answer.body?.id !== id || typeof answer.body.photo !== 'object') {
      throw new SyncError('protocol', MESSAGES.protocol, {
        status: answer.status,
        detail: `GET survey ${id}: unexpected answer ${JSON.stringify(answer.body).slice(0, 300)}`,
      });
    }
    return answer.body;
  }

  /** GET /health (no token): true when a RoadCAM sync server answers. */
  async health(): Promise<void> {
    const answer = await this.request<{ ok?: unknown }>('GET', 'health', { auth: false });
    if (answer.body?.ok !== true) {
      throw new SyncError('protocol', MESSAGES.protocol, {
        status: answer.status,
        detail: `GET health: ${JSON.stringify(answer.body).slice(0, 200)}`,
      });
    }
  }

  /** GET /surveys?limit=N: checks the token; the server's clock comes back too. */
  async listSurveys(limit: number): Promise<SurveyListResponse> {
    const answer = await this.request<SurveyListResponse>('GET', `surveys?limit=${limit}`);
    if (!Array.isArray(answer.body?.surveys) || typeof answer.body.serverTime !== 'string') {
      throw new SyncError('protocol', MESSAGES.protocol, {
        status: answer.status,
        detail: `GET surveys: ${JSON.stringify(answer.body).slice(0, 200)}`,
      });
    }
    return answer.body;
  }

  /** GET /reviews: the office's corrections of this phone's surveys changed since `since`. */
  async listReviews(since: string | null, cursor: string | null): Promise<ReviewPullResponse> {
    const query = new URLSearchParams({ limit: '500' });
    if (since) query.set('since', since);
    if (cursor) query.set('cursor', cursor);
    const answer = await this.request<ReviewPullResponse>('GET', `reviews?${query}`);
    if (!Array.isArray(answer.body?.reviews) || typeof answer.body.serverTime !== 'string') {
      throw new SyncError('protocol', MESSAGES.protocol, {
        status: answer.status,
        detail: `GET reviews: ${JSON.stringify(answer.body).slice(0, 200)}`,
      });
    }
    return answer.body;
  }

  private async request<T>(
    method: string,
    path: string,
    init: { body?: BodyInit; contentType?: string; auth?: boolean; timeoutMs?: number } = {},
  ): Promise<ApiAnswer<T>> {
    const { fetch, clock, signal } = this.options;
    const timeoutMs = init.timeoutMs ?? this.options.timeoutMs;
    const what = `${method} ${path}`;
    if (signal?.aborted) throw new SyncError('closed', MESSAGES.closed, { detail: what });

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onClose = () => controller.abort();
    signal?.addEventListener('abort', onClose, { once: true });

    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.auth !== false) headers.authorization = `Bearer ${this.options.settings.token}`;
    if (init.contentType) headers['content-type'] = init.contentType;

    let status: number;
    let text: string;
    let responseHeaders: Headers;
    try {
      const response = await fetch(apiUrl(this.base, path), {
        method,
        headers,
        body: init.body,
        signal: controller.signal,
        credentials: 'omit',
      });
      status = response.status;
      responseHeaders = response.headers;
      // Read inside the timeout too: a server can stall half-way through its answer.
      text = await response.text();
    } catch (cause) {
      if (signal?.aborted) throw new SyncError('closed', MESSAGES.closed, { detail: what, cause });
      if (timedOut) {
        throw new SyncError('timeout', MESSAGES.timeout, {
          detail: `${what}: no complete answer within ${timeoutMs} ms`,
          cause,
        });
      }
      throw new SyncError('network', MESSAGES.network, {
        detail: `${what}: ${describeError(cause)}`,
        cause,
      });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onClose);
    }

    let body: unknown = undefined;
    const isJson = (responseHeaders.get('content-type') ?? '').includes('json');
    if (isJson && text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    if (status >= 200 && status < 300) {
      if (body === undefined) {
        throw new SyncError('protocol', MESSAGES.protocol, {
          status,
          detail: `${what}: ${status} without a JSON body: ${text.slice(0, 200)}`,
        });
      }
      return { status, body: body as T };
    }
    throw httpError(what, status, body, text, responseHeaders, clock.now());
  }
}

function httpError(
  what: string,
  status: number,
  body: unknown,
  text: string,
  headers: Headers,
  nowMs: number,
): SyncError {
  const apiBody = body as { error?: unknown; message?: unknown } | undefined;
  const apiCode = typeof apiBody?.error === 'string' ? apiBody.error : undefined;
  const serverMessage = typeof apiBody?.message === 'string' ? apiBody.message : undefined;
  const detail = `${what}: HTTP ${status}${apiCode ? ` ${apiCode}` : ''}: ${
    serverMessage ?? text.slice(0, 200)
  }`;
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'), nowMs);
  if (status === 401) {
    return new SyncError('unauthorized', MESSAGES.unauthorized, { status, apiCode, detail });
  }
  if (status === 408 || status === 429 || status >= 500) {
    const message =
      status === 429
        ? 'The sync server asked to slow down. Sync will try again shortly.'
        : `The sync server could not take the surveys just now${
            serverMessage ? ` (${serverMessage})` : ` (HTTP ${status})`
          }. They stay on this phone; sync will try again.`;
    return new SyncError('server', message, { status, apiCode, detail, retryAfterMs });
  }
  return new SyncError(
    'rejected',
    serverMessage ?? `The sync server refused the request (HTTP ${status}).`,
    { status, apiCode, detail },
  );
}
