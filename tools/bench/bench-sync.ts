/**
 * npm run bench:sync [-- --records 2000] [-- --photos 40] [-- --concurrency 4] [-- --write-docs]
 *
 * Upload throughput to a real local sync server (server/main.ts as a child process, temp data
 * directory, SQLite with synchronous=FULL, photos fsynced): survey records per second in
 * batches of 100 (first upload and idempotent replay), and photo MB/s, one upload at a time as
 * the outbox sends them and with several in parallel. Plain fetch for now; the outbox client
 * plugs in here later. Prints the figures; --write-docs also writes them to docs/BENCHMARKS.md.
 */
import { randomUUID, createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import {
  encodeFloat32Base64,
  MAX_SURVEYS_PER_BATCH,
  type SurveyBatchResponse,
  type SurveyRecordWire,
} from '../../src/schema/survey';
import { ServerProcess } from '../../test/helpers/server-process';
import { machineDescription, markdownTable, median, writeBenchmarkSection } from './report';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '2000' },
    photos: { type: 'string', default: '40' },
    concurrency: { type: 'string', default: '4' },
    'write-docs': { type: 'boolean', default: false },
  },
});
const RECORDS = Number(args.records);
const PHOTOS = Number(args.photos);
const CONCURRENCY = Number(args.concurrency);

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

    const table = markdownTable(['what', 'load', 'throughput', 'detail'], rows);
    const command = `npm run bench:sync -- --records ${RECORDS} --photos ${PHOTOS} --concurrency ${CONCURRENCY}`;
    const report =
      `## Sync upload to a local server\n\n` +
      `\`${command}\` on ${machineDescription()}, ${new Date().toISOString().slice(0, 10)}. ` +
      'Server on 127.0.0.1 (no network in between), SQLite WAL with synchronous=FULL (one fsync ' +
      'per batch), each photo written to a temp file, fsynced and renamed. Plain fetch; the ' +
      'outbox client is not in this path yet.\n\n' +
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
