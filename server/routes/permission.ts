/**
 * Role checks for routes: `onRequest: requirePermission('review:write')` runs after the token is
 * checked and before any body is read, so a token without the right is refused at once (403)
 * and its body is never taken.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors';
import { roleAllows, type TokenPermission } from '../tokens';

const WHAT_IT_NEEDS: Record<TokenPermission, string> = {
  'survey:write': 'a surveyor token (a phone’s)',
  'survey:read-own': 'a surveyor token (a phone’s)',
  'review:read': 'a reviewer token',
  'review:write': 'a reviewer token',
};

export function requirePermission(permission: TokenPermission) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!roleAllows(request.tokenRole, permission)) {
      throw new ApiError(
        403,
        'forbidden',
        `This needs ${WHAT_IT_NEEDS[permission]}; "${request.deviceName}" is a ` +
          `${request.tokenRole} token. The server’s administrator makes tokens with ` +
          '`npm run server -- token create --name NAME --role ROLE`.',
      );
    }
  };
}

/** True when the token may read every survey's reviews, not only its own surveys'. */
export function readsAllReviews(request: FastifyRequest): boolean {
  return roleAllows(request.tokenRole, 'review:read');
}
