/**
 * Entry point: `npm run server` serves the sync API (and the built app);
 * `npm run server -- token ...` manages device tokens. See docs/SYNC.md.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, readConfig, type ServerConfig } from './config';
import { SchemaTooNewError } from './store/migration';
import { DATABASE_FILE_NAME, openStorage, StorageConfigError, type Storage } from './store/storage';
import { DATASET_USAGE, runDatasetCommand } from './dataset-cli';
import { MODEL_USAGE, runModelCommand } from './models/model-cli';
import { ROADS_USAGE, runRoadsCommand } from './roads/roads-cli';
import { runTokenCommand, TOKEN_USAGE, UsageError } from './tokens-cli';

const USAGE = `RoadCAM sync server

  npm run server                     serve the sync API and the built app
  ${TOKEN_USAGE.split('\n').slice(1).join('\n  ').trim()}
  ${MODEL_USAGE.split('\n').slice(1).join('\n  ').trim()}
  ${ROADS_USAGE.split('\n').slice(1).join('\n  ').trim()}
  ${DATASET_USAGE.split('\n').slice(1).join('\n  ').trim()}
  npm run server -- import-sqlite DIR  copy a SQLite data directory into DATABASE_URL's database

Environment: PORT (8787), HOST (127.0.0.1; 0.0.0.0 for a team), ROADCAM_DATA_DIR
(.roadcam-data/ in the project), ROADCAM_APP_DIR (dist/), TLS_CERT_FILE + TLS_KEY_FILE,
TRUST_PROXY=1, LOG_LEVEL (info), DATABASE_URL (postgres://...; unset: SQLite in the data
directory), ROADCAM_PHOTO_STORE (folder | postgres), ROADCAM_PUBLIC_URL (links in exports).
See docs/SYNC.md and docs/DEPLOY.md.`;

async function openConfiguredStorage(config: ServerConfig): Promise<Storage> {
  try {
    return await openStorage({
      dataDir: config.dataDir,
      databaseUrl: config.databaseUrl,
      photoStore: config.photoStore,
      poolSize: config.dbPoolSize,
      warn: (message, error) => process.stderr.write(`${message}: ${error.message}\n`),
    });
  } catch (error) {
    if (error instanceof SchemaTooNewError || error instanceof StorageConfigError) {
      throw new ConfigError(error.message);
    }
    if (config.databaseUrl !== null) {
      throw new ConfigError(
        `Cannot use the PostgreSQL database of DATABASE_URL: ${(error as Error).message}. ` +
          'Check that PostgreSQL runs, that the database exists and that the user may create ' +
          'tables in it (docs/DEPLOY.md).',
      );
    }
    throw new ConfigError(
      `Cannot open the data directory ${config.dataDir}: ${(error as Error).message}. ` +
        'Check that it exists and is writable, or set ROADCAM_DATA_DIR.',
    );
  }
}

async function serve(config: ServerConfig): Promise<void> {
  // Loaded here so that the token commands start quickly, without Fastify.
  const { buildServer } = await import('./app');
  const { hasBuiltApp } = await import('./static-app');
  const storage = await openConfiguredStorage(config);
  const leftovers = await storage.photos.removeLeftovers();
  const app = await buildServer({
    surveys: storage.surveys,
    runs: storage.runs,
    roads: storage.roads,
    tokens: storage.tokens,
    photos: storage.photos,
    reviews: storage.reviews,
    models: storage.models,
    modelFiles: storage.modelFiles,
    ping: () => storage.ping(),
    appDir: config.appDir,
    logLevel: config.logLevel,
    trustProxy: config.trustProxy,
    https: config.https,
    publicUrl: config.publicUrl,
    maxConcurrentExports: config.maxConcurrentExports,
    body: config.body,
  });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await storage.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const address = await app.listen({ port: config.port, host: config.host });
  const tokens = await storage.tokens.listTokens();
  app.log.info(
    {
      address,
      storage: storage.description,
      app: hasBuiltApp(config.appDir) ? config.appDir : null,
      removedTempFiles: leftovers,
    },
    'RoadCAM sync server ready',
  );
  // One plain line for people and for test helpers that wait for it.
  const live = tokens.filter((t) => t.revokedAt === null).length;
  process.stdout.write(
    `RoadCAM sync server listening on ${address}\n` +
      `  data: ${storage.description}\n` +
      (hasBuiltApp(config.appDir)
        ? `  app:  ${config.appDir}: open ${address}/ (sync settings: About > Sync)\n`
        : '  app:  not built (npm run build), API only\n') +
      (live > 0
        ? `  device tokens: ${live} (npm run server -- token list)\n`
        : '  no device tokens yet: npm run server -- token create --name NAME, then type the ' +
          'token into the app (About > Sync)\n'),
  );
}

/** `import-sqlite DIR`: a SQLite data directory into the PostgreSQL database (DEPLOY.md). */
async function importSqlite(config: ServerConfig, sourceDir: string | undefined): Promise<number> {
  if (!sourceDir) throw new UsageError('import-sqlite needs the SQLite data directory.');
  if (config.databaseUrl === null) {
    throw new ConfigError(
      'import-sqlite copies into PostgreSQL: set DATABASE_URL to the target database.',
    );
  }
  const source = path.resolve(sourceDir);
  if (!existsSync(path.join(source, DATABASE_FILE_NAME))) {
    throw new ConfigError(
      `${source} holds no ${DATABASE_FILE_NAME}: name a RoadCAM data directory.`,
    );
  }
  const { importSqliteDataDir, importNeedsALook, importReportText } =
    await import('./store/postgres/pg-import');
  const report = await importSqliteDataDir({
    sourceDir: source,
    databaseUrl: config.databaseUrl,
    photoStore: config.photoStore,
    targetDataDir: config.dataDir,
  });
  process.stdout.write(`Imported from ${source}:\n${importReportText(report)}`);
  return importNeedsALook(report) ? 1 : 0;
}

