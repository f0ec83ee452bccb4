/**
 * sql.js (SQLite compiled to wasm) as an SqlExecutor, in the browser, a worker or Node.
 * Type-only import: loading sql.js and its wasm is the caller's (browser-geopackage.ts does it
 * lazily, from the app's own files).
 */
import type { Database } from 'sql.js';
import type { SqlExecutor } from './sql-executor';

export function sqlJsExecutor(db: Database): SqlExecutor {
  return {
    exec: (sql) => void db.exec(sql),
    prepare(sql) {
      const statement = db.prepare(sql);
      return {
        run: (params) => void statement.run(params as (string | number | Uint8Array | null)[]),
        finalize: () => void statement.free(),
      };
    },
  };
}
