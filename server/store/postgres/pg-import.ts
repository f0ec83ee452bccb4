/**
 * `npm run server -- import-sqlite DIR`: moves what a SQLite data directory holds into the
 * PostgreSQL database of DATABASE_URL, for a team that started with `npm start` and grows to
 * several servers: surveys with their times and photo state, photos, device tokens, drive runs,
 * the office's reviews with their audit trail, model releases with their files and the current
 * one, and the road network. Rows keep their ids, times and change-clock values, so exports,
 * `since` pulls and the trail read the same afterwards. A row the database already holds is
 * left as it is (and counted, or named when its content differs), so running it twice is
 * harmless. Photos and model files are checked against their records (size and SHA-256) before
 * they are copied.
 */
import path from 'node:path';
import type pg from 'pg';
import { sha256Hex } from '../../canonical-json';
import { FolderModelFileStore } from '../folder-model-files';
import { FolderPhotoStore } from '../folder-photos';
import type { ModelFileStore, ModelReleaseRow, ReleaseFile } from '../model-store';
import type { PhotoStore } from '../photo-store';
import type { ReviewRow } from '../review-store';
import type { RunRow } from '../run-store';
import { openSqliteDatabase } from '../sqlite/sqlite-database';
import { DATABASE_FILE_NAME, type PhotoStoreKind } from '../storage';
import type { SurveyRow } from '../survey-row';
import { PgDatabase } from './pg-database';
import { migratePostgres } from './pg-migrate';
import { PgModelFileStore } from './pg-model-files';
import { PgPhotoStore } from './pg-photos';

/** What became of one row. */
type Outcome = 'imported' | 'alreadyThere' | 'differentThere';

/** What became of the rows of one table. */
export interface CopyCount {
  imported: number;
  alreadyThere: number;
  /** Held by the database with other content, kept as they are: their ids (releases: their
   * versions), for the report to name. */
  differentThere: string[];
}

export interface ImportReport {
  surveys: CopyCount;
  photos: { imported: number; missingOrDamaged: string[] };
  tokens: { imported: number; skipped: string[] };
  runs: CopyCount;
  reviews: CopyCount & {
    /** Trail events copied with the reviews imported. */
    events: number;
    /** Reviews of surveys the database holds with other content: not imported. */
    surveyDiffers: string[];
  };
  models: CopyCount & {
    /** Releases with a file missing or damaged in the folder: not imported. */
    missingOrDamaged: string[];
    /** The database's current release when it is another than the SQLite one (kept). */
    currentKept: string | null;
  };
  roads: 'none' | Outcome;
}

type SourceDb = ReturnType<typeof openSqliteDatabase>;

/** A pool or a transaction's client. */
interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

const PAGE = 500;

export async function importSqliteDataDir(options: {
  sourceDir: string;
  databaseUrl: string;
  photoStore: PhotoStoreKind;
  /** The data directory of the target servers (folder photo and model stores only). */
  targetDataDir: string;
}): Promise<ImportReport> {
  const source = openSqliteDatabase(path.join(options.sourceDir, DATABASE_FILE_NAME));
  const db = new PgDatabase({ url: options.databaseUrl, poolSize: 2 });
  const report: ImportReport = {
    surveys: emptyCount(),
    photos: { imported: 0, missingOrDamaged: [] },
    tokens: { imported: 0, skipped: [] },
    runs: emptyCount(),
    reviews: { ...emptyCount(), events: 0, surveyDiffers: [] },
    models: { ...emptyCount(), missingOrDamaged: [], currentKept: null },
    roads: 'none',
  };
  try {
    await migratePostgres(db);
    const inDatabase = options.photoStore === 'postgres';
    const photos = {
      source: new FolderPhotoStore(options.sourceDir),
      target: inDatabase ? new PgPhotoStore(db) : new FolderPhotoStore(options.targetDataDir),
    };
    for await (const row of pagesById<SurveyRow>(source, 'surveys')) {
      await importSurvey(row, db, photos, report);
    }
    for await (const row of pagesById<RunRow>(source, 'runs')) {
      tally(report.runs, await copyRow(db, 'runs', 'id', row, ['content_sha256']), row.id);
    }
    // Reviews after their surveys (a review refers to its survey).
    await importReviews(source, db, report);
    // Later changes must come after every imported one (runs were on a clock of their own).
    await db.query(
      `UPDATE change_clock SET last_ms = GREATEST(last_ms,
         (SELECT COALESCE(MAX(changed_at), 0) FROM surveys),
         (SELECT COALESCE(MAX(changed_at), 0) FROM reviews),
         (SELECT COALESCE(MAX(changed_at), 0) FROM runs))`,
    );
    await importTokens(source, db, report);
    const modelFiles: ModelFileStore = inDatabase
      ? new PgModelFileStore(db)
      : new FolderModelFileStore(options.targetDataDir);
    await importModels(source, new FolderModelFileStore(options.sourceDir), modelFiles, db, report);
    await importRoadNetwork(source, db, report);
    return report;
  } finally {
    source.close();
    await db.close();
  }
}

