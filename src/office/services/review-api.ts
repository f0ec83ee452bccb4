/**
 * The review page's client of the sync API: the reviewer's token on every request, JSON answers
 * typed by src/schema/review.ts, and an error that says what to do.
 */
import type {
  ReviewDecisionInput,
  ReviewQueueResponse,
  ReviewSaveResponse,
} from '../../schema/review';
import type { SyncApiErrorBody } from '../../schema/survey';

export class ReviewApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReviewApiError';
  }
}

export interface QueueFilter {
  status?: 'not-reviewed' | 'reviewed' | 'stale';
  disagreement?: boolean;
  label?: string;
  /** The device (token name) that uploaded the survey. */
  device?: string;
  /** The survey taken on or after / on or before this day (YYYY-MM-DD, UTC). */
  from?: string;
  to?: string;
}

export class ReviewApi {
  constructor(
    private readonly token: string,
    private readonly base = '/api/v1',
  ) {}

  private async call(path: string, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        ...init,
        headers: { authorization: `Bearer ${this.token}`, ...(init.headers ?? {}) },
      });
    } catch (error) {
      throw new ReviewApiError(0, 'network', `The server did not answer (${String(error)}).`);
    }
    if (!response.ok) {
      const body = (await response.json().catch(() => null)) as SyncApiErrorBody | null;
      throw new ReviewApiError(
        response.status,
        body?.error ?? 'http_error',
        body?.message ?? `The server answered ${response.status}.`,
      );
    }
    return response;
  }

  async queue(filter: QueueFilter, cursor: string | null = null): Promise<ReviewQueueResponse> {
    const query = new URLSearchParams({ limit: '50' });
    if (filter.status) query.set('status', filter.status);
    if (filter.disagreement !== undefined) query.set('disagreement', String(filter.disagreement));
    if (filter.label) query.set('label', filter.label);
    if (filter.device) query.set('device', filter.device);
    if (filter.from) query.set('from', `${filter.from}T00:00:00Z`);
    if (filter.to) query.set('to', `${filter.to}T23:59:59.999Z`);
    if (cursor) query.set('cursor', cursor);
    return (await this.call(`/review/surveys?${query}`)).json() as Promise<ReviewQueueResponse>;
  }

  async photo(surveyId: string): Promise<Blob> {
    return (await this.call(`/surveys/${surveyId}/photo`)).blob();
  }

  async saveReview(surveyId: string, decision: ReviewDecisionInput): Promise<ReviewSaveResponse> {
    const response = await this.call(`/reviews/${surveyId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(decision),
    });
    return response.json() as Promise<ReviewSaveResponse>;
  }
}
