/**
 * The real sync server (server/main.ts) as a child process for tests and bench:sync: a free port on
 * 127.0.0.1, a temp data directory, device tokens made through the real CLI, SIGKILL and
 * restart on the same data directory, and a data directory made read-only for real.
 *
 * It runs `node --import tsx server/main.ts` (one process, so a signal reaches the server
 * itself; `npx tsx` would put two wrappers in between).
 *
 *   const server = await ServerProcess.start();
 *   const token = await server.createToken('phone-1');
 *   ... fetch(`${server.url}/api/v1/surveys`, { headers: { authorization: `Bearer ${token}` } })
 *   await server.kill('SIGKILL'); await server.restart();
 *   await server.dispose(); // in afterAll: stops it and deletes the temp data directory
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port';
import { projectRoot } from './paths';

const execFileAsync = promisify(execFile);
const SERVER_ENTRY = path.join(projectRoot, 'server', 'main.ts');
const MAX_LOG_CHARS = 200_000;

export interface ServerProcessOptions {
  /** Data directory to use (kept on dispose); default: a new temp directory (deleted on dispose). */
  dataDir?: string;
  /** Port; default: a free one. Kept across restart(). */
  port?: number;
  /** Built app to serve; default: none (API only), whatever the project's dist/ holds. */
  appDir?: string;
  /** Extra environment, e.g. { LOG_LEVEL: 'info' }. */
  env?: Record<string, string>;
  /** How long to wait for /api/v1/health, ms. */
  startTimeoutMs?: number;
  /** Serve HTTPS with these PEM files (TLS_CERT_FILE, TLS_KEY_FILE); url is then https://. */
  tls?: { certFile: string; keyFile: string };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class ServerProcess {
  readonly dataDir: string;
  readonly port: number;
  readonly url: string;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private log = '';
  private readonly ownsDataDir: boolean;
  private readonly env: Record<string, string>;
  private readonly startTimeoutMs: number;

  private constructor(options: ServerProcessOptions & { port: number }) {
    this.ownsDataDir = options.dataDir === undefined;
    this.dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'roadcam-server-'));
    this.port = options.port;
    this.url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
    this.startTimeoutMs = options.startTimeoutMs ?? 30_000;
    this.env = {
      ROADCAM_DATA_DIR: this.dataDir,
      // A path with no index.html: the tests decide whether an app is served.
      ROADCAM_APP_DIR: options.appDir ?? path.join(this.dataDir, 'no-app'),
      PORT: String(this.port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...(options.tls
        ? { TLS_CERT_FILE: options.tls.certFile, TLS_KEY_FILE: options.tls.keyFile }
        : {}),
      ...options.env,
    };
  }

  static async start(options: ServerProcessOptions = {}): Promise<ServerProcess> {
    const server = new ServerProcess({ ...options, port: options.port ?? (await freePort()) });
    await server.launch();
    return server;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** What the server printed (stdout and stderr), for failure messages. */
  output(): string {
    return this.log;
  }

  private append(text: string): void {
    this.log = (this.log + text).slice(-MAX_LOG_CHARS);
  }

  private async launch(): Promise<void> {
    if (this.child) throw new Error('The server is already running.');
    const child = spawn(process.execPath, ['--import', 'tsx', SERVER_ENTRY], {
      cwd: projectRoot,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.setEncoding('utf8').on('data', (text: string) => this.append(text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => this.append(text));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.append(`\n[server process exited: code ${code}, signal ${signal}]\n`);
        if (this.child === child) this.child = null;
        resolve();
      });
    });
    await this.waitForHealth(child);
  }

  private async waitForHealth(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + this.startTimeoutMs;
    while (Date.now() < deadline) {
      if (this.child !== child) {
        throw new Error(`The sync server exited during start:\n${this.log}`);
      }
      if (await this.healthy()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.kill('SIGKILL');
    throw new Error(
      `The sync server did not answer /api/v1/health within ${this.startTimeoutMs} ms:\n${this.log}`,
    );
  }

  private async healthy(): Promise<boolean> {
    const url = `${this.url}/api/v1/health`;
    if (this.url.startsWith('https:')) {
      // Only "is it up"; the TLS tests check the certificate themselves.
      return new Promise((resolve) => {
        const request = https.get(url, { rejectUnauthorized: false, timeout: 1000 }, (response) => {
          response.resume();
          resolve(response.statusCode === 200);
        });
        request.on('error', () => resolve(false));
        request.on('timeout', () => request.destroy());
      });
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      return response.ok;
    } catch {
      return false; // not listening yet
    }
  }

  /** Sends a signal and waits for the process to exit. SIGKILL: no shutdown code runs. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    await this.exited;
  }

  /** Starts the server again on the same port and data directory. */
  async restart(): Promise<void> {
    if (this.child) await this.kill('SIGTERM');
    await this.launch();
  }

  /** Runs `server/main.ts ARGS` (the CLI) against this data directory. */
  async cli(args: readonly string[]): Promise<CliResult> {
    return runServerCli(args, this.env);
  }

  /** A new token, made by `token create --name NAME [--role ROLE]` (a phone's by default). */
  async createToken(
    name: string,
    role: 'surveyor' | 'reviewer' | 'admin' = 'surveyor',
  ): Promise<string> {
    const result = await this.cli(['token', 'create', '--name', name, '--role', role]);
    const token = result.stdout.trim();
    if (result.code !== 0 || !/^rcd_[A-Za-z0-9_-]{43}$/.test(token)) {
      throw new Error(
        `token create failed (exit ${result.code}): ${result.stderr}${result.stdout}`,
      );
    }
    return token;
  }

  async revokeToken(name: string): Promise<void> {
    const result = await this.cli(['token', 'revoke', name]);
    if (result.code !== 0)
      throw new Error(`token revoke failed (exit ${result.code}): ${result.stderr}`);
  }

  /** Files the data directory's write path touches; the SQLite -shm is left out (see below). */
  private writableFiles(): string[] {
    const files = [this.dataDir, path.join(this.dataDir, 'photos'), path.join(this.dataDir, 'tmp')];
    for (const name of ['roadcam.sqlite', 'roadcam.sqlite-wal']) {
      files.push(path.join(this.dataDir, name));
    }
    const photosDir = path.join(this.dataDir, 'photos');
    if (existsSync(photosDir)) {
      for (const name of readdirSync(photosDir)) files.push(path.join(photosDir, name));
    }
    return files.filter((f) => existsSync(f));
  }

  /**
   * Makes the data directory read-only under the running server. Tests run as root, and root
   * ignores permission bits (chmod), so this sets the immutable attribute (chattr +i): even
   * root's writes then fail, through file descriptors the server already holds (EPERM), and no
   * file can be created, renamed or deleted. A read-only bind mount would not do: writes through
   * descriptors opened before the remount still succeed on Linux, so SQLite would not notice.
   * The SQLite shared-memory index (-shm) is left alone: the server has it memory-mapped, and a
   * page fault on an immutable mapped file kills the process with SIGBUS, which tests nothing.
   * Needs root (CAP_LINUX_IMMUTABLE) and a file system with the attribute (ext4, xfs, btrfs,
   * tmpfs since Linux 6.0); fails with a clear message otherwise.
   */
  async makeDataDirReadOnly(): Promise<void> {
    try {
      await execFileAsync('chattr', ['+i', ...this.writableFiles()]);
    } catch (error) {
      throw new Error(
        'Could not make the data directory read-only with chattr +i (needs root and a file ' +
          `system that supports the immutable attribute; data dir ${this.dataDir}): ` +
          (error as Error).message,
        { cause: error },
      );
    }
  }

  async makeDataDirWritable(): Promise<void> {
    if (!existsSync(this.dataDir)) return;
    await execFileAsync('chattr', ['-R', '-f', '-i', this.dataDir]).catch(() => undefined);
    await execFileAsync('chattr', ['-f', '-i', this.dataDir]).catch(() => undefined);
  }

  /** Stops the server (SIGTERM) and removes the temp data directory it made. */
  async dispose(): Promise<void> {
    if (this.child) {
      const child = this.child;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    if (this.ownsDataDir) {
      await this.makeDataDirWritable();
      rmSync(this.dataDir, { recursive: true, force: true });
    }
  }
}

/**
 * Runs `server/main.ts ARGS` (the CLI) with `env` added to this process's environment, for
 * commands that need no running server (e.g. `import-sqlite` into a database).
 */
export function runServerCli(
  args: readonly string[],
  env: Record<string, string>,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SERVER_ENTRY, ...args], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
