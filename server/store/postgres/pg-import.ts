/**
 * `npm run server -- import-sqlite DIR`: moves what a SQLite data directory holds (surveys with
 * their times and photo state, device tokens, photos) into the PostgreSQL database of
 * DATABASE_URL, for a team that started with `npm start` and grows to several servers. Rows
 * keep their times, so exports and `since` pulls read the same afterwards. A survey or token
 * the database already holds is left as it is (and counted), so running it twice is harmless.
 * Photos are checked against their record (size and SHA-256) before they are copied.
 */
import path from 'node:path';
import { sha256Hex } from '../../canonical-json';
import { FolderPhotoStore } from '../folder-photos';
import type { PhotoStore } from '../photo-store';
import { openSqliteDatabase } from '../sqlite/sqlite-database';
import { DATABASE_FILE_NAME, type PhotoStoreKind } from '../storage';
import type { SurveyRow } from '../survey-row';
import { PgDatabase } from './pg-database';
import { migratePostgres } from './pg-migrate';
import { PgPhotoStore } from './pg-photos';

export interface ImportReport {
  surveys: { imported: number; alreadyThere: number; differentThere: number };
  photos: { imported: number; missingOrDamaged: string[] };
  tokens: { imported: number; skipped: string[] };
}

const PAGE = 500;

export async function importSqliteDataDir(options: {
  sourceDir: string;
  databaseUrl: string;
  photoStore: PhotoStoreKind;
  /** The data directory of the target servers (folder photo store only). */
  targetDataDir: string;
}): Promise<ImportReport> {
  const source = openSqliteDatabase(path.join(options.sourceDir, DATABASE_FILE_NAME));
  const sourcePhotos = new FolderPhotoStore(options.sourceDir);
  const db = new PgDatabase({ url: options.databaseUrl, poolSize: 2 });
  const report: ImportReport = {
    surveys: { imported: 0, alreadyThere: 0, differentThere: 0 },
    photos: { imported: 0, missingOrDamaged: [] },
    tokens: { imported: 0, skipped: [] },
  };
  try {
    await migratePostgres(db);
    const targetPhotos: PhotoStore =
      options.photoStore === 'postgres'
        ? new PgPhotoStore(db)
        : new FolderPhotoStore(options.targetDataDir);
    const page = source.prepare<[string, number], SurveyRow>(
      'SELECT * FROM surveys WHERE id > ? ORDER BY id LIMIT ?',
    );
    for (let after = ''; ;) {
      const rows = page.all(after, PAGE);
      for (const row of rows) await importSurvey(row, db, sourcePhotos, targetPhotos, report);
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1].id;
    }
    // Later changes must come after every imported one.
    await db.query(
      'UPDATE change_clock SET last_ms = GREATEST(last_ms, (SELECT COALESCE(MAX(changed_at), 0) FROM surveys))',
    );
    await importTokens(source, db, report);
    return report;
  } finally {
    source.close();
    await db.close();
  }
}

async function importSurvey(
  row: SurveyRow,
  db: PgDatabase,
  sourcePhotos: PhotoStore,
  targetPhotos: PhotoStore,
  report: ImportReport,
): Promise<void> {
  const inserted = await db.query(
    `INSERT INTO surveys (id, record_json, content_sha256, received_at, received_from,
       changed_at, photo_sha256, photo_bytes, photo_stored_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)
     ON CONFLICT (id) DO NOTHING`,
    [
      row.id,
      row.record_json,
      row.content_sha256,
      row.received_at,
      row.received_from,
      row.changed_at,
      row.photo_sha256,
      row.photo_bytes,
    ],
  );
  const there = await db.query<{ content_sha256: string; photo_stored_at: string | null }>(
    'SELECT content_sha256, photo_stored_at FROM surveys WHERE id = $1',
    [row.id],
  );
  if (inserted.rowCount === 1) report.surveys.imported++;
  else if (there.rows[0].content_sha256 === row.content_sha256) report.surveys.alreadyThere++;
  else {
    report.surveys.differentThere++;
    return;
  }
  // The photo, checked against the record, when the source has it and the database not yet
  // (also after an import that was cut off between a row and its photo).
  if (row.photo_stored_at === null || there.rows[0].photo_stored_at !== null) return;
  const bytes = await sourcePhotos.read(row.id);
  if (
    bytes === null ||
    bytes.length !== Number(row.photo_bytes) ||
    sha256Hex(bytes) !== row.photo_sha256
  ) {
    report.photos.missingOrDamaged.push(row.id);
    return;
  }
  await targetPhotos.write(row.id, bytes);
  await db.query('UPDATE surveys SET photo_stored_at = $1 WHERE id = $2', [
    row.photo_stored_at,
    row.id,
  ]);
  report.photos.imported++;
}

async function importTokens(
  source: ReturnType<typeof openSqliteDatabase>,
  db: PgDatabase,
  report: ImportReport,
): Promise<void> {
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
