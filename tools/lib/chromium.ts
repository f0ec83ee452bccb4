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

/**
 * Playwright's own --disable-features (playwright-core 1.65.1, chromiumSwitches.ts). Chromium
 * reads only the last --disable-features it is given, so a launch that adds features must
 * repeat these; test/browser/launch-flags.test.ts checks that none is lost.
 */
const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'msForceBrowserSignIn',
  'msEdgeUpdateLaunchServicesPreferredVersion',
];

/**
 * Desktop Chromium (156) builds its address bar's popups, two WebUI pages
 * (chrome://omnibox-popup.top-chrome), at every launch, headless too: about half a second of
 * CPU in the first two seconds, while the page under test starts. A phone's Chrome has no such
 * pages. With them, the app's cold start on this 2-core machine read 0.50-0.56 s, without them
 * 0.33 s, and at a fifth of a core 6.3 s against 4.0 s (docs/APP.md, "What the browser itself
 * spends"). Lighthouse keeps them: a --disable-features here would replace chrome-launcher's own.
 */
export const BROWSER_UI_FEATURES = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup'];

/** CHROMIUM_ARGS for a browser Playwright launches: its features off, and the browser UI pages. */
export const PLAYWRIGHT_CHROMIUM_ARGS = [
  ...CHROMIUM_ARGS,
  `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, ...BROWSER_UI_FEATURES].join(',')}`,
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
    /** A Y4M video that the camera plays (looped) instead of a real camera; camera allowed. */
    fakeCamera?: string;
    /** Keep desktop Chromium's own UI pages (BROWSER_UI_FEATURES), to compare against. */
    browserUi?: boolean;
  } & Pick<LaunchOptions, 'env'> = {},
): Promise<LaunchedProfile> {
  const userDataDir = options.userDataDir ?? newProfileDir();
  const cameraArgs = options.fakeCamera
    ? [
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-video-capture=${options.fakeCamera}`,
      ]
    : [];
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: options.executablePath ?? findChromium(),
    headless: true,
    args: [
      ...(options.browserUi ? CHROMIUM_ARGS : PLAYWRIGHT_CHROMIUM_ARGS),
      ...cameraArgs,
      ...(options.extraArgs ?? []),
    ],
    viewport: { width: 412, height: 860 },
    deviceScaleFactor: 1,
    serviceWorkers: 'allow',
    offline: options.offline ?? false,
    permissions: [...(options.permissions ?? []), ...(options.fakeCamera ? ['camera'] : [])],
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
