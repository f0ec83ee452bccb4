/**
 * The server serving a built app: security headers, CSP, caching, the navigation fallback,
 * and, in real Chromium, what the headers are for: the page is cross-origin isolated, wasm
 * compiles and a blob: worker starts, while inline scripts and eval are blocked.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAYWRIGHT_CHROMIUM_ARGS, findChromium } from '../../tools/lib/chromium';
import { ServerProcess } from '../../tools/lib/server-process';
import { rawRequest } from './fixtures';

const INDEX_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>RoadCAM fixture</title>
<script type="module" src="/assets/index-3f9a1c2e.js"></script></head>
<body><p>fixture app</p><script>window.inlineRan = true;</script></body></html>
`;

// What the real app needs from the page: wasm, a blob: worker (tfjs's pthreads), isolation.
const APP_JS = `
window.checks = (async () => {
  let wasm = false;
  try { await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])); wasm = true; } catch {}
  const blobWorker = await new Promise((resolve) => {
    try {
      const url = URL.createObjectURL(new Blob(['postMessage(typeof SharedArrayBuffer)'], { type: 'text/javascript' }));
      const worker = new Worker(url);
      worker.onmessage = (e) => resolve(e.data === 'function');
      worker.onerror = () => resolve(false);
      setTimeout(() => resolve(false), 5000);
    } catch { resolve(false); }
  });
  let evalRan = false;
  try { eval('1'); evalRan = true; } catch {}
  return { isolated: self.crossOriginIsolated, wasm, blobWorker, evalRan, inlineRan: window.inlineRan === true };
})();
`;

let appDir: string;
let server: ServerProcess;

beforeAll(async () => {
  appDir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-app-'));
  mkdirSync(path.join(appDir, 'assets'));
  mkdirSync(path.join(appDir, 'wasm'));
  writeFileSync(path.join(appDir, 'index.html'), INDEX_HTML);
  writeFileSync(path.join(appDir, 'assets', 'index-3f9a1c2e.js'), APP_JS);
  writeFileSync(path.join(appDir, 'sw.js'), 'self.addEventListener("fetch", () => {});\n');
  writeFileSync(
    path.join(appDir, 'wasm', 'tfjs-backend-wasm-simd.wasm'),
    Buffer.from([0, 97, 115, 109, 1, 0, 0, 0]),
  );
  writeFileSync(path.join(appDir, '.env'), 'SECRET=1\n');
  server = await ServerProcess.start({ appDir });
});

afterAll(async () => {
  await server?.dispose();
  if (appDir) rmSync(appDir, { recursive: true, force: true });
});

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name, values]),
  );
}

describe('the built app on the same origin', () => {
  it('serves index.html with isolation, CSP and sane headers, revalidated on every load', async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(INDEX_HTML);
    const h = response.headers;
    expect(h.get('content-type')).toMatch(/^text\/html/);
    expect(h.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(h.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(h.get('x-content-type-options')).toBe('nosniff');
    expect(h.get('referrer-policy')).toBe('no-referrer');
    expect(h.get('cache-control')).toBe('no-cache');
    const csp = directives(h.get('content-security-policy') ?? '');
    // blob: scripts: tfjs's pthread workers importScripts() a Blob of their main script.
    expect(csp.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'", 'blob:']);
    expect(csp.get('worker-src')).toEqual(["'self'", 'blob:']);
    expect(csp.get('img-src')).toEqual(["'self'", 'blob:']);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('default-src')).toEqual(["'self'"]);
    for (const [name, values] of csp) {
      if (name === 'style-src-attr') continue; // style="" only; no script can run from it
      expect(values, name).not.toContain("'unsafe-inline'");
      expect(values, name).not.toContain("'unsafe-eval'");
    }
  });

  it('caches hashed assets for good, and revalidates sw.js and unhashed files', async () => {
    const asset = await fetch(`${server.url}/assets/index-3f9a1c2e.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('cross-origin-embedder-policy')).toBe('require-corp');

    const sw = await fetch(`${server.url}/sw.js`);
    expect(sw.status).toBe(200);
    expect(sw.headers.get('cache-control')).toBe('no-cache');

    const wasm = await fetch(`${server.url}/wasm/tfjs-backend-wasm-simd.wasm`);
    expect(wasm.status).toBe(200);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(wasm.headers.get('cache-control')).toBe('no-cache');
  });

  it('falls back to index.html for app routes, never for assets, dotfiles or the API', async () => {
    const route = await fetch(`${server.url}/surveys/123`, {
      headers: { accept: 'text/html,*/*' },
    });
    expect(route.status).toBe(200);
    expect(await route.text()).toBe(INDEX_HTML);
    expect(route.headers.get('cache-control')).toBe('no-cache');
    expect(route.headers.get('content-security-policy')).toContain("'wasm-unsafe-eval'");

    const missingAsset = await fetch(`${server.url}/assets/index-00000000.js`, {
      headers: { accept: 'text/html,*/*' },
    });
    expect(missingAsset.status).toBe(404);
    expect(missingAsset.headers.get('cache-control') ?? '').not.toMatch(/immutable/);

    expect((await fetch(`${server.url}/.env`)).status).toBe(404);
    const traversal = await rawRequest(server.url, {
      method: 'GET',
      path: '/../../../../etc/passwd',
    });
    expect(traversal.status).toBeGreaterThanOrEqual(400);
    expect(traversal.body).not.toMatch(/root:/);

    const api = await fetch(`${server.url}/api/v1/nothing`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: 'not_found' });
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    expect(api.headers.get('cache-control')).toBe('no-store');
  });

  it('in Chromium: isolated, wasm and blob: workers allowed, inline script and eval blocked', async () => {
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({
        executablePath: findChromium(),
        args: PLAYWRIGHT_CHROMIUM_ARGS,
      });
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
      });
      await page.goto(`${server.url}/surveys/some-route`);
      const checks = await page.evaluate(
        () => (window as unknown as { checks: Promise<unknown> }).checks,
      );
      expect(checks).toEqual({
        isolated: true,
        wasm: true,
        blobWorker: true,
        evalRan: false,
        inlineRan: false,
      });
      // The browser says why the inline script did not run.
      expect(violations.join('\n')).toMatch(/inline script/i);
    } finally {
      await browser?.close();
    }
  });
});
