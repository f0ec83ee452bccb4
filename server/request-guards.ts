/**
 * Checks every request passes before routing matters, and the one place that says whether a
 * request is for the API: the router decodes percent-escapes (`/%61pi/v1/...` reaches the API),
 * so the decision is made on the decoded path too, never on the raw URL.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors';

/** The path as the router sees it: percent-escapes decoded, no query. Undecodable: raw. */
export function decodedPath(url: string): string {
  const raw = url.split('?')[0];
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function isApiPath(url: string): boolean {
  const path = decodedPath(url);
  return path === '/api' || path.startsWith('/api/');
}

/** The path for the log: no query string (it may hold what should never be written down). */
export function pathForLog(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? url : `${url.slice(0, i)}?[query not logged]`;
}

const TOKEN_LIKE_NAME = /token|auth|bearer|key|secret|password|session/i;
const TOKEN_LIKE_VALUE = /rcd_[A-Za-z0-9_-]{8,}/;

/**
 * A token in the address ends up in proxy logs, browser history and Referer headers: refuse
 * it (and never log the query, see pathForLog). A device token's value is refused on every
 * route; a parameter named like a credential on the API's routes (the app's pages have their
 * own parameters, such as ?model=).
 */
export function refuseTokenInQuery(request: FastifyRequest): void {
  const i = request.url.indexOf('?');
  if (i < 0) return;
  const api = isApiPath(request.url);
  const params = new URLSearchParams(request.url.slice(i + 1));
  for (const [name, value] of params) {
    if ((api && TOKEN_LIKE_NAME.test(name)) || TOKEN_LIKE_VALUE.test(`${name}=${value}`)) {
      throw new ApiError(
        400,
        'token_in_query',
        'Send the device token only in the Authorization header (Bearer TOKEN), never in the ' +
          'address: addresses are kept in logs and browser history. If a real token was sent ' +
          'this way, revoke it and make a new one.',
      );
    }
  }
}

/** True when the request announces a body (a length above 0, or chunked). */
export function declaresBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  );
}

/**
 * Bodies are plain UTF-8: a compressed body (Content-Encoding) or another charset would be
 * read as garbage, so both are refused with 415 before the body is read.
 */
export function refuseUnsupportedEncoding(request: FastifyRequest): void {
  if (!declaresBody(request)) return;
  const encoding = (request.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    throw new ApiError(
      415,
      'unsupported_media_type',
      `This server does not take compressed bodies (Content-Encoding: ${encoding.slice(0, 40)}): ` +
        'send the body uncompressed.',
    );
  }
  const type = request.headers['content-type'] ?? '';
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(type)?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new ApiError(
      415,
      'unsupported_media_type',
      `This server reads bodies as UTF-8 only, not charset=${charset.slice(0, 40)}: send UTF-8.`,
    );
  }
}
