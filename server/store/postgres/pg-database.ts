/**
 * The connection pool to PostgreSQL and the one way to run a transaction on it.
 *
 * Durability: every connection runs with synchronous_commit=on (whatever the database's
 * default), so COMMIT returns only after the WAL is flushed: an acknowledged batch survives a
 * crash of PostgreSQL or of its machine. Transactions are READ COMMITTED; a deadlock or
 * serialization failure is retried a few times, whole.
 */
import pg from 'pg';

/** node-postgres answers errors with PostgreSQL's SQLSTATE in `code`. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;

/** Now on the database's clock, ms since the epoch: one clock for every server. */
export const DB_NOW_MS = `(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint`;

export interface PgDatabaseOptions {
  url: string;
  /** Connections per server process. */
  poolSize?: number;
  /** Where a broken idle connection is reported (a restart of PostgreSQL, say). */
  onIdleError?: (error: Error) => void;
}

export class PgDatabase {
  readonly pool: pg.Pool;
  /** user@host:port/database, never the password. */
  readonly where: string;

  constructor(options: PgDatabaseOptions) {
    const url = new URL(options.url);
    this.where = `${decodeURIComponent(url.username)}@${url.host}${url.pathname}`;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      application_name: 'roadcam-server',
      options:
        '-c synchronous_commit=on -c statement_timeout=60000 ' +
        '-c idle_in_transaction_session_timeout=300000',
    });
    // Without a listener, an idle connection that breaks would end the process.
    this.pool.on('error', (error) => options.onIdleError?.(error));
  }

  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(text, values);
  }

  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        const code = (error as { code?: string }).code;
        if (attempt < MAX_ATTEMPTS && code !== undefined && RETRYABLE.has(code)) continue;
        throw error;
      } finally {
        client.release(broken);
      }
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
