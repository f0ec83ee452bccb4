/**
 * What the sync tests share: surveys as the app saves them (with real, distinct JPEG photos),
 * a real server process with a fault proxy in front, an outbox on fake-indexeddb pointed at
 * the proxy, and the checks a user would make: every survey on the server exactly once with
 * the right content and photo bytes, every survey still on the phone, all synced.
 */
import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { expect } from 'vitest';
import { canonicalJson } from '../../server/canonical-json';
import type { RunListResponse, RunServerState } from '../../server/routes/runs';
import { runRecordSchema } from '../../src/schema/run';
import type { SurveyListResponse, SurveyServerState } from '../../src/schema/survey';
import { SurveyRepository, type SurveyRecord } from '../../src/store';
import type { RunRecord } from '../../src/store/run-record';
import { RunRepository } from '../../src/store/run-repository';
import { toWire } from '../../src/store/wire';
import { createOutbox, type Outbox, type OutboxOptions } from '../../src/sync';
import { uploadEndedRuns, type RunUploadResult } from '../../src/sync/run-upload';
import type { FetchLike } from '../../src/sync/sync-api';
import { FaultProxy } from '../helpers/fault-proxy';
import { makeRun } from '../server/fixtures';
import { ServerProcess, type ServerProcessOptions } from '../../tools/lib/server-process';

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A few real JPEGs of noise (about 10 KB each), made once. */
let baseJpegs: Promise<Buffer[]> | null = null;
function jpegs(): Promise<Buffer[]> {
  baseJpegs ??= Promise.all(
    [1, 2, 3, 4].map((seed) => {
      const [width, height] = [96, 72];
      const pixels = Buffer.alloc(width * height * 3);
      let state = seed * 2654435761;
      for (let i = 0; i < pixels.length; i++) {
        state = (state * 1103515245 + 12345) >>> 0;
        pixels[i] = state >>> 24;
      }
      return sharp(pixels, { raw: { width, height, channels: 3 } })
        .jpeg({ quality: 85 })
        .toBuffer();
    }),
  );
  return baseJpegs;
}

/**
 * A distinct, valid JPEG per survey: one of the base photos with a comment segment (COM, FF FE)
 * naming the survey inserted after the start marker.
 */
export async function photoFor(n: number): Promise<Buffer> {
  const base = (await jpegs())[n % 4];
  const text = Buffer.from(`RoadCAM test survey ${n}`);
  const segment = Buffer.alloc(4 + text.length);
  segment[0] = 0xff;
  segment[1] = 0xfe;
  segment.writeUInt16BE(text.length + 2, 2);
  text.copy(segment, 4);
  return Buffer.concat([base.subarray(0, 2), segment, base.subarray(2)]);
}

export interface Survey {
  record: SurveyRecord;
  photo: Buffer;
}

/** A survey as the app saves it: state 'local', a real photo whose SHA-256 the record names. */
export async function makeSurvey(
  n: number,
  overrides: Partial<SurveyRecord> = {},
): Promise<Survey> {
  const photo = await photoFor(n);
  const createdAt = new Date(Date.UTC(2026, 10, 26, 7, 0, 0) + n * 1000).toISOString();
  const record: SurveyRecord = {
    id: crypto.randomUUID(),
    revision: 1,
    createdAt,
    updatedAt: createdAt,
    position: { lat: 45.1 + n * 1e-5, lon: 5.7 + n * 1e-5, accuracyM: 6, source: 'gps' },
    noPositionReason: null,
    verdict: {
      label: n % 2 ? 'pothole' : 'normal',
      potholeProbability: (n % 97) / 97,
      lowConfidence: false,
    },
    verdictKey: n % 2 ? 'pothole' : 'normal',
    probabilities: { pothole: (n % 97) / 97, normal: 1 - (n % 97) / 97 },
    cam: {
      method: 'gradcam',
      layer: 'conv_pw_13_relu',
      width: 7,
      height: 7,
      data: new Float32Array(49).map((_, i) => ((i + n) % 49) / 48),
    },
    model: { id: 'pothole-mobilenet', version: '1.0.0' },
    analysisError: null,
    notes: n % 5 === 0 ? `Survey ${n}: crack along the kerb, "about" 40 cm; ünïcode` : '',
    severity: n % 3 === 0 ? null : (((n % 5) + 1) as 1 | 2 | 3 | 4 | 5),
    photo: {
      sha256: sha256(photo),
      bytes: photo.length,
      width: 96,
      height: 72,
      type: 'image/jpeg',
    },
    thumbnail: new Blob([new Uint8Array(photo.subarray(0, 64))], { type: 'image/jpeg' }),
    sync: { state: 'local', attempts: 0 },
    ...overrides,
  };
  return { record, photo };
}

