/**
 * Model releases: `npm run server -- model publish DIR` stores a checked model as an immutable
 * release and makes it current; the phones fetch the current one. The releases' records live in
 * the database (ModelReleaseStore, on SQLite and PostgreSQL); their files in a ModelFileStore
 * beside the photos (the data directory's `models/` folder, or a PostgreSQL table when photos
 * are there, so that every server of a deployment serves them).
 *
 * Invariants:
 * - A release never changes: its files are written before its record, and a version is
 *   published once (publishing it again with other files is refused).
 * - Every release stays (roll back with `model current VERSION`); exactly one is current once
 *   any was published.
 */

export interface ReleaseFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface ModelRelease {
  version: string;
  modelId: string;
  /** manifest.json's text as published. */
  manifestJson: string;
  files: ReleaseFile[];
  notes: string;
  /** ms since the epoch. */
  publishedAt: number;
}

export interface ModelReleaseStore {
  /**
   * Records a release (its files already stored) and, when `makeCurrent`, makes it current, in
   * one transaction. `exists` when the version is already recorded: nothing is written (the
   * caller compares the files).
   */
  addRelease(
    release: Omit<ModelRelease, 'publishedAt'>,
    makeCurrent: boolean,
  ): Promise<{ status: 'added' } | { status: 'exists'; release: ModelRelease }>;
  getRelease(version: string): Promise<ModelRelease | null>;
  /** Oldest first. */
  listReleases(): Promise<ModelRelease[]>;
  currentVersion(): Promise<string | null>;
  /** False when no release has that version. */
  setCurrent(version: string): Promise<boolean>;
}

export interface ModelFileStore {
  readonly description: string;
  /**
   * Stores a release's files; durable when it resolves. Writing a version again replaces what a
   * publish that failed before recording it left behind (a recorded release is never written
   * again: the caller checks first).
   */
  writeRelease(version: string, files: ReadonlyMap<string, Buffer>): Promise<void>;
  /** A file's bytes, or null. */
  readFile(version: string, filePath: string): Promise<Buffer | null>;
}

/** A model_releases row (integers may come as strings from PostgreSQL). */
export interface ModelReleaseRow {
  version: string;
  model_id: string;
  manifest_json: string;
  files_json: string;
  notes: string;
  published_at: number | string;
}

export function toModelRelease(row: ModelReleaseRow): ModelRelease {
  return {
    version: row.version,
    modelId: row.model_id,
    manifestJson: row.manifest_json,
    files: JSON.parse(row.files_json) as ReleaseFile[],
    notes: row.notes,
    publishedAt: Number(row.published_at),
  };
}