async function main(args: string[]): Promise<number> {
  if (args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  // Everything this process creates (database, photos, temp files) is for its owner only.
  process.umask(0o077);
  const config = readConfig();
  if (args[0] === 'token') {
    const storage = await openConfiguredStorage(config);
    try {
      return await runTokenCommand(args.slice(1), storage.tokens, {
        out: (line) => process.stdout.write(line + '\n'),
        err: (line) => process.stderr.write(line + '\n'),
      });
    } finally {
      await storage.close();
    }
  }
  if (args[0] === 'model') {
    const storage = await openConfiguredStorage(config);
    try {
      return await runModelCommand(args.slice(1), storage, {
        out: (line) => process.stdout.write(line + '\n'),
        err: (line) => process.stderr.write(line + '\n'),
      });
    } finally {
      await storage.close();
    }
  }
  if (args[0] === 'dataset') {
    return runDatasetCommand(args.slice(1), (line) => process.stderr.write(line + '\n'));
  }
  if (args[0] === 'roads') {
    const storage = await openConfiguredStorage(config);
    try {
      return await runRoadsCommand(args.slice(1), storage.roads, {
        out: (line) => process.stdout.write(line + '\n'),
        err: (line) => process.stderr.write(line + '\n'),
      });
    } finally {
      await storage.close();
    }
  }
  if (args[0] === 'import-sqlite') return importSqlite(config, args[1]);
  if (args.length > 0) throw new UsageError(`Unknown command "${args.join(' ')}".`);
  await serve(config);
  return -1; // keeps running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') {
      process.stderr.write(
        `The port is taken by another program: set PORT to a free one (${(error as Error).message}).\n`,
      );
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`The server failed to start: ${(error as Error).stack ?? error}\n`);
    process.exitCode = 1;
  },
);
