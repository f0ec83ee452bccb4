/**
 * Settings from the environment, with defaults that work on a fresh machine.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../tools/lib/paths';

export interface ServerConfig {
  port: number;
  /** 127.0.0.1 unless told otherwise: a fresh install is not reachable from the network. */
  host: string;
  dataDir: string;
  appDir: string;
  logLevel: string;
  trustProxy: boolean;
  https: { key: Buffer; cert: Buffer } | null;
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
  return {
    port,
    host: env.HOST || '127.0.0.1',
    dataDir: path.resolve(env.ROADCAM_DATA_DIR || path.join(projectRoot, '.roadcam-data')),
    appDir: path.resolve(env.ROADCAM_APP_DIR || path.join(projectRoot, 'dist')),
    logLevel: env.LOG_LEVEL || 'info',
    trustProxy: env.TRUST_PROXY === '1' || env.TRUST_PROXY === 'true',
    https,
  };
}

export const DATABASE_FILE_NAME = 'roadcam.sqlite';
