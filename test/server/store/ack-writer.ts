/**
 * A child process for store-durability.test.ts: opens the storage named by ROADCAM_TEST_STORAGE
 * (JSON StorageOptions) and stores batches of 20 new records, forever, printing
 * `ack <id> <id> ...` after each putSurveys resolved. The test SIGKILLs it.
 */
import { randomUUID } from 'node:crypto';
import { openStorage, type StorageOptions } from '../../../server/store/storage';
import { makeRecord, photoMetaFor } from '../fixtures';
import { prepared } from './store-backends';

const options = JSON.parse(process.env.ROADCAM_TEST_STORAGE ?? '') as StorageOptions;
const storage = await openStorage(options);
process.stdout.write('ready\n');
for (let batch = 0; ; batch++) {
  const records = Array.from({ length: 20 }, (_, i) =>
    makeRecord(batch * 20 + i, photoMetaFor(i), { id: randomUUID() }),
  );
  await storage.surveys.putSurveys(records.map(prepared), 'ack-writer');
  process.stdout.write(
    `ack ${records.map((r) => `${r.id}:${prepared(r).contentSha256}`).join(' ')}\n`,
  );
}
