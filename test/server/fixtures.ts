/**
 * Survey records, real JPEG bytes and a small authenticated client for the server tests.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import sharp from 'sharp';
import { encodeFloat32Base64, type SurveyRecordWire } from '../../src/schema/survey';

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A real JPEG of `width` x `height` noise: different `seed`, different bytes. */
export async function makeJpeg(seed: number, width = 64, height = 48): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < pixels.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    pixels[i] = state & 0xff;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

export function makeRecord(
  index: number,
  photo: Buffer | { sha256: string; bytes: number },
  overrides: Partial<SurveyRecordWire> = {},
): SurveyRecordWire {
  const photoMeta = Buffer.isBuffer(photo) ? { sha256: sha256(photo), bytes: photo.length } : photo;
  const createdAt = new Date(Date.UTC(2026, 10, 20, 8, 0, 0) + index * 60_000).toISOString();
  const grid = new Float32Array(49).map((_, i) => ((i * 7 + index) % 49) / 48);
  return {
    id: randomUUID(),
    revision: 1,
    createdAt,
    updatedAt: createdAt,
    position: { lat: 48.85 + index * 1e-4, lon: 2.35 - index * 1e-4, accuracyM: 8, source: 'gps' },
    verdict: {
      label: index % 3 === 0 ? 'pothole' : 'normal',
      potholeProbability: (index % 100) / 100,
      lowConfidence: false,
    },
    cam: {
      method: 'gradcam',
      layer: 'conv_pw_13_relu',
      width: 7,
      height: 7,
      data: encodeFloat32Base64(grid),
    },
    model: { id: 'pothole-mobilenet', version: '1.0.0' },
    notes: `Survey ${index}`,
    severity: (index % 5) + 1,
    photo: { ...photoMeta, width: 64, height: 48, type: 'image/jpeg' },
    ...overrides,
  };
}

/** Fake photo metadata for tests that never upload the photo. */
export function photoMetaFor(index: number): { sha256: string; bytes: number } {
  return { sha256: sha256(`photo ${index}`), bytes: 1000 + index };
}

export interface ApiAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** fetch with the device token; JSON answers parsed, other bodies as bytes. */
export function apiClient(baseUrl: string, token: string | null) {
  async function call<T>(
    method: string,
    path: string,
    init: { body?: BodyInit; type?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { ...init.headers };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (init.type) headers['content-type'] = init.type;
    const response = await fetch(`${baseUrl}/api/v1${path}`, { method, headers, body: init.body });
    const type = response.headers.get('content-type') ?? '';
    const body = type.includes('json')
      ? await response.json()
      : Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, body: body as T };
  }
  return {
    get: <T = unknown>(path: string, headers?: Record<string, string>) =>
      call<T>('GET', path, { headers }),
    postSurveys: <T = unknown>(surveys: unknown[]) =>
      call<T>('POST', '/surveys', { body: JSON.stringify({ surveys }), type: 'application/json' }),
    postRaw: <T = unknown>(body: string, type = 'application/json') =>
      call<T>('POST', '/surveys', { body, type }),
    putPhoto: <T = unknown>(id: string, bytes: Uint8Array, type = 'image/jpeg') =>
      call<T>('PUT', `/surveys/${id}/photo`, {
        // Node's Buffers here sit on plain ArrayBuffers, never shared ones.
        body: bytes as Uint8Array<ArrayBuffer>,
        type,
      }),
  };
}

/**
 * A request sent exactly as written: the path untouched (fetch and URL would resolve `..`), and
 * optionally only the start of a body (`complete: false`) after headers that announce more,
 * to see what the server answers before the body is in. The answer counts even when the server
 * closes the connection while the body is still being written.
 */
export function rawRequest(
  baseUrl: string,
  options: {
    method: string;
    path: string;
    headers?: Record<string, string | number>;
    body?: Buffer;
    complete?: boolean;
  },
): Promise<{ status: number; body: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method,
        path: options.path,
        headers: options.headers,
      },
      (response) => {
        answered = true;
        let body = '';
        response.setEncoding('utf8').on('data', (t: string) => (body += t));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body });
          request.destroy();
        });
        response.on('error', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (options.complete === false) request.write(options.body ?? Buffer.alloc(0));
    else request.end(options.body);
  });
}
