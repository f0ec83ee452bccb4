import { surveyIdSchema } from '../../src/schema/survey';
import { ApiError } from '../errors';

export const INVALID_ID_MESSAGE =
  'A survey id is a lowercase UUID v4 (as crypto.randomUUID() makes them).';

/** The `:id` of a route, checked to be a survey UUID: `../x` and friends end here with 400. */
export function parseSurveyIdParam(params: unknown): string {
  const id = (params as { id?: unknown } | null)?.id;
  if (typeof id === 'string' && surveyIdSchema.safeParse(id).success) return id;
  throw new ApiError(400, 'invalid_id', INVALID_ID_MESSAGE, {
    id: typeof id === 'string' ? id.slice(0, 100) : id,
  });
}
