/**
 * `npm run dataset -- --out DIR [--since DATE] [--with-engineer-answers]`: the surveys whose
 * label the office confirmed, as a training folder (export-dataset.ts says how). Reads the sync
 * server's storage the way the server does (ROADCAM_DATA_DIR, or DATABASE_URL and
 * ROADCAM_PHOTO_STORE), so it runs on the server's machine, beside a running server.
 */
import { existsSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readConfig } from '../../server/config';
import { openStorage } from '../../server/store/storage';
import { runCli, usageError } from '../lib/cli';
import { exportDataset } from './export-dataset';

const USAGE = `Usage:
  npm run dataset -- --out DIR [--since DATE] [--with-engineer-answers]
      Writes the reviewed surveys of this sync server (ROADCAM_DATA_DIR, or DATABASE_URL) as a
      training folder: DIR/images/ + DIR/labels.json (the rdd2022 form npm run train reads),
      DIR/provenance.csv (who labelled each photo) and DIR/README.md (the counts).
      --out DIR                  a new or empty folder
      --since DATE               only surveys taken at or after DATE (2026-11-01 or ISO 8601)
      --with-engineer-answers    also surveys the office has not reviewed, with the engineer's
                                 own Right / Wrong answer`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: 'string' },
        since: { type: 'string' },
        'with-engineer-answers': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw usageError((error as Error).message, USAGE);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.out) throw usageError('--out DIR is needed.', USAGE);
  if (existsSync(values.out) && readdirSync(values.out).length > 0) {
    throw usageError(`${values.out} is not empty: give a new or empty folder.`, USAGE);
  }
  const since = values.since === undefined ? null : Date.parse(values.since);
  if (since !== null && !Number.isFinite(since)) {
    throw usageError(`--since must be a date such as 2026-11-01, not "${values.since}".`, USAGE);
  }
  const config = readConfig();
  const storage = await openStorage({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    photoStore: config.photoStore,
  });
  try {
    const report = await exportDataset(storage, values.out, {
      since,
      includeEngineer: values['with-engineer-answers'],
    });
    console.error(
      `${report.exported} photos written to ${values.out} (office reviews: ` +
        `${report.bySource.review}, engineers' answers: ${report.bySource.engineer}); see its README.md.`,
    );
    console.log(JSON.stringify(report));
  } finally {
    await storage.close();
  }
}

void runCli(main);
