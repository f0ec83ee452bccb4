/**
 * A real PostgreSQL server for tests and benchmarks: Debian's `postgresql` binaries (initdb, pg_ctl) run into
 * a temporary folder, on a free port of 127.0.0.1, as an unprivileged user, and removed after.
 *
 * PostgreSQL refuses to run as root, and CI runs as root: then the cluster runs as the system
 * user `roadcam-pg`, created on first use (useradd). Not root: it runs as the current user.
 * The folder is on tmpfs (/dev/shm) when there is one: fsync stays on (the server's durability
 * settings are the real ones) and costs nothing there. A missing PostgreSQL fails with what to
 * install; it never skips.
 *
 *   const pg = await PostgresCluster.start();
 *   const url = await pg.createDatabase();      // postgres://roadcam:...@127.0.0.1:PORT/db_1
 *   await pg.crash(); await pg.start();         // immediate stop (as after a power cut of the
 *                                               // process), then recovery from the WAL
 *   await pg.dispose();                         // in afterAll
 */
import { execFileSync, spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './free-port';

const SYSTEM_USER = 'roadcam-pg';
const SUPERUSER = 'roadcam';

/** The folder with initdb and pg_ctl: PG_BIN_DIR, else the newest /usr/lib/postgresql/N/bin. */
export function postgresBinDir(): string {
  const fromEnv = process.env.PG_BIN_DIR;
  const candidates = fromEnv
    ? [fromEnv]
    : existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .filter((v) => /^\d+$/.test(v))
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => `/usr/lib/postgresql/${v}/bin`)
      : [];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'initdb')));
  if (!found) {
    throw new Error(
      'PostgreSQL is not installed: these tests start a real PostgreSQL server and need its ' +
        '`initdb` and `pg_ctl` (looked in ' +
        (candidates.join(', ') || '/usr/lib/postgresql/*/bin') +
        '). On Debian: `apt-get install postgresql` (.ci/run does it when run as root), or set ' +
        'PG_BIN_DIR to the folder that holds initdb.',
    );
  }
  return found;
}

interface RunAs {
  uid: number;
  gid: number;
  user: string;
}

/** Root: the unprivileged system user (created once). Otherwise: ourselves. */
function unprivilegedUser(): RunAs {
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) return { uid, gid: process.getgid?.() ?? uid, user: os.userInfo().username };
  const lookup = () => spawnSync('id', ['-u', SYSTEM_USER], { encoding: 'utf8' });
  let found = lookup();
  if (found.status !== 0) {
    const made = spawnSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SYSTEM_USER],
      { encoding: 'utf8' },
    );
    found = lookup();
    if (found.status !== 0) {
      throw new Error(
        `PostgreSQL refuses to run as root, and the system user ${SYSTEM_USER} could not be ` +
          `made with useradd: ${made.stderr || made.error?.message}. Create it ` +
          `(useradd --system ${SYSTEM_USER}) or run the tests as an ordinary user.`,
      );
    }
  }
  const gid = Number(execFileSync('id', ['-g', SYSTEM_USER], { encoding: 'utf8' }).trim());
  return { uid: Number(found.stdout.trim()), gid, user: SYSTEM_USER };
}

/** Runs a program to its end; resolves with its output, rejects with it on a non-zero exit. */
function runProgram(file: string, args: string[], options: SpawnOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (t: string) => (output += t));
    child.stderr?.setEncoding('utf8').on('data', (t: string) => (output += t));
    child.on('error', reject);
    child.on('exit', (code) => {
      const name = path.basename(file);
      if (code === 0) resolve(output);
      else reject(new Error(`${name} ${args.join(' ')} failed (exit ${code}):\n${output}`));
    });
  });
}

/** Every cluster this process started, stopped at exit even when a test run is cut short. */
const running = new Set<PostgresCluster>();
process.once('exit', () => {
  for (const cluster of running) cluster.stopNowSync();
});

export class PostgresCluster {
  readonly password = randomBytes(18).toString('base64url');
  private databases = 0;
  private admin: pg.Pool | null = null;

  private constructor(
    readonly dir: string,
    readonly binDir: string,
    private readonly runAs: RunAs,
    public port: number,
  ) {}

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  get logFile(): string {
    return path.join(this.dir, 'postgres.log');
  }

