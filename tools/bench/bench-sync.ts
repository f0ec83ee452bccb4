/**
 * npm run bench:sync [-- --records 2000] [-- --photos 40] [-- --concurrency 4] [-- --synced 400]
 *   [-- --write-docs]
 *
 * Upload throughput to a real local sync server (server/main.ts as a child process, temp data
 * directory, SQLite with synchronous=FULL, photos fsynced): survey records per second in
 * batches of 100 (first upload and idempotent replay), and photo MB/s, one upload at a time as
 * the outbox sends them and with several in parallel. Then the same work through the outbox
 * (src/sync, on fake-indexeddb) side by side with plain fetch doing the same requests in the
 * same order: `--synced` surveys with a small photo each (record batch, then each photo), and
 * `--photos` surveys with phone-size photos. Prints the figures; --write-docs also writes them
 * to docs/BENCHMARKS.md.
 */
import 'fake-indexeddb/auto';
import { randomUUID, createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import {
  encodeFloat32Base64,
  MAX_SURVEYS_PER_BATCH,
  type SurveyBatchResponse,
  type SurveyRecordWire,
} from '../../src/schema/survey';
import { SurveyRepository, type SurveyRecord } from '../../src/store';
import { createOutbox } from '../../src/sync';
import { ServerProcess } from '../lib/server-process';
import { machineDescription } from '../lib/machine';
import { markdownTable, median, writeBenchmarkSection } from './report';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '2000' },
    photos: { type: 'string', default: '40' },
    concurrency: { type: 'string', default: '4' },
    synced: { type: 'string', default: '400' },
    'write-docs': { type: 'boolean', default: false },
  },
});
const RECORDS = Number(args.records);
const PHOTOS = Number(args.photos);
const CONCURRENCY = Number(args.concurrency);
const SYNCED = Number(args.synced);

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A 1600x1200 JPEG at quality 85 with smooth random content: about the size of a phone's. */
async function photoLikeJpeg(): Promise<Buffer> {
  const [w, h] = [400, 300];
  const pixels = Buffer.alloc(w * h * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(Math.random() * 256);
  return sharp(pixels, { raw: { width: w, height: h, channels: 3 } })
    .resize(1600, 1200, { kernel: 'cubic' })
    .blur(2)
    .jpeg({ quality: 85 })
    .toBuffer();
}

function record(index: number, photo: Buffer): SurveyRecordWire {
  const createdAt = new Date(Date.UTC(2026, 10, 1) + index * 30_000).toISOString();
  const grid = new Float32Array(49).map((_, i) => ((i + index) % 49) / 48);
  return {
    id: randomUUID(),
    revision: 1,
    createdAt,
    updatedAt: createdAt,
    position: { lat: 45 + index * 1e-5, lon: 5 + index * 1e-5, accuracyM: 6, source: 'gps' },
    verdict: {
      label: index % 2 ? 'pothole' : 'normal',
      potholeProbability: (index % 97) / 97,
      lowConfidence: false,
    },
    cam: {
      method: 'gradcam',
      layer: 'conv_pw_13_relu',
      width: 7,
      height: 7,
      data: encodeFloat32Base64(grid),
    },
    model: { id: 'pothole-mobilenet', version: '1.0.0' },
    notes: `Benchmark survey ${index}: crack along the kerb, about 40 cm.`,
    severity: (index % 5) + 1,
    photo: {
      sha256: sha256(photo),
      bytes: photo.length,
      width: 1600,
      height: 1200,
      type: 'image/jpeg',
    },
  };
}

async function main(): Promise<void> {
  const server = await ServerProcess.start();
  try {
    const token = await server.createToken('bench');
    const headers = { authorization: `Bearer ${token}` };

    async function postBatch(batch: SurveyRecordWire[], expected: string): Promise<number> {
      const t0 = performance.now();
      const response = await fetch(`${server.url}/api/v1/surveys`, {
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
    }

    async function putPhoto(id: string, bytes: Buffer): Promise<void> {
      const response = await fetch(`${server.url}/api/v1/surveys/${id}/photo`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'image/jpeg' },
        body: bytes as Uint8Array<ArrayBuffer>, // a Buffer on a plain ArrayBuffer
      });
      await response.arrayBuffer();
      if (response.status !== 201) throw new Error(`Photo upload answered ${response.status}`);
    }

    // Four distinct photos, shared by the records (a survey's photo need not be unique).
    const photos = await Promise.all([0, 1, 2, 3].map(() => photoLikeJpeg()));
    const records = Array.from({ length: RECORDS + 2 * PHOTOS }, (_, i) =>
      record(i, photos[i % 4]),
    );
    const recordBench = records.slice(0, RECORDS);
    const batches: SurveyRecordWire[][] = [];
    for (let i = 0; i < recordBench.length; i += MAX_SURVEYS_PER_BATCH) {
      batches.push(recordBench.slice(i, i + MAX_SURVEYS_PER_BATCH));
    }

    const rows: (string | number)[][] = [];
    for (const [what, expected] of [
      ['records, first upload', 'created'],
      ['records, replay (unchanged)', 'unchanged'],
    ] as const) {
      const t0 = performance.now();
      const latencies: number[] = [];
      for (const batch of batches) latencies.push(await postBatch(batch, expected));
      const seconds = (performance.now() - t0) / 1000;
      rows.push([
        what,
        `${RECORDS} in batches of ${MAX_SURVEYS_PER_BATCH}`,
        `${Math.round(RECORDS / seconds)} records/s`,
        `${median(latencies).toFixed(1)} ms per batch (median)`,
      ]);
    }

    const photoRecords = records.slice(RECORDS);
    await Promise.all(
      [photoRecords.slice(0, 100), photoRecords.slice(100)]
        .filter((b) => b.length)
        .map((b) => postBatch(b, 'created')),
    );
    const sequential = photoRecords.slice(0, PHOTOS);
    const parallel = photoRecords.slice(PHOTOS);
    const bytesOf = (list: SurveyRecordWire[]) => list.reduce((sum, r) => sum + r.photo.bytes, 0);
    const photoById = new Map(records.map((r, i) => [r.id, photos[i % 4]]));

    let t0 = performance.now();
    for (const r of sequential) await putPhoto(r.id, photoById.get(r.id)!);
    let seconds = (performance.now() - t0) / 1000;
    const meanKb = Math.round(bytesOf(sequential) / sequential.length / 1024);
    rows.push([
      'photos, one at a time',
      `${PHOTOS} JPEGs of ${meanKb} KiB (1600x1200)`,
      `${(bytesOf(sequential) / 2 ** 20 / seconds).toFixed(1)} MiB/s`,
      `${(PHOTOS / seconds).toFixed(1)} photos/s`,
    ]);

    t0 = performance.now();
    const queue = [...parallel];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let r = queue.shift(); r; r = queue.shift())
          await putPhoto(r.id, photoById.get(r.id)!);
      }),
    );
    seconds = (performance.now() - t0) / 1000;
    rows.push([
      `photos, ${CONCURRENCY} in parallel`,
      `${PHOTOS} JPEGs of ${meanKb} KiB (1600x1200)`,
      `${(bytesOf(parallel) / 2 ** 20 / seconds).toFixed(1)} MiB/s`,
      `${(PHOTOS / seconds).toFixed(1)} photos/s`,
    ]);

    // ---- The outbox beside plain fetch: the same requests (a batch, then each photo in turn).
    const smallPhoto = await sharp({
      create: { width: 64, height: 48, channels: 3, background: { r: 90, g: 90, b: 90 } },
    })
      .jpeg({ quality: 80 })
      .toBuffer();

    /** Plain fetch: POST the records in batches of 100, then PUT each photo, one at a time. */
    async function plainSync(list: SurveyRecordWire[], photoOf: (i: number) => Buffer) {
      for (let i = 0; i < list.length; i += MAX_SURVEYS_PER_BATCH) {
        const batch = list.slice(i, i + MAX_SURVEYS_PER_BATCH);
        await postBatch(batch, 'created');
        for (let j = 0; j < batch.length; j++) await putPhoto(batch[j].id, photoOf(i + j));
      }
    }

    /** The outbox: surveys saved on a fresh (fake) IndexedDB phone, then one flush, timed. */
    async function outboxSync(list: SurveyRecord[], photoOf: (i: number) => Buffer) {
      const name = `bench-${randomUUID()}`;
      const repository = await SurveyRepository.open({ name });
      for (const [i, r] of list.entries()) {
        await repository.save(r, new Blob([new Uint8Array(photoOf(i))], { type: 'image/jpeg' }));
      }
      const outbox = await createOutbox({
        repository,
        outboxDbName: `${name}-outbox`,
        settings: { load: async () => ({ serverUrl: server.url, token }) },
        channelName: null,
      });
      try {
        const t0 = performance.now();
        const result = await outbox.flush();
        const ms = performance.now() - t0;
        if (result.outcome !== 'done' || result.synced !== list.length) {
          throw new Error(
            `Outbox flush: ${result.outcome}, ${result.synced} synced, ${result.error?.detail}`,
          );
        }
        return ms;
      } finally {
        await outbox.close();
        repository.close();
      }
    }

    function localRecord(index: number, photo: Buffer): SurveyRecord {
      const wire = record(index, photo);
      return {
        ...wire,
        noPositionReason: null,
        verdictKey: wire.verdict!.label,
        probabilities: null,
        cam: {
          ...wire.cam!,
          data: new Float32Array(49).map((_, i) => ((i + index) % 49) / 48),
        },
        analysisError: null,
        severity: wire.severity as SurveyRecord['severity'],
        thumbnail: new Blob([new Uint8Array(photo.subarray(0, 256))], { type: 'image/jpeg' }),
        sync: { state: 'local', attempts: 0 },
      };
    }

    // Two rounds, alternating, so that neither path always runs on a warmer server.
    const side = { plainMs: 0, outboxMs: 0, plainPhotoMs: 0, outboxPhotoMs: 0 };
    const half = Math.ceil(SYNCED / 2);
    const halfPhotos = Math.ceil(PHOTOS / 2);
    let index = 100_000;
    for (let round = 0; round < 2; round++) {
      const plainWires = Array.from({ length: half }, () => record(index++, smallPhoto));
      let t = performance.now();
      await plainSync(plainWires, () => smallPhoto);
      side.plainMs += performance.now() - t;
      const outboxRecords = Array.from({ length: half }, () => localRecord(index++, smallPhoto));
      side.outboxMs += await outboxSync(outboxRecords, () => smallPhoto);

      const big = Array.from({ length: halfPhotos }, (_, i) => record(index++, photos[i % 4]));
      t = performance.now();
      await plainSync(big, (i) => photos[i % 4]);
      side.plainPhotoMs += performance.now() - t;
      const bigLocal = Array.from({ length: halfPhotos }, (_, i) =>
        localRecord(index++, photos[i % 4]),
      );
      side.outboxPhotoMs += await outboxSync(bigLocal, (i) => photos[i % 4]);
    }
    const syncedCount = half * 2;
    const photoCount = halfPhotos * 2;
    const bigBytes = photos.reduce((sum, p) => sum + p.length, 0) / 4;
    const perSecond = (count: number, ms: number) => count / (ms / 1000);
    rows.push(
      [
        'full sync, plain fetch',
        `${syncedCount} surveys, ${(smallPhoto.length / 1024).toFixed(1)} KiB photo each`,
        `${Math.round(perSecond(syncedCount, side.plainMs))} surveys/s`,
        'batch of 100, then each photo',
      ],
      [
        'full sync, outbox',
        `${syncedCount} surveys, ${(smallPhoto.length / 1024).toFixed(1)} KiB photo each`,
        `${Math.round(perSecond(syncedCount, side.outboxMs))} surveys/s`,
        `${(side.plainMs / side.outboxMs).toFixed(2)}x plain fetch's rate (fake-indexeddb)`,
      ],
      [
        'photos, plain fetch',
        `${photoCount} surveys with ${meanKb} KiB photos`,
        `${((photoCount * bigBytes) / 2 ** 20 / (side.plainPhotoMs / 1000)).toFixed(1)} MiB/s`,
        `${perSecond(photoCount, side.plainPhotoMs).toFixed(1)} surveys/s`,
      ],
      [
        'photos, outbox',
        `${photoCount} surveys with ${meanKb} KiB photos`,
        `${((photoCount * bigBytes) / 2 ** 20 / (side.outboxPhotoMs / 1000)).toFixed(1)} MiB/s`,
        `${(side.plainPhotoMs / side.outboxPhotoMs).toFixed(2)}x plain fetch's rate`,
      ],
    );

    const table = markdownTable(['what', 'load', 'throughput', 'detail'], rows);
    const command = `npm run bench:sync -- --records ${RECORDS} --photos ${PHOTOS} --concurrency ${CONCURRENCY} --synced ${SYNCED}`;
    const report =
      `## Sync upload to a local server\n\n` +
      `\`${command}\` on ${machineDescription()}, ${new Date().toISOString().slice(0, 10)}. ` +
      'Server on 127.0.0.1 (no network in between), SQLite WAL with synchronous=FULL (one fsync ' +
      'per batch), each photo written to a temp file, fsynced and renamed. "Full sync" and ' +
      '"photos" rows: the same requests in the same order through plain fetch and through the ' +
      'outbox (src/sync: IndexedDB reads and state writes around every request, here on ' +
      'fake-indexeddb in Node), two alternating rounds each; the outbox rows include its record ' +
      'batch and the photos, the plain rows the same.\n\n' +
      table +
      '\n';
    process.stdout.write(report);
    if (args['write-docs']) writeBenchmarkSection('bench-sync', report);
  } finally {
    await server.dispose();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:sync failed: ${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
});
