import { surveyIdSchema } from '../../src/schema/survey';
import { ApiError } from '../errors';

/** The `:id` of a route, checked to be a survey UUID: `../x` and friends end here with 400. */
export function parseSurveyIdParam(params: unknown): string {
  const id = (params as { id?: unknown } | null)?.id;
  if (typeof id === 'string' && surveyIdSchema.safeParse(id).success) return id;
  throw new ApiError(
    400,
    'invalid_id',
    'A survey id is a lowercase UUID v4 (as crypto.randomUUID() makes them).',
    { id },
  );
}
