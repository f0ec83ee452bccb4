/**
 * HTTP response headers for RoadCAM, as plain objects, so the sync server (server/app.ts) and
 * `vite preview` / `vite` (vite.config.ts) send the same ones. No Fastify or Vite import here.
 */

/**
 * Cross-origin isolation: without it Chromium refuses SharedArrayBuffer, and tfjs falls back
 * from the threaded-SIMD wasm binary to the single-threaded one.
 */
export const crossOriginIsolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

/**
 * Content-Security-Policy directives for the app's pages.
 * - script-src: our own files; 'wasm-unsafe-eval' lets tfjs compile its wasm binaries; blob:
 *   because each pthread worker of tfjs's threaded-SIMD backend runs `importScripts()` on a
 *   Blob of the Emscripten main script that tfjs makes itself (hard-coded in tfjs-backend-wasm
 *   4.22, `mainScriptUrlOrBlob`). A blob: URL can only be minted by script already running in
 *   this origin, so injected markup gains nothing from it. No 'unsafe-inline', no 'unsafe-eval'.
 * - worker-src: our inference/Grad-CAM workers and the service worker come from 'self'; tfjs's
 *   threaded wasm starts its pthread workers from a blob: URL.
 * - img-src: photos and thumbnails are shown from IndexedDB Blobs (blob:); the build inlines no
 *   data: images, so none are allowed.
 * - style-src: Lit puts component styles in constructed stylesheets (not governed by CSP), the
 *   built CSS comes from 'self'; style="" attributes (heatmap overlay positions) are allowed,
 *   <style> elements are not.
 * - connect-src: the sync API is served on the same origin (or through the dev server's proxy).
 */
export const contentSecurityPolicyDirectives: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'", 'blob:'],
  'worker-src': ["'self'", 'blob:'],
  'connect-src': ["'self'"],
  'img-src': ["'self'", 'blob:'],
  'style-src': ["'self'"],
  'style-src-attr': ["'unsafe-inline'"],
  'font-src': ["'self'"],
  'manifest-src': ["'self'"],
  'media-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/** The policy as one header value; `extraConnectSrc` adds origins the app may sync to. */
export function buildContentSecurityPolicy(extraConnectSrc: readonly string[] = []): string {
  return Object.entries(contentSecurityPolicyDirectives)
    .map(([name, values]) => {
      const all = name === 'connect-src' ? [...values, ...extraConnectSrc] : values;
      return `${name} ${all.join(' ')}`;
    })
    .join('; ');
}

/** Headers every response gets, API included. */
export const baseSecurityHeaders = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  // Same-origin only: with COEP require-corp on our pages, nothing else needs to embed us.
  'Cross-Origin-Resource-Policy': 'same-origin',
  // The app uses the camera (photo input) and geolocation itself; nothing else, no one else.
  'Permissions-Policy': 'camera=(self), geolocation=(self), microphone=(), payment=(), usb=()',
} as const;

/** Everything an app page (HTML, scripts, workers, wasm) is served with. */
export const appPageHeaders: Readonly<Record<string, string>> = {
  ...baseSecurityHeaders,
  ...crossOriginIsolationHeaders,
  'Content-Security-Policy': buildContentSecurityPolicy(),
};

/** API responses are data, never a document: the strictest policy costs nothing. */
export const apiHeaders: Readonly<Record<string, string>> = {
  ...baseSecurityHeaders,
  ...crossOriginIsolationHeaders,
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cache-Control': 'no-store',
};

/**
 * Sent on answers over HTTPS (the server's own TLS, or a trusted proxy's): browsers then refuse
 * plain HTTP to this host for a year. No includeSubDomains: the agency's other hosts are not ours
 * to decide for.
 */
export const strictTransportSecurity = 'max-age=31536000';

/** Cache-Control for the built app: Vite's hashed files never change; the rest revalidates. */
export const cacheControl = {
  /** dist/assets/*-[hash].* */
  hashedAsset: 'public, max-age=31536000, immutable',
  /** index.html, sw.js, manifest, wasm and model files: revalidate with the ETag every time. */
  revalidate: 'no-cache',
} as const;
