/**
 * The production build of the app, served by `vite preview` on a free port, for the browser
 * tests, the benchmarks and Lighthouse. The build runs once per source state: its folder is
 * named by a hash of the sources, and a lock directory keeps two test files (two vitest workers)
 * from building at the same time; the second waits for the first. A caller may add models of
 * its own under /test-models/ (the browser tests add their small test models; see
 * test/helpers/test-app.ts).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { preview, type PreviewServer } from 'vite';
import { appPageHeaders } from '../../server/security-headers';
import { freePort } from './free-port';
import { projectRoot } from './paths';

const BUILD_ROOT = path.join(projectRoot, '.test-output', 'app-build');
const INPUTS = [
  'index.html',
  'office.html',
  'vite.config.ts',
  'package-lock.json',
  'src',
  'public',
  'tools/build',
  // How the app is built (NODE_ENV below): a change here calls for a new build.
  'tools/lib/preview-server.ts',
];
const LOCK_STALE_MS = 15 * 60_000;
const KEEP_OLD_BUILDS_MS = 60 * 60_000;
const BUILD_TIMEOUT_MS = 10 * 60_000;

/** The app's default model (src/workers/worker-config.ts DEFAULT_MODEL_URL). */
export const DEFAULT_MODEL_FILE = path.join(
  projectRoot,
  'public',
  'models',
  'road-damage',
  'manifest.json',
);

/** The first field model, kept beside the default (`?model=/models/pothole/manifest.json`). */
export const POTHOLE_MODEL_FILE = path.join(
  projectRoot,
  'public',
  'models',
  'pothole',
  'manifest.json',
);

function sourceHash(extraInputs: readonly string[]): string {
  const hash = createHash('sha256');
  const visit = (rel: string): void => {
    const full = path.join(projectRoot, rel);
    if (!existsSync(full)) return;
    const st = statSync(full);
    if (st.isDirectory()) {
      for (const name of readdirSync(full).sort()) visit(path.join(rel, name));
    } else {
      hash.update(`${rel}\0${st.size}\0${st.mtimeMs}\n`);
    }
  };
  for (const input of [...INPUTS, ...extraInputs]) visit(input);
  return hash.digest('hex').slice(0, 16);
}

/** Runs a command in the project root (killed after 10 minutes); rejects with the end of its
 * output when it fails. */
export function runInProject(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${output.slice(-4000)}`),
        );
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const building = new Map<string, Promise<string>>();

/** Models added to a build under /test-models/ (vite.config.ts's ROADCAM_EXTRA_MODELS). */
export interface ExtraModels {
  /** Names the build (its folder), e.g. 'test'. */
  variant: string;
  /** Files or folders (relative to the project root) whose changes call for a new build. */
  inputs: readonly string[];
  /** Writes the models into `dir`. */
  make(dir: string): Promise<void>;
}

export interface BuildOptions {
  /** Models to add under /test-models/; none by default: the build `npm run build` makes. */
  extraModels?: ExtraModels;
}

/** Builds the app (once per source state) and returns its dist folder. */
export function buildApp(options: BuildOptions = {}): Promise<string> {
  const variant = options.extraModels?.variant ?? 'prod';
  let pending = building.get(variant);
  if (!pending) {
    pending = buildOnce(variant, options.extraModels);
    building.set(variant, pending);
  }
  return pending;
}

async function buildOnce(variant: string, extraModels?: ExtraModels): Promise<string> {
  const hash = sourceHash(extraModels?.inputs ?? []);
  const dir = path.join(BUILD_ROOT, `${hash}-${variant}`);
  const dist = path.join(dir, 'dist');
  const done = path.join(dir, 'BUILD_OK');
  const lock = `${dir}.lock`;
  mkdirSync(BUILD_ROOT, { recursive: true });
  for (;;) {
    if (existsSync(done)) return dist;
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test file builds: wait for it, unless its lock is stale (a killed run).
      try {
        if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS)
          rmSync(lock, { recursive: true, force: true });
      } catch {
        // The lock went away between the two calls: try again.
      }
      await sleep(1000);
    }
  }
  try {
    if (existsSync(done)) return dist;
    // Builds of older sources are of no use any more, once no test can still be serving them
    // (another test file may have started on them just before the sources changed).
    for (const name of readdirSync(BUILD_ROOT)) {
      const other = path.join(BUILD_ROOT, name);
      if (name.startsWith(hash) || name.endsWith('.lock')) continue;
      if (Date.now() - statSync(other).mtimeMs > KEEP_OLD_BUILDS_MS)
        rmSync(other, { recursive: true, force: true });
    }
    rmSync(dir, { recursive: true, force: true });
    // An empty value turns the extra-models plugin off even if the caller's environment sets it.
    // NODE_ENV: vitest sets it to 'test' and the build inherits it, and then Vite resolves
    // packages' "development" exports (Lit in dev mode, with its warnings and checks): the
    // tests and benchmarks must run what `npm run build` ships.
    const env: NodeJS.ProcessEnv = { ROADCAM_EXTRA_MODELS: '', NODE_ENV: 'production' };
    if (extraModels) {
      const models = path.join(dir, 'test-models');
      await extraModels.make(models);
      env.ROADCAM_EXTRA_MODELS = models;
    }
    await runInProject(
      process.execPath,
      [
        path.join(projectRoot, 'node_modules/vite/bin/vite.js'),
        'build',
        '--outDir',
        dist,
        '--emptyOutDir',
        '--logLevel',
        'warn',
      ],
      env,
    );
    writeFileSync(done, new Date().toISOString());
    return dist;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface Preview {
  /** Origin, e.g. http://127.0.0.1:41234 (no trailing slash). */
  origin: string;
  close(): Promise<void>;
}

export interface PreviewOptions {
  /** false: no headers at all (a plain static host without header control). */
  isolation?: boolean;
  /** The built app; default: buildApp() (the production build). */
  dist?: string;
  port?: number;
}

/** Serves the built app with the sync server's own page headers (COOP/COEP, the CSP with
 * 'wasm-unsafe-eval' and nothing inline, nosniff...), as vite.config.ts's preview sends them. */
export async function startPreview(options: PreviewOptions = {}): Promise<Preview> {
  const dist = options.dist ?? (await buildApp());
  const port = options.port ?? (await freePort());
  const server: PreviewServer = await preview({
    configFile: false,
    root: projectRoot,
    logLevel: 'silent',
    build: { outDir: dist },
    preview: {
      host: '127.0.0.1',
      port,
      strictPort: true,
      headers: options.isolation === false ? {} : { ...appPageHeaders },
    },
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        const http = server.httpServer as import('node:http').Server;
        http.close(() => resolve());
        http.closeAllConnections?.();
      }),
  };
}
