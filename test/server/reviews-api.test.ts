/**
 * The office's review routes against the real server process and its SQLite database: token
 * roles (surveyor, reviewer, admin; a reviewer cannot upload, a surveyor cannot review), the
 * review queue with its filters, a decision with its audit trail, 409 when the survey or the
 * review changed since the reviewer looked, the phone's record untouched, and the phones' pull
 * (own surveys only, repeatable, paged). The stores themselves run on SQLite and PostgreSQL in
 * store/review-store.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ReviewDetailResponse,
  ReviewPullResponse,
  ReviewQueueResponse,
  ReviewSaveResponse,
} from '../../src/schema/review';
import type {
  SurveyBatchResponse,
  SurveyDetailResponse,
  SyncApiErrorBody,
} from '../../src/schema/survey';
import { ServerProcess } from '../../tools/lib/server-process';
import { apiClient, makeJpeg, makeRecord } from './fixtures';

let server: ServerProcess;
let phone: ReturnType<typeof apiClient>;
let otherPhone: ReturnType<typeof apiClient>;
let reviewer: ReturnType<typeof apiClient>;
let admin: ReturnType<typeof apiClient>;
let reviewerToken: string;

beforeAll(async () => {
  server = await ServerProcess.start();
  phone = apiClient(server.url, await server.createToken('phone-1'));
  otherPhone = apiClient(server.url, await server.createToken('phone-2'));
  reviewerToken = await server.createToken('office-anna', 'reviewer');
  reviewer = apiClient(server.url, reviewerToken);
  admin = apiClient(server.url, await server.createToken('lead', 'admin'));
});

afterAll(async () => {
  await server?.dispose();
});

function send(
  client: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  return fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${client}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: await r.json() }));
}

async function upload(client: ReturnType<typeof apiClient>, index: number, overrides = {}) {
  const jpeg = await makeJpeg(index);
  const record = makeRecord(index, jpeg, overrides);
  const answer = await client.postSurveys<SurveyBatchResponse>([record]);
  expect(answer.body.results[0].status).toBe('created');
  expect((await client.putPhoto(record.id, jpeg)).status).toBe(201);
  return record;
}

describe('token roles', () => {
  it('answers 401 without a token on every review and model route', async () => {
    const id = '0b3c1f9e-8a0c-4d5e-9f00-000000000000';
    for (const [method, path] of [
      ['GET', '/review/surveys'],
      ['GET', '/reviews'],
      ['GET', `/reviews/${id}`],
      ['PUT', `/reviews/${id}`],
      ['GET', '/models/current'],
      ['GET', '/models/1.0.0/model.json'],
    ]) {
      const response = await fetch(`${server.url}/api/v1${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(401);
    }
  });

  it('lists each token with its role, and existing tokens are surveyors', async () => {
    const listed = await server.cli(['token', 'list']);
    expect(listed.stdout).toMatch(/phone-1\tsurveyor\t/);
    expect(listed.stdout).toMatch(/office-anna\treviewer\t/);
    expect(listed.stdout).toMatch(/lead\tadmin\t/);
    const refused = await server.cli(['token', 'create', '--name', 'x', '--role', 'boss']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--role must be one of surveyor, reviewer, admin/);
  });

  it('refuses uploads from a reviewer and reviews from a surveyor, with 403 and what to do', async () => {
    const record = makeRecord(900, await makeJpeg(900));
    const upload = await reviewer.postSurveys<SyncApiErrorBody>([record]);
    expect(upload.status).toBe(403);
    expect(upload.body.error).toBe('forbidden');
    expect(upload.body.message).toMatch(/surveyor token.*office-anna.*reviewer token/);
    const queue = await phone.get<SyncApiErrorBody>('/review/surveys');
    expect(queue.status).toBe(403);
    expect(queue.body.message).toMatch(/reviewer token/);
    const put = await send(
      (await server.createToken('phone-3')) as string,
      'PUT',
      `/reviews/${record.id}`,
      { basedOnRevision: 1, expectedVersion: 0, labels: ['pothole'] },
    );
    expect(put.status).toBe(403);
  });
});

describe('reviews', () => {
  it('lists surveys for review, saves a decision with its trail, and never changes the record', async () => {
    const record = await upload(phone, 1, {
      verdict: { label: 'normal', potholeProbability: 0.2, lowConfidence: false },
    });
    const queue = await reviewer.get<ReviewQueueResponse>('/review/surveys?status=not-reviewed');
    expect(queue.status).toBe(200);
    const item = queue.body.items.find((i) => i.id === record.id);
    expect(item).toMatchObject({
      device: 'phone-1',
      modelLabels: ['good_road'],
      status: 'not-reviewed',
      review: null,
      photo: { present: true },
    });
    const before = await phone.get<SurveyDetailResponse>(`/surveys/${record.id}`);

    const saved = await send(reviewerToken, 'PUT', `/reviews/${record.id}`, {
      basedOnRevision: 1,
      expectedVersion: 0,
      labels: ['pothole'],
      boxes: [{ type: 'pothole', box: [10, 8, 40, 30] }],
    });
    expect(saved.status).toBe(200);
    expect((saved.body as ReviewSaveResponse).review).toMatchObject({
      labels: ['pothole'],
      reviewer: 'office-anna',
      version: 1,
      stale: false,
    });
    // The same decision again (a lost answer, retried): unchanged, no second trail entry.
    const again = await send(reviewerToken, 'PUT', `/reviews/${record.id}`, {
      basedOnRevision: 1,
      expectedVersion: 0,
      labels: ['pothole'],
      boxes: [{ type: 'pothole', box: [10, 8, 40, 30] }],
    });
    expect((again.body as ReviewSaveResponse).status).toBe('unchanged');

    const detail = await reviewer.get<ReviewDetailResponse>(`/reviews/${record.id}`);
    expect(detail.body.events).toHaveLength(1);
    expect(detail.body.events[0]).toMatchObject({
      reviewer: 'office-anna',
      action: 'set',
      previous: null,
      next: { labels: ['pothole'], basedOnRevision: 1 },
    });
    const after = await phone.get<SurveyDetailResponse>(`/surveys/${record.id}`);
    expect(after.body.contentSha256).toBe(before.body.contentSha256);
    expect(after.body.survey.verdict).toEqual(record.verdict);

    const reviewed = await reviewer.get<ReviewQueueResponse>('/review/surveys?status=reviewed');
    expect(reviewed.body.items.find((i) => i.id === record.id)?.truth).toEqual({
      labels: ['pothole'],
      boxes: [{ type: 'pothole', box: [10, 8, 40, 30] }],
      source: 'review',
      by: 'office-anna',
    });
  });

  it('answers 409 when the engineer changed the survey or another reviewer saved first', async () => {
    const record = await upload(phone, 2);
    const edit = await phone.postSurveys<SurveyBatchResponse>([
      { ...record, revision: 2, notes: 'edited on the phone' },
    ]);
    expect(edit.body.results[0].status).toBe('updated');
    const stale = await send(reviewerToken, 'PUT', `/reviews/${record.id}`, {
      basedOnRevision: 1,
      expectedVersion: 0,
      accept: true,
    });
    expect(stale.status).toBe(409);
    expect((stale.body as SyncApiErrorBody).error).toBe('survey_changed');

    const first = await send(reviewerToken, 'PUT', `/reviews/${record.id}`, {
      basedOnRevision: 2,
      expectedVersion: 0,
      accept: true,
    });
    expect(first.status).toBe(200);
    expect((first.body as ReviewSaveResponse).review).toMatchObject({ accepted: true });
    const second = await admin.get<ReviewDetailResponse>(`/reviews/${record.id}`);
    expect(second.status).toBe(200);
    const late = await send(reviewerToken, 'PUT', `/reviews/${record.id}`, {
      basedOnRevision: 2,
      expectedVersion: 0,
      labels: ['crack'],
    });
    expect(late.status).toBe(409);
    expect((late.body as SyncApiErrorBody).error).toBe('review_changed');
    expect((late.body as SyncApiErrorBody).message).toMatch(/office-anna saved a review/);
  });

  it('refuses a malformed decision with what is wrong', async () => {
    const record = await upload(phone, 3);
    const bad = await send(reviewerToken, 'PUT', `/reviews/${record.id}`, {
      basedOnRevision: 1,
      expectedVersion: 0,
      labels: ['good_road', 'pothole'],
    });
    expect(bad.status).toBe(400);
    expect((bad.body as SyncApiErrorBody).message).toMatch(/good_road cannot be listed with/);
  });
});

describe('the phones pull corrections', () => {
  it('gives each phone its own surveys’ reviews since its last pull, the same answer when repeated', async () => {
    const start = await phone.get<ReviewPullResponse>('/reviews');
    expect(start.status).toBe(200);
    const since = start.body.serverTime;
    const mine = await upload(phone, 10);
    const theirs = await upload(otherPhone, 11);
    for (const r of [mine, theirs]) {
      const saved = await send(reviewerToken, 'PUT', `/reviews/${r.id}`, {
        basedOnRevision: 1,
        expectedVersion: 0,
        labels: ['crack'],
      });
      expect(saved.status).toBe(200);
    }
    const q = `/reviews?since=${encodeURIComponent(since)}`;
    const pulled = await phone.get<ReviewPullResponse>(q);
    expect(pulled.body.reviews.map((r) => r.surveyId)).toEqual([mine.id]);
    expect(pulled.body.reviews[0]).toMatchObject({ labels: ['crack'], reviewer: 'office-anna' });
    const repeated = await phone.get<ReviewPullResponse>(q);
    expect(repeated.body.reviews).toEqual(pulled.body.reviews);
    const theirsPulled = await otherPhone.get<ReviewPullResponse>(q);
    expect(theirsPulled.body.reviews.map((r) => r.surveyId)).toEqual([theirs.id]);

    const next = await phone.get<ReviewPullResponse>(
      `/reviews?since=${encodeURIComponent(pulled.body.serverTime)}`,
    );
    expect(next.body.reviews).toEqual([]);

    const paged = await admin.get<ReviewPullResponse>(`${q}&limit=1`);
    expect(paged.body.reviews).toHaveLength(1);
    expect(paged.body.nextCursor).not.toBeNull();
    const rest = await admin.get<ReviewPullResponse>(
      `${q}&limit=1&cursor=${paged.body.nextCursor}`,
    );
    expect(rest.body.reviews.map((r) => r.surveyId)).not.toContain(paged.body.reviews[0].surveyId);
  });
});