/** True when the report holds something a person should look at (the command exits with 1). */
export function importNeedsALook(report: ImportReport): boolean {
  return (
    [report.surveys, report.runs, report.reviews, report.models].some(
      (count) => count.differentThere.length > 0,
    ) ||
    report.photos.missingOrDamaged.length > 0 ||
    report.reviews.surveyDiffers.length > 0 ||
    report.models.missingOrDamaged.length > 0 ||
    report.models.currentKept !== null ||
    report.roads === 'differentThere'
  );
}

function emptyCount(): CopyCount {
  return { imported: 0, alreadyThere: 0, differentThere: [] };
}

function tally(count: CopyCount, outcome: Outcome, key: string): void {
  if (outcome === 'differentThere') count.differentThere.push(key);
  else count[outcome]++;
}

/** Every row of a table keyed by `id`, in id order, a page at a time. */
async function* pagesById<Row extends { id: string }>(source: SourceDb, table: 'surveys' | 'runs') {
  const page = source.prepare<[string, number], Row>(
    `SELECT * FROM ${table} WHERE id > ? ORDER BY id LIMIT ?`,
  );
  for (let after = ''; ;) {
    const rows = page.all(after, PAGE);
    yield* rows;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1].id;
  }
}

/**
 * Inserts the row unless the database holds its key; then it compares `sameWhen` columns with
 * what is there. Table and column names come from this file, never from the data.
 */
async function copyRow(
  db: Queryable,
  table: string,
  key: string,
  row: object,
  sameWhen: readonly string[],
): Promise<Outcome> {
  const columns = Object.keys(row);
  const values = Object.values(row) as unknown[];
  const inserted = await db.query(
    `INSERT INTO ${table} (${columns.join(', ')})
     VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})
     ON CONFLICT (${key}) DO NOTHING`,
    values,
  );
  if (inserted.rowCount === 1) return 'imported';
  const there = await db.query<Record<string, unknown>>(
    `SELECT ${sameWhen.join(', ')} FROM ${table} WHERE ${key} = $1`,
    [values[columns.indexOf(key)]],
  );
  const same = sameWhen.every(
    (column) => String(there.rows[0][column]) === String((row as Record<string, unknown>)[column]),
  );
  return same ? 'alreadyThere' : 'differentThere';
}

async function importSurvey(
  row: SurveyRow,
  db: PgDatabase,
  photos: { source: PhotoStore; target: PhotoStore },
  report: ImportReport,
): Promise<void> {
  // The photo state follows once the photo is copied.
  const outcome = await copyRow(db, 'surveys', 'id', { ...row, photo_stored_at: null }, [
    'content_sha256',
  ]);
  tally(report.surveys, outcome, row.id);
  if (outcome === 'differentThere') return;
  // The photo, checked against the record, when the source has it and the database not yet
  // (also after an import that was cut off between a row and its photo).
  if (row.photo_stored_at === null) return;
  const there = await db.query<{ photo_stored_at: string | null }>(
    'SELECT photo_stored_at FROM surveys WHERE id = $1',
    [row.id],
  );
  if (there.rows[0].photo_stored_at !== null) return;
  const bytes = await photos.source.read(row.id);
  if (!matches(bytes, row.photo_sha256, Number(row.photo_bytes))) {
    report.photos.missingOrDamaged.push(row.id);
    return;
  }
  await photos.target.write(row.id, bytes);
  await db.query('UPDATE surveys SET photo_stored_at = $1 WHERE id = $2', [
    row.photo_stored_at,
    row.id,
  ]);
  report.photos.imported++;
}

