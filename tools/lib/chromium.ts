/**
 * Real Chromium for the browser tests, the benchmarks and Lighthouse, driven by playwright-core
 * (Lighthouse by chrome-launcher with the same binary and flags). Finds Debian's chromium
 * (CHROME_PATH, /usr/bin/chromium); when none is installed and we run as root on Debian, installs
 * the `chromium` package; otherwise fails with a message saying what to do. Never skips.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type LaunchOptions } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

function isDebian(): boolean {
  return existsSync('/etc/debian_version');
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

let found: string | null = null;

export function findChromium(): string {
  if (found) return found;
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv))
      throw new Error(
        `CHROME_PATH=${fromEnv} does not exist. Point it at a Chromium or Chrome binary.`,
      );
    return (found = fromEnv);
  }
  const existing = CANDIDATES.find((p) => existsSync(p));
  if (existing) return (found = existing);
  if (isRoot() && isDebian()) {
    console.log("browser tests: installing Debian's chromium package (apt-get install chromium)");
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (existsSync('/usr/bin/chromium')) return (found = '/usr/bin/chromium');
  }
  throw new Error(
    'The browser tests need Chromium and none was found. Install it (Debian/Ubuntu: ' +
      "'sudo apt-get install chromium') or set CHROME_PATH to a Chromium or Chrome binary.",
  );
}

export interface LaunchedProfile {
  context: BrowserContext;
  userDataDir: string;
  /** Closes the browser; the profile stays for a restart until removeProfile(). */
  close(): Promise<void>;
}

function newProfileDir(): string {
  const base = path.join(os.tmpdir(), 'roadcam-chromium-');
  return mkdtempSync(base);
}

export function removeProfile(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A browser on a profile directory (fresh unless one is given, so a test can restart the
 * browser on the same profile), with a phone-sized viewport.
 */
export async function launchProfile(
  options: {
    userDataDir?: string;
    offline?: boolean;
    permissions?: string[];
    extraArgs?: string[];
    /** Another way to start the same Chromium (a launcher script; see cpu-quota.ts). */
    executablePath?: string;
  } & Pick<LaunchOptions, 'env'> = {},
): Promise<LaunchedProfile> {
  const userDataDir = options.userDataDir ?? newProfileDir();
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: options.executablePath ?? findChromium(),
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.extraArgs ?? [])],
    viewport: { width: 412, height: 860 },
    deviceScaleFactor: 1,
    serviceWorkers: 'allow',
    offline: options.offline ?? false,
    permissions: options.permissions ?? [],
    env: options.env,
  });
  return {
    context,
    userDataDir,
    close: () => context.close(),
  };
}

/** The Chromium version, for reports. */
export function chromiumVersion(): string {
  try {
    return execFileSync(findChromium(), ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
