/**
 * The paging cursor of the change-ordered lists (GET /surveys, GET /reviews): the last item's
 * (changedAt, id), opaque to clients; and the one way query and body problems are described.
 */
import type { z } from '../../src/schema/zod';
import { ApiError } from '../errors';

export interface ListCursor {
  changedAt: number;
  id: string;
}

export function encodeListCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify([cursor.changedAt, cursor.id])).toString('base64url');
}

export function decodeListCursor(text: string): ListCursor {
  try {
    const [changedAt, id] = JSON.parse(
      Buffer.from(text, 'base64url').toString('utf8'),
    ) as unknown[];
    if (Number.isSafeInteger(changedAt) && typeof id === 'string' && id.length <= 100) {
      return { changedAt: changedAt as number, id };
    }
  } catch {
    // Falls through to the error below.
  }
  throw new ApiError(400, 'invalid_query', 'The cursor is not one this server gave out.');
}

export function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(record)';
    return `${where}: ${issue.message}`;
  });
  const more = error.issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}