/** A Blob of these bytes (copied: a Buffer may sit on a shared pool). */
export function jpegBlob(bytes: Uint8Array): Blob {
  return new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' });
}

export async function saveSurveys(repository: SurveyRepository, surveys: readonly Survey[]) {
  for (const s of surveys) {
    await repository.save(s.record, jpegBlob(s.photo));
  }
}

/** `count` new surveys numbered from `first`, saved on the phone (state 'local'). */
export async function saveNewSurveys(
  repository: SurveyRepository,
  first: number,
  count: number,
): Promise<Survey[]> {
  const list = await Promise.all(Array.from({ length: count }, (_, i) => makeSurvey(first + i)));
  await saveSurveys(repository, list);
  return list;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

/** Fast retries and a short timeout: the tests exercise the logic, not the wall clock. */
export const TEST_OUTBOX_OPTIONS: Partial<OutboxOptions> = {
  requestTimeoutMs: 3000,
  slowestUplinkBytesPerSecond: 1e9,
  backoff: { baseMs: 20, factor: 2, maxMs: 400 },
  maxRetriesPerFlush: 1000,
  maxWaitInFlushMs: 5000,
  channelName: null,
};

/** A request as the outbox sent it and how it ended. */
export interface SentRequest {
  method: string;
  path: string;
  status: number | 'error';
  /** Records in the batch (POST /surveys). */
  records?: number;
}

/** fetch that records what the outbox sends (and can run a hook before each request). */
export function recordingFetch(
  log: SentRequest[],
  before?: (method: string, path: string) => Promise<void> | void,
  send: FetchLike = fetch,
): FetchLike {
  return async (input, init) => {
    const method = init.method ?? 'GET';
    const path = new URL(input).pathname;
    const records =
      method === 'POST' && typeof init.body === 'string'
        ? (JSON.parse(init.body) as { surveys?: unknown[] }).surveys?.length
        : undefined;
    await before?.(method, path);
    try {
      const response = await send(input, init);
      log.push({ method, path, status: response.status, records });
      return response;
    } catch (error) {
      log.push({ method, path, status: 'error', records });
      throw error;
    }
  };
}

export class SyncRig {
  readonly server: ServerProcess;
  readonly proxy: FaultProxy;
  readonly token: string;
  repository: SurveyRepository;
  /** The phone's drive runs, in the surveys' database; the outbox's server check gets them. */
  runs: RunRepository;
  outbox: Outbox;
  dbName: string;
  outboxDbName: string;
  readonly sent: SentRequest[] = [];
  /** Runs before each request the outbox sends (tests set it to inject trouble). */
  beforeRequest: ((method: string, path: string) => Promise<void> | void) | null = null;
  private ramDir: string | null = null;

  private constructor(fields: {
    server: ServerProcess;
    proxy: FaultProxy;
    token: string;
    repository: SurveyRepository;
    runs: RunRepository;
    outbox: Outbox;
    dbName: string;
    outboxDbName: string;
  }) {
    this.server = fields.server;
    this.proxy = fields.proxy;
    this.token = fields.token;
    this.repository = fields.repository;
    this.runs = fields.runs;
    this.outbox = fields.outbox;
    this.dbName = fields.dbName;
    this.outboxDbName = fields.outboxDbName;
  }

  /** `server`: the server process's options (e.g. `env: { DATABASE_URL }` for PostgreSQL). */
  static async start(
    options: Partial<OutboxOptions> = {},
    server: ServerProcessOptions = {},
  ): Promise<SyncRig> {
    // The server's data directory in RAM (tmpfs) where there is one: the same server, SQLite
    // and files, without a real disk's fsync time on every upload (the server's own tests
    // check durability on disk). SIGKILL and chattr +i behave the same on tmpfs.
    const ramDir = existsSync('/dev/shm')
      ? mkdtempSync(path.join('/dev/shm', 'roadcam-sync-'))
      : null;
    const serverProcess = await ServerProcess.start(
      ramDir ? { ...server, dataDir: ramDir } : server,
    );
    try {
      const proxy = await FaultProxy.start({ target: serverProcess.url });
      const token = await serverProcess.createToken('test-phone');
      const dbName = uniqueName('roadcam-sync-test');
      const outboxDbName = `${dbName}-outbox`;
      const repository = await SurveyRepository.open({ name: dbName });
      const runs = await RunRepository.open({ name: dbName });
      const rig: SyncRig = new SyncRig({
        server: serverProcess,
        proxy,
        token,
        repository,
        runs,
        outbox: null as unknown as Outbox,
        dbName,
        outboxDbName,
      });
      rig.outbox = await rig.openOutbox(options);
      await rig.outbox.saveSettings({ serverUrl: proxy.url, token });
      rig.ramDir = ramDir;
      return rig;
    } catch (error) {
      await serverProcess.dispose();
      if (ramDir) rmSync(ramDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** A new phone (empty databases) syncing to the same server with the same token. */
  async freshPhone(options: Partial<OutboxOptions> = {}): Promise<void> {
    await this.outbox.close();
    this.repository.close();
    this.runs.close();
    this.dbName = uniqueName('roadcam-sync-test');
    this.outboxDbName = `${this.dbName}-outbox`;
    this.repository = await SurveyRepository.open({ name: this.dbName });
    this.runs = await RunRepository.open({ name: this.dbName });
    this.outbox = await this.openOutbox(options);
    await this.outbox.saveSettings({ serverUrl: this.proxy.url, token: this.token });
    this.beforeRequest = null;
    this.proxy.clearFaults();
  }

  /** An outbox over the same databases: another app start, or another tab. */
  async openOutbox(
    options: Partial<OutboxOptions> = {},
    repository = this.repository,
  ): Promise<Outbox> {
    return createOutbox({
      ...TEST_OUTBOX_OPTIONS,
      repository,
      runs: this.runs,
      outboxDbName: this.outboxDbName,
      fetch: recordingFetch(this.sent, (method, path) => this.beforeRequest?.(method, path)),
      ...options,
    });
  }

  /** The requests sent since `mark` (a length of `sent`), as `METHOD /path/:id STATUS`. */
  sentSince(mark: number): string[] {
    return this.sent
      .slice(mark)
      .map((r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/, ':id')} ${r.status}`);
  }

  async api<T>(path: string): Promise<{ status: number; body: T; bytes: Buffer }> {
    const response = await fetch(`${this.server.url}/api/v1${path}`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    const type = response.headers.get('content-type') ?? '';
    return {
      status: response.status,
      body: (type.includes('json') ? JSON.parse(bytes.toString('utf8')) : undefined) as T,
      bytes,
    };
  }

  /** What the app does after each flush (SyncService.uploadRuns): sends the runs not synced. */
  async syncRuns(): Promise<RunUploadResult> {
    const settings = await this.outbox.connection.load();
    return uploadEndedRuns(this.runs, this.outbox.connection.api(settings!));
  }

  async serverRuns(): Promise<RunServerState[]> {
    const all: RunServerState[] = [];
    let after: string | null = null;
    do {
      const page: { status: number; body: RunListResponse } = await this.api<RunListResponse>(
        `/runs?limit=500${after ? `&after=${after}` : ''}`,
      );
      expect(page.status).toBe(200);
      all.push(...page.body.runs);
      after = page.body.nextAfter;
    } while (after);
    return all;
  }

  async serverSurveys(): Promise<SurveyServerState[]> {
    const all: SurveyServerState[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: SurveyListResponse } = await this.api<SurveyListResponse>(
        `/surveys?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      all.push(...page.body.surveys);
      cursor = page.body.nextCursor;
    } while (cursor);
    return all;
  }

  /**
   * What a user checks after sync: the server holds every survey exactly once, with the
   * content the phone has and its photo (SHA-256 of the bytes downloaded through the API, for
   * `download` of them), and the phone still holds every survey and photo, all `synced`.
   */
  async expectAllSynced(
    surveys: readonly Survey[],
    download: readonly Survey[] = surveys,
    { serverHoldsOnlyThese = true } = {},
  ) {
    const held = await this.serverSurveys();
    const ids = held.map((s) => s.id);
    expect(new Set(ids).size, 'a survey is on the server twice').toBe(ids.length);
    if (serverHoldsOnlyThese) expect(held.length, 'surveys on the server').toBe(surveys.length);
    const byId = new Map(held.map((s) => [s.id, s]));
    for (const { record, photo } of surveys) {
      const state = byId.get(record.id);
      expect(state, `survey ${record.id} missing on the server`).toBeDefined();
      expect(state!.contentSha256).toBe(sha256(canonicalJson(toWire(record))));
      expect(state!.photo.present, `photo of ${record.id} missing on the server`).toBe(true);
      expect(state!.photo.sha256).toBe(sha256(photo));
    }
    for (const { record, photo } of download) {
      const answer = await this.api(`/surveys/${record.id}/photo`);
      expect(answer.status).toBe(200);
      expect(sha256(answer.bytes), `photo bytes of ${record.id}`).toBe(sha256(photo));
    }

    expect(await this.repository.count(), 'surveys on the phone').toBe(surveys.length);
    const onPhone = new Map((await this.repository.list()).map((r) => [r.id, r]));
    for (const { record, photo } of surveys) {
      const local = onPhone.get(record.id);
      expect(local, `survey ${record.id} gone from the phone`).toBeDefined();
      expect(local!.sync.state, `state of ${record.id}: ${local!.sync.reason ?? ''}`).toBe(
        'synced',
      );
      expect(local!.notes).toBe(record.notes);
      const localPhoto = await this.repository.getPhoto(record.id);
      expect(localPhoto?.size).toBe(photo.length);
    }
    expect((await this.outbox.status()).waiting).toBe(0);
  }

  async dispose(): Promise<void> {
    await this.outbox?.close();
    this.repository?.close();
    this.runs?.close();
    await this.proxy?.close();
    await this.server.makeDataDirWritable();
    await this.server.dispose();
    if (this.ramDir) rmSync(this.ramDir, { recursive: true, force: true });
  }
}

/**
 * An ended drive run on the phone (state 'local', not uploaded) with one survey it made (saved
 * with the run, as the Drive page does: the survey carries the run's id).
 */
export async function saveEndedRun(runs: RunRepository, n: number): Promise<RunRecord> {
  const { record, photo } = await makeSurvey(n);
  const wire = runRecordSchema.parse(makeRun({ surveyIds: [] }));
  await runs.create({
    ...wire,
    state: 'ended',
    updatedAt: wire.endedAt,
    damageSpots: [],
    sync: { state: 'local', attempts: 0 },
  });
  return runs.addSurvey(wire.id, record, jpegBlob(photo), null);
}