  /** `onDisk`: in the temp folder on disk, not tmpfs (benchmarks: fsync costs what it costs). */
  static async start(options: { onDisk?: boolean } = {}): Promise<PostgresCluster> {
    const binDir = postgresBinDir();
    const runAs = unprivilegedUser();
    const base = existsSync('/dev/shm') && !options.onDisk ? '/dev/shm' : os.tmpdir();
    const dir = mkdtempSync(path.join(base, 'roadcam-pg-'));
    chmodSync(dir, 0o700);
    chownSync(dir, runAs.uid, runAs.gid);
    const cluster = new PostgresCluster(dir, binDir, runAs, 0);
    try {
      const pwFile = path.join(dir, 'pwfile');
      writeFileSync(pwFile, cluster.password + '\n', { mode: 0o600 });
      chownSync(pwFile, runAs.uid, runAs.gid);
      await cluster.run('initdb', [
        '--pgdata',
        cluster.dataDir,
        '--username',
        SUPERUSER,
        '--pwfile',
        pwFile,
        '--auth',
        'scram-sha-256',
        '--encoding',
        'UTF8',
        '--locale',
        'C.UTF-8',
        '--no-sync', // the template files only; the server itself runs with fsync on
      ]);
      rmSync(pwFile);
      await cluster.startOnFreePort();
      return cluster;
    } catch (error) {
      await cluster.dispose();
      throw error;
    }
  }

  /** Runs a PostgreSQL server program (initdb, pg_ctl) as the unprivileged user. */
  private run(program: string, args: string[]): Promise<string> {
    return runProgram(path.join(this.binDir, program), args, {
      uid: this.runAs.uid,
      gid: this.runAs.gid,
      cwd: this.dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8', HOME: this.dir },
    });
  }

  private async startOnFreePort(): Promise<void> {
    let lastError: unknown;
    // Another program may take the free port between the probe and the bind: try again.
    for (let attempt = 0; attempt < 5; attempt++) {
      this.port = await freePort();
      try {
        await this.start();
        return;
      } catch (error) {
        lastError = error;
        if (!/could not bind|Address already in use/i.test(this.log())) throw error;
      }
    }
    throw lastError;
  }

  /** Starts the server (again) on its port and waits until it accepts connections. */
  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      `-k ${this.dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c max_connections=200',
      '-c shared_buffers=64MB',
      '-c fsync=on',
      '-c synchronous_commit=on',
      '-c log_min_messages=warning',
    ].join(' ');
    try {
      await this.run('pg_ctl', [
        '--pgdata',
        this.dataDir,
        '--log',
        this.logFile,
        '--wait',
        '--timeout',
        '120',
        '-o',
        options,
        'start',
      ]);
    } catch (error) {
      throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n${this.log()}`, {
        cause: error,
      });
    }
    running.add(this);
  }

  /** Stops the server at once, without a checkpoint: what a crash leaves; start() recovers. */
  async crash(): Promise<void> {
    await this.closeAdmin();
    await this.run('pg_ctl', ['--pgdata', this.dataDir, '--mode', 'immediate', 'stop']);
    running.delete(this);
  }

  /** Its log, for failure messages. */
  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8').slice(-20_000);
    } catch {
      return '';
    }
  }

  url(database: string): string {
    return `postgres://${SUPERUSER}:${this.password}@127.0.0.1:${this.port}/${database}`;
  }

  /** A connection to the cluster's `postgres` database, for administration in tests. */
  private adminPool(): pg.Pool {
    if (!this.admin) {
      this.admin = new pg.Pool({ connectionString: this.url('postgres'), max: 2 });
      // A stop of the server ends its connections: expected here, not an error.
      this.admin.on('error', () => undefined);
    }
    return this.admin;
  }

  private async closeAdmin(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    await admin?.end();
  }

  /** A new empty database; returns its URL. */
  async createDatabase(name = `db_${++this.databases}`): Promise<string> {
    await this.adminPool().query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    return this.url(name);
  }

  async dropDatabase(name: string): Promise<void> {
    await this.adminPool().query(
      `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`,
    );
  }

  /** Runs `program` (pg_dump, pg_restore, psql) from the same installation against this server. */
  clientTool(program: string, args: string[]): Promise<string> {
    return runProgram(path.join(this.binDir, program), args, {
      env: { ...process.env, PGPASSWORD: this.password },
    });
  }

  /** Connection arguments for the client tools. */
  clientArgs(database: string): string[] {
    return [
      '--host',
      '127.0.0.1',
      '--port',
      String(this.port),
      '--username',
      SUPERUSER,
      '--dbname',
      database,
    ];
  }

  stopNowSync(): void {
    spawnSync(
      path.join(this.binDir, 'pg_ctl'),
      ['--pgdata', this.dataDir, '--mode', 'immediate', 'stop'],
      {
        uid: this.runAs.uid,
        gid: this.runAs.gid,
        stdio: 'ignore',
      },
    );
    running.delete(this);
  }

  async dispose(): Promise<void> {
    await this.closeAdmin().catch(() => undefined);
    if (running.has(this)) {
      await this.run('pg_ctl', ['--pgdata', this.dataDir, '--mode', 'fast', 'stop']).catch(() =>
        this.stopNowSync(),
      );
      running.delete(this);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
