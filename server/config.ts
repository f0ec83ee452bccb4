/**
 * Settings from the environment, with defaults that work on a fresh machine.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PhotoStoreKind } from './store/storage';

/** The project's root: dist/ and the default data folder are found from here. */
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ServerConfig {
  port: number;
  /** 127.0.0.1 unless told otherwise: a fresh install is not reachable from the network. */
  host: string;
  dataDir: string;
  appDir: string;
  logLevel: string;
  trustProxy: boolean;
  https: { key: Buffer; cert: Buffer } | null;
  /** PostgreSQL (postgres://...) instead of the embedded SQLite file; null: SQLite. */
  databaseUrl: string | null;
  photoStore: PhotoStoreKind;
  /** PostgreSQL connections of this process. */
  dbPoolSize: number;
  /** https://roadcam.example.org: the base of links in exports. Null: links are relative. */
  publicUrl: string | null;
  /** Exports running at once in this process; more get 429. */
  maxConcurrentExports: number;
  /** How long a request body may take (see body-deadline.ts). */
  body: { idleMs: number; graceMs: number; minBytesPerSecond: number };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = Number(env.PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be a port number (0-65535), not "${env.PORT}".`);
  }
  const certFile = env.TLS_CERT_FILE;
  const keyFile = env.TLS_KEY_FILE;
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new ConfigError(
      'Set both TLS_CERT_FILE and TLS_KEY_FILE (PEM files) for HTTPS, or neither.',
    );
  }
  let https: ServerConfig['https'] = null;
  if (certFile && keyFile) {
    try {
      https = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
    } catch (error) {
      throw new ConfigError(`Cannot read the TLS files: ${(error as Error).message}`);
    }
  }
  const databaseUrl = env.DATABASE_URL || null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\/[^\s]+$/.test(databaseUrl)) {
    throw new ConfigError(
      'DATABASE_URL must be a PostgreSQL URL: postgres://USER:PASSWORD@HOST:5432/DATABASE ' +
        '(leave it unset for the embedded SQLite database).',
    );
  }
  const photoStore = env.ROADCAM_PHOTO_STORE || (databaseUrl ? 'postgres' : 'folder');
  if (photoStore !== 'folder' && photoStore !== 'postgres') {
    throw new ConfigError(
      `ROADCAM_PHOTO_STORE must be "folder" or "postgres", not "${photoStore}".`,
    );
  }
  let publicUrl: string | null = null;
  if (env.ROADCAM_PUBLIC_URL) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(env.ROADCAM_PUBLIC_URL);
    } catch {
      // reported below
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.search || parsed.hash) {
      throw new ConfigError(
        `ROADCAM_PUBLIC_URL must be the address people use, like https://roadcam.example.org ` +
          `(no query), not "${env.ROADCAM_PUBLIC_URL}".`,
      );
    }
    publicUrl = parsed.origin + parsed.pathname.replace(/\/+$/, '');
  }
  return {
    port,
    host: env.HOST || '127.0.0.1',
    dataDir: path.resolve(env.ROADCAM_DATA_DIR || path.join(projectRoot, '.roadcam-data')),
    appDir: path.resolve(env.ROADCAM_APP_DIR || path.join(projectRoot, 'dist')),
    logLevel: env.LOG_LEVEL || 'info',
    trustProxy: env.TRUST_PROXY === '1' || env.TRUST_PROXY === 'true',
    https,
    databaseUrl,
    photoStore,
    dbPoolSize: positiveInteger(env, 'ROADCAM_DB_POOL_SIZE', 10),
    publicUrl,
    maxConcurrentExports: positiveInteger(env, 'ROADCAM_MAX_EXPORTS', 2),
    body: {
      idleMs: positiveInteger(env, 'ROADCAM_BODY_IDLE_MS', 15_000),
      graceMs: positiveInteger(env, 'ROADCAM_BODY_GRACE_MS', 30_000),
      minBytesPerSecond: positiveInteger(env, 'ROADCAM_BODY_MIN_RATE', 16 * 1024),
    },
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigError(`${name} must be a whole number above 0, not "${text}".`);
  }
  return value;
}
