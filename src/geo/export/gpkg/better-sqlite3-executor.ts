/**
 * better-sqlite3 (the server's SQLite) as an SqlExecutor. Type-only import: src/ never loads the
 * native module; the server opens the database (a temporary file) and passes it in.
 */
import type { Database } from 'better-sqlite3';
import type { SqlExecutor } from './sql-executor';

export function betterSqlite3Executor(db: Database): SqlExecutor {
  return {
    exec: (sql) => void db.exec(sql),
    prepare(sql) {
      const statement = db.prepare(sql);
      return { run: (params) => void statement.run(...params), finalize() {} };
    },
  };
}
