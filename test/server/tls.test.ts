/**
 * HTTPS straight from the server (TLS_CERT_FILE + TLS_KEY_FILE): phones need a secure context
 * for the service worker, the camera and geolocation on anything but localhost.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerProcess } from '../../tools/lib/server-process';

let certDir: string;
let cert: Buffer;
let server: ServerProcess;

beforeAll(async () => {
  certDir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-tls-'));
  const certFile = path.join(certDir, 'cert.pem');
  const keyFile = path.join(certDir, 'key.pem');
  // A self-signed certificate for 127.0.0.1, as a team would make for a LAN address.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'pipe' },
  );
  cert = readFileSync(certFile);
  server = await ServerProcess.start({ tls: { certFile, keyFile } });
});

afterAll(async () => {
  await server?.dispose();
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

function get(
  url: string,
  ca: Buffer | undefined,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { ca }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (t: string) => (body += t));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body, headers: response.headers }),
      );
    });
    request.on('error', reject);
  });
}

describe('HTTPS', () => {
  it('serves the API over TLS with the configured certificate, and no plain HTTP on that port', async () => {
    expect(server.url).toMatch(/^https:/);
    const health = await get(`${server.url}/api/v1/health`, cert);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ ok: true });
    expect(health.headers['x-content-type-options']).toBe('nosniff');

    const unauthorized = await get(`${server.url}/api/v1/surveys`, cert);
    expect(unauthorized.status).toBe(401);

    // Without trusting that certificate, a client refuses the connection.
    await expect(get(`${server.url}/api/v1/health`, undefined)).rejects.toThrow(/self.signed/i);
    await expect(fetch(`http://127.0.0.1:${server.port}/api/v1/health`)).rejects.toThrow();
  });
});
