/**
 * Where survey photos live: a folder on the server's disk (folder-photos.ts, the default) or a
 * table in the PostgreSQL database (postgres/pg-photos.ts), which every server of a deployment
 * reaches. The route checks the bytes (JPEG, size, SHA-256 against the record) before it writes,
 * and marks the photo present in the survey store only after `write` resolved.
 */
export interface PhotoStore {
  /** For the start-up line and the docs: "folder /srv/roadcam/photos", "PostgreSQL table". */
  readonly description: string;
  /**
   * Stores the bytes under the survey's id (a validated lowercase UUID v4). Durable when it
   * resolves; a crash before leaves nothing. Writing the same id again keeps the first bytes
   * (the route only writes bytes whose SHA-256 is the record's, so they are the same).
   */
  write(surveyId: string, bytes: Buffer): Promise<void>;
  /** The stored bytes, or null when there are none. */
  read(surveyId: string): Promise<Buffer | null>;
  /** Start-up housekeeping (what a crash left half-written); returns how many were removed. */
  removeLeftovers(): Promise<number>;
}
