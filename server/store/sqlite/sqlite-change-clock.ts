/**
 * The change clock of a SQLite file: one server process owns the file and better-sqlite3 runs
 * transactions one at a time, so the clock is a number in memory, started at the latest
 * changed_at of the surveys and reviews, raised by every write. Surveys and reviews share it, so
 * "changed since" means the same for both.
 */
import type Database from 'better-sqlite3';

export class SqliteChangeClock {
  private last: number;

  constructor(
    db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {
    const row = db
      .prepare<[], { last: number | null }>(
        `SELECT MAX(last) AS last FROM (
           SELECT MAX(changed_at) AS last FROM surveys
           UNION ALL SELECT MAX(changed_at) FROM reviews)`,
      )
      .get();
    this.last = row?.last ?? 0;
  }

  /** Strictly after every earlier change, and the wall clock when it has not gone back. */
  next(): number {
    this.last = Math.max(this.last + 1, this.now());
    return this.last;
  }

  /** A time every later change will be at or after: a safe `since` for the next pull. */
  readAt(): number {
    return Math.max(this.last + 1, this.now());
  }
}
