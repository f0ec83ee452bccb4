/**
 * The little of SQLite the GeoPackage writer needs, so that one writer serves the server
 * (better-sqlite3 on a file) and the phone (sql.js, SQLite compiled to wasm, in memory). Both
 * are synchronous; adapters for each are beside this file.
 */
export type SqlValue = string | number | Uint8Array | null;

export interface SqlStatement {
  run(params: readonly SqlValue[]): void;
  /** Frees the statement (sql.js needs it; better-sqlite3 does nothing). */
  finalize(): void;
}

export interface SqlExecutor {
  /** Runs one or more statements without parameters. */
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
}
