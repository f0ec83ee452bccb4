/**
 * npm run bench:sync [-- --records 2000] [-- --photos 40] [-- --concurrency 4] [-- --synced 400]
 *   [-- --write-docs] [-- --max-wait MINUTES]
 *
 * Upload throughput to a real local sync server (server/main.ts as a child process), on SQLite
 * (the embedded default: WAL with synchronous=FULL, photos fsynced in the data directory) and
 * on PostgreSQL (a server started for the run from Debian's postgresql package, photos in the
 * database), side by side in one run: survey records per second in batches of 100 (first
 * upload and idempotent replay) and photo MiB/s, one upload at a time as the outbox sends them
 * and with several in parallel. Then, on SQLite, the same work through the outbox (src/sync, on
 * fake-indexeddb) side by side with plain fetch doing the same requests in the same order:
 * `--synced` surveys with a small photo each (record batch, then each photo), and `--photos`
 * surveys with phone-size photos. Prints the figures; --write-docs also writes them to
 * docs/BENCHMARKS.md.
 */
import 'fake-indexeddb/auto';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { MAX_SURVEYS_PER_BATCH, type SurveyRecordWire } from '../../src/schema/survey';
import { SurveyRepository, type SurveyRecord } from '../../src/store';
import { createOutbox } from '../../src/sync';
import { PostgresCluster } from '../lib/postgres-cluster';
import { ServerProcess } from '../lib/server-process';
import { machineDescription } from '../lib/machine';
import { makeRecord as record } from '../lib/sample-survey';
import { loadSentence, parseMaxWait, waitForQuietMachine } from './quiet-machine';
import { markdownTable, writeBenchmarkSection } from './report';
import {
  benchClient,
  measureUploads,
  photoLikeJpeg,
  type UploadFigures,
} from './sync-upload-figures';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '2000' },
    photos: { type: 'string', default: '40' },
    concurrency: { type: 'string', default: '4' },
    synced: { type: 'string', default: '400' },
    'write-docs': { type: 'boolean', default: false },
    'max-wait': { type: 'string' },
  },
});
const RECORDS = Number(args.records);
const PHOTOS = Number(args.photos);
const CONCURRENCY = Number(args.concurrency);
const SYNCED = Number(args.synced);

/** Upload figures on one database; the server and its database are stopped after. */
async function figuresOn(env: Record<string, string>, photoSet: Buffer[]): Promise<UploadFigures> {
  const server = await ServerProcess.start({ env });
  try {
    const token = await server.createToken('bench');
    return await measureUploads(server.url, token, {
      records: RECORDS,
      photos: PHOTOS,
      concurrency: CONCURRENCY,
      photoSet,
    });
  } finally {
    await server.dispose();
  }
}

async function main(): Promise<void> {
  // Four distinct photos, shared by the records (a survey's photo need not be unique).
  const photos = await Promise.all([0, 1, 2, 3].map(() => photoLikeJpeg()));
  const quiet = await waitForQuietMachine({ maxWaitMinutes: parseMaxWait(args['max-wait']) });
  const sqlite = await figuresOn({}, photos);
  // On disk like the SQLite server's data directory, so both pay for their fsyncs.
  const cluster = await PostgresCluster.start({ onDisk: true });
  let postgres: UploadFigures;
  try {
    postgres = await figuresOn({ DATABASE_URL: await cluster.createDatabase() }, photos);
  } finally {
    await cluster.dispose();
  }
  const meanKb = Math.round(sqlite.meanPhotoKiB);
  const side = (f: (u: UploadFigures) => string) => [f(sqlite), f(postgres)];
  const databaseTable = markdownTable(
    ['what', 'load', 'SQLite', 'PostgreSQL'],
    [
      [
        'records, first upload',
        `${RECORDS} in batches of ${MAX_SURVEYS_PER_BATCH}`,
        ...side(
          (u) =>
            `${Math.round(u.recordsPerSecond)} records/s (${u.batchMedianMs.toFixed(1)} ms/batch)`,
        ),
      ],
      [
        'records, replay (unchanged)',
        `${RECORDS} in batches of ${MAX_SURVEYS_PER_BATCH}`,
        ...side(
          (u) =>
            `${Math.round(u.replayPerSecond)} records/s (${u.replayBatchMedianMs.toFixed(1)} ms/batch)`,
        ),
      ],
      [
        'photos, one at a time',
        `${PHOTOS} JPEGs of ${meanKb} KiB (1600x1200)`,
        ...side((u) => `${u.photoMiBPerSecond.toFixed(1)} MiB/s`),
      ],
      [
        `photos, ${CONCURRENCY} in parallel`,
        `${PHOTOS} JPEGs of ${meanKb} KiB (1600x1200)`,
        ...side((u) => `${u.parallelPhotoMiBPerSecond.toFixed(1)} MiB/s`),
      ],
    ],
  );

  const server = await ServerProcess.start();
  try {
    const token = await server.createToken('bench');
    const { postBatch, putPhoto } = benchClient(server.url, token);
    const rows: (string | number)[][] = [];
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
      // The pothole-era record: the benchmark's sample surveys carry no `damage`.
      const { damage: _damage, ...wire } = record(index, photo);
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
      'Server on 127.0.0.1 (no network in between). SQLite: WAL with synchronous=FULL (one ' +
      'fsync per batch), each photo written to a temp file, fsynced and renamed. PostgreSQL: ' +
      'a local server started for the run (fsync on, synchronous_commit=on: a commit waits for ' +
      'its WAL flush), photos as rows of the database; one server process in front of each.\n\n' +
      databaseTable +
      '\n\nOn SQLite, the outbox beside plain fetch. "Full sync" and "photos" rows: the same ' +
      'requests in the same order through plain fetch and through the outbox (src/sync: ' +
      'IndexedDB reads and state writes around every request, here on fake-indexeddb in Node), ' +
      'two alternating rounds each; the outbox rows include its record batch and the photos, ' +
      'the plain rows the same.\n\n' +
      table +
      '\n\n' +
      loadSentence(quiet) +
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