function matches(bytes: Buffer | null, sha256: string, size: number): bytes is Buffer {
  return bytes !== null && bytes.length === size && sha256Hex(bytes) === sha256;
}

/**
 * Each review with its whole trail in one transaction, so a cut-off import leaves a review
 * either complete or absent, and a second run (review there) adds no event twice. Events keep
 * their order and times; their sequence numbers are the database's own.
 */
async function importReviews(source: SourceDb, db: PgDatabase, report: ImportReport) {
  const reviews = source
    .prepare<[], ReviewRow & { survey_sha256: string }>(
      `SELECT reviews.*, surveys.content_sha256 AS survey_sha256 FROM reviews
       JOIN surveys ON surveys.id = reviews.survey_id ORDER BY reviews.changed_at, survey_id`,
    )
    .all();
  const events = source.prepare<
    [string],
    {
      reviewer: string;
      at: number;
      action: string;
      previous_json: string | null;
      next_json: string;
    }
  >(
    `SELECT reviewer, at, action, previous_json, next_json FROM review_events
     WHERE survey_id = ? ORDER BY seq`,
  );
  for (const { survey_sha256, ...review } of reviews) {
    // Counted once committed: a transaction retried after a deadlock must not count twice.
    const copied = await db.transaction(async (client) => {
      // Locked as a reviewer's save locks it (pg-reviews.ts).
      const survey = await client.query<{ content_sha256: string }>(
        'SELECT content_sha256 FROM surveys WHERE id = $1 FOR UPDATE',
        [review.survey_id],
      );
      if (survey.rows[0]?.content_sha256 !== survey_sha256) return null;
      const outcome = await copyRow(
        client,
        'reviews',
        'survey_id',
        { ...review, accepted: Number(review.accepted) === 1 },
        ['version', 'changed_at'],
      );
      if (outcome !== 'imported') return { outcome, events: 0 };
      const trail = events.all(review.survey_id);
      for (const event of trail) {
        await client.query(
          `INSERT INTO review_events (survey_id, reviewer, at, action, previous_json, next_json)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [
            review.survey_id,
            event.reviewer,
            event.at,
            event.action,
            event.previous_json,
            event.next_json,
          ],
        );
      }
      return { outcome, events: trail.length };
    });
    if (copied === null) {
      report.reviews.surveyDiffers.push(review.survey_id);
      continue;
    }
    tally(report.reviews, copied.outcome, review.survey_id);
    report.reviews.events += copied.events;
  }
}

/**
 * Releases oldest first, as publish does it: the files (checked against the release's list)
 * before the record, so a recorded release always has its files. A release the database holds
 * is not written again. Then the current release, unless the database already has one.
 */
async function importModels(
  source: SourceDb,
  sourceFiles: ModelFileStore,
  targetFiles: ModelFileStore,
  db: PgDatabase,
  report: ImportReport,
) {
  const releases = source
    .prepare<[], ModelReleaseRow>(
      `SELECT version, model_id, manifest_json, files_json, notes, published_at
       FROM model_releases ORDER BY seq`,
    )
    .all();
  const sameWhen = ['manifest_json', 'files_json'];
  const usable = new Set<string>();
  for (const release of releases) {
    const there = await db.query('SELECT 1 FROM model_releases WHERE version = $1', [
      release.version,
    ]);
    if (there.rowCount === 0) {
      const files = await readReleaseFiles(sourceFiles, release);
      if (files === null) {
        report.models.missingOrDamaged.push(release.version);
        continue;
      }
      await targetFiles.writeRelease(release.version, files);
    }
    const outcome = await copyRow(db, 'model_releases', 'version', release, sameWhen);
    tally(report.models, outcome, release.version);
    if (outcome !== 'differentThere') usable.add(release.version);
  }
  const current = source
    .prepare<[], { version: string; changed_at: number }>(
      'SELECT version, changed_at FROM model_current',
    )
    .get();
  if (!current || !usable.has(current.version)) return;
  await db.query(
    `INSERT INTO model_current (only_row, version, changed_at) VALUES (true, $1, $2)
     ON CONFLICT (only_row) DO NOTHING`,
    [current.version, current.changed_at],
  );
  const there = await db.query<{ version: string }>('SELECT version FROM model_current');
  if (there.rows[0].version !== current.version) report.models.currentKept = there.rows[0].version;
}

/** The release's files as its record lists them, or null when one is missing or damaged. */
async function readReleaseFiles(
  files: ModelFileStore,
  release: ModelReleaseRow,
): Promise<Map<string, Buffer> | null> {
  const read = new Map<string, Buffer>();
  for (const file of JSON.parse(release.files_json) as ReleaseFile[]) {
    const bytes = await files.readFile(release.version, file.path);
    if (!matches(bytes, file.sha256, file.bytes)) return null;
    read.set(file.path, bytes);
  }
  return read;
}

async function importRoadNetwork(source: SourceDb, db: PgDatabase, report: ImportReport) {
  const network = source
    .prepare<[], Record<string, unknown>>(
      'SELECT name, sha256, road_count, loaded_at, loaded_by, geojson FROM road_network',
    )
    .get();
  if (!network) return;
  report.roads = await copyRow(db, 'road_network', 'only_row', { only_row: true, ...network }, [
    'sha256',
  ]);
}

async function importTokens(source: SourceDb, db: PgDatabase, report: ImportReport) {
  const tokens = source
    .prepare<
      [],
      {
        name: string;
        role: string;
        token_sha256: string;
        created_at: number;
        last_used_at: number | null;
        revoked_at: number | null;
      }
    >(
      'SELECT name, role, token_sha256, created_at, last_used_at, revoked_at FROM tokens ORDER BY id',
    )
    .all();
  for (const token of tokens) {
    try {
      const result = await db.query(
        `INSERT INTO tokens (name, token_sha256, created_at, last_used_at, revoked_at, role)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (token_sha256) DO NOTHING`,
        [
          token.name,
          token.token_sha256,
          token.created_at,
          token.last_used_at,
          token.revoked_at,
          token.role,
        ],
      );
      if (result.rowCount === 1) report.tokens.imported++;
    } catch (error) {
      // Another live token of that name in the database: keep that one.
      if ((error as { code?: string }).code !== '23505') throw error;
      report.tokens.skipped.push(token.name);
    }
  }
}

/** The command's answer, a line per kind of data; what needs a look is named. */
export function importReportText(report: ImportReport): string {
  const { surveys, photos, tokens, runs, reviews, models } = report;
  const counted = (count: CopyCount) =>
    `${count.imported} new, ${count.alreadyThere} already there` +
    (count.differentThere.length > 0
      ? `, ${count.differentThere.length} held with other content by the database (kept as ` +
        `they are): ${firstTen(count.differentThere)}`
      : '');
  const roads = {
    none: 'none in the SQLite file',
    imported: 'copied',
    alreadyThere: 'already there',
    differentThere:
      'the database holds another network (kept; load the right one with `roads load FILE`)',
  };
  const lines = [
    `surveys: ${counted(surveys)}`,
    `photos: ${photos.imported} copied` +
      (photos.missingOrDamaged.length > 0
        ? `, ${photos.missingOrDamaged.length} missing or damaged in the folder (their surveys ` +
          `show no photo): ${firstTen(photos.missingOrDamaged)}`
        : ''),
    `device tokens: ${tokens.imported} new` +
      (tokens.skipped.length > 0
        ? `; not imported (a live token of that name exists): ${tokens.skipped.join(', ')}`
        : ''),
    `drive runs: ${counted(runs)}`,
    `reviews: ${counted(reviews)}; ${reviews.events} trail events copied` +
      (reviews.surveyDiffers.length > 0
        ? `; not imported (the database holds their surveys with other content): ` +
          firstTen(reviews.surveyDiffers)
        : ''),
    `model releases: ${counted(models)}` +
      (models.missingOrDamaged.length > 0
        ? `; not imported (a file missing or damaged in the folder's models/; publish them ` +
          `again with \`model publish DIR\`): ${models.missingOrDamaged.join(', ')}`
        : '') +
      (models.currentKept !== null
        ? `; the database's current release ${models.currentKept} is kept ` +
          '(choose with `model current VERSION`)'
        : ''),
    `road network: ${roads[report.roads]}`,
  ];
  return lines.map((line) => `  ${line}\n`).join('');
}

/** The ids a line names: ten at most, its count says how many there are. */
function firstTen(keys: readonly string[]): string {
  return keys.slice(0, 10).join(', ');
}
