/**
 * Device tokens: 32 random bytes, shown once, stored only as their SHA-256. A plain hash is
 * enough (no bcrypt/scrypt) because the token is random with 256 bits of entropy: there is no
 * dictionary to try, and the lookup by hash stays a cheap indexed query on every request.
 */
import { createHash, randomBytes } from 'node:crypto';

const TOKEN_PREFIX = 'rcd_';
/**
 * What a token may do (issue 11). `surveyor`: a phone (upload surveys and photos, read its
 * surveys, pull the office's corrections and the current model); every token made before roles
 * existed is one. `reviewer`: the office's review page (read every survey with its photo, save
 * reviews). `admin`: both, plus what only an administrator should do over HTTP later. A reviewer
 * cannot upload surveys: a correction never travels as a survey record.
 */
export const TOKEN_ROLES = ['surveyor', 'reviewer', 'admin'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export function isTokenRole(value: string): value is TokenRole {
  return (TOKEN_ROLES as readonly string[]).includes(value);
}

/** A role as stored; anything unknown reads as the least powerful, `surveyor`. */
export function tokenRoleFromText(value: string): TokenRole {
  return isTokenRole(value) ? value : 'surveyor';
}

/** What each role may do; the routes ask for one of these. */
export type TokenPermission = 'survey:write' | 'survey:read-own' | 'review:read' | 'review:write';

const PERMISSIONS: Record<TokenRole, readonly TokenPermission[]> = {
  surveyor: ['survey:write', 'survey:read-own'],
  reviewer: ['review:read', 'review:write'],
  admin: ['survey:write', 'survey:read-own', 'review:read', 'review:write'],
};

export function roleAllows(role: TokenRole, permission: TokenPermission): boolean {
  return PERMISSIONS[role].includes(permission);
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
