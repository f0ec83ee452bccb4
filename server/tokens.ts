/**
 * Device tokens: 32 random bytes, shown once, stored only as their SHA-256. A plain hash is
 * enough (no bcrypt/scrypt) because the token is random with 256 bits of entropy: there is no
 * dictionary to try, and the lookup by hash stays a cheap indexed query on every request.
 */
import { createHash, randomBytes } from 'node:crypto';

const TOKEN_PREFIX = 'rcd_';
/**
 * What a token may do: `device` tokens are the phones' (upload surveys and photos, pull reviews
 * and models); `reviewer` tokens are the office's (the review page: read every survey, save
 * reviews). Neither can do the other's writes.
 */
export const TOKEN_ROLES = ['device', 'reviewer'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export function isTokenRole(value: string): value is TokenRole {
  return (TOKEN_ROLES as readonly string[]).includes(value);
}

/** Names show up in `token list` and in the log; keep them plain. */
export const TOKEN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function newDeviceToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashDeviceToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The token in `Authorization: Bearer TOKEN`, or null when the header is absent or malformed. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]{1,200})[ ]*$/i.exec(header);
  return match ? match[1] : null;
}
