/**
 * The upload half of `npm run bench:sync`: survey records per second (batches of 100, first
 * upload and replay) and photo MiB/s (one at a time, and several in parallel) against one
 * running sync server, whatever its database. bench-sync.ts runs it on SQLite and on
 * PostgreSQL and prints them side by side.
 */
import sharp from 'sharp';
import {
  MAX_SURVEYS_PER_BATCH,
  type SurveyBatchResponse,
  type SurveyRecordWire,
} from '../../src/schema/survey';
import { makeRecord } from '../lib/sample-survey';
import { median } from '../lib/median';

/** A 1600x1200 JPEG at quality 85 with smooth random content: about the size of a phone's. */
export async function photoLikeJpeg(): Promise<Buffer> {
  const [w, h] = [400, 300];
  const pixels = Buffer.alloc(w * h * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(Math.random() * 256);
  return sharp(pixels, { raw: { width: w, height: h, channels: 3 } })
    .resize(1600, 1200, { kernel: 'cubic' })
    .blur(2)
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** The two calls the benchmark makes, checked: anything unexpected stops it. */
export function benchClient(url: string, token: string) {
  const headers = { authorization: `Bearer ${token}` };
  return {
    async postBatch(batch: SurveyRecordWire[], expected: string): Promise<number> {
      const t0 = performance.now();
      const response = await fetch(`${url}/api/v1/surveys`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ surveys: batch }),
      });
      const body = (await response.json()) as SurveyBatchResponse;
      const ms = performance.now() - t0;
      if (response.status !== 200 || body.results.some((r) => r.status !== expected)) {
        throw new Error(
          `Unexpected answer ${response.status}: ${JSON.stringify(body).slice(0, 300)}`,
        );
      }
      return ms;
    },
    async putPhoto(id: string, bytes: Buffer): Promise<void> {
      const response = await fetch(`${url}/api/v1/surveys/${id}/photo`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'image/jpeg' },
        body: bytes as Uint8Array<ArrayBuffer>, // a Buffer on a plain ArrayBuffer
      });
      await response.arrayBuffer();
      if (response.status !== 201) throw new Error(`Photo upload answered ${response.status}`);
    },
  };
}

export interface UploadFigures {
  recordsPerSecond: number;
  replayPerSecond: number;
  batchMedianMs: number;
  replayBatchMedianMs: number;
  photoMiBPerSecond: number;
  parallelPhotoMiBPerSecond: number;
  meanPhotoKiB: number;
}

export async function measureUploads(
  url: string,
  token: string,
  options: { records: number; photos: number; concurrency: number; photoSet: Buffer[] },
): Promise<UploadFigures> {
  const client = benchClient(url, token);
  const { photoSet } = options;
  const records = Array.from({ length: options.records + 2 * options.photos }, (_, i) =>
    makeRecord(i, photoSet[i % photoSet.length]),
  );
  const photoById = new Map(records.map((r, i) => [r.id, photoSet[i % photoSet.length]]));
  const batches: SurveyRecordWire[][] = [];
  for (let i = 0; i < options.records; i += MAX_SURVEYS_PER_BATCH) {
    batches.push(records.slice(i, Math.min(i + MAX_SURVEYS_PER_BATCH, options.records)));
  }

  const rate = async (expected: string) => {
    const t0 = performance.now();
    const latencies: number[] = [];
    for (const batch of batches) latencies.push(await client.postBatch(batch, expected));
    return {
      perSecond: options.records / ((performance.now() - t0) / 1000),
      median: median(latencies),
    };
  };
  const first = await rate('created');
  const replay = await rate('unchanged');

  const photoRecords = records.slice(options.records);
  for (let i = 0; i < photoRecords.length; i += MAX_SURVEYS_PER_BATCH) {
    await client.postBatch(photoRecords.slice(i, i + MAX_SURVEYS_PER_BATCH), 'created');
  }
  const sequential = photoRecords.slice(0, options.photos);
  const parallel = photoRecords.slice(options.photos);
  const bytesOf = (list: SurveyRecordWire[]) => list.reduce((sum, r) => sum + r.photo.bytes, 0);

  let t0 = performance.now();
  for (const r of sequential) await client.putPhoto(r.id, photoById.get(r.id)!);
  const sequentialSeconds = (performance.now() - t0) / 1000;

  t0 = performance.now();
  const queue = [...parallel];
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      for (let r = queue.shift(); r; r = queue.shift()) {
        await client.putPhoto(r.id, photoById.get(r.id)!);
      }
    }),
  );
  const parallelSeconds = (performance.now() - t0) / 1000;

  return {
    recordsPerSecond: first.perSecond,
    replayPerSecond: replay.perSecond,
    batchMedianMs: first.median,
    replayBatchMedianMs: replay.median,
    photoMiBPerSecond: bytesOf(sequential) / 2 ** 20 / sequentialSeconds,
    parallelPhotoMiBPerSecond: bytesOf(parallel) / 2 ** 20 / parallelSeconds,
    meanPhotoKiB: bytesOf(sequential) / sequential.length / 1024,
  };
}
