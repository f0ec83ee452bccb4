/**
 * PUT /surveys/:id/photo stores a survey's JPEG once; GET returns it.
 *
 * Decisions (docs/SYNC.md):
 * - The record comes first: a photo for an unknown survey is 404, checked before the body is
 *   read, so a phone does not push megabytes for nothing.
 * - The record's photo.sha256 names the only bytes that may be stored. No photo yet and other
 *   bytes: 422 (the phone sends something it did not record: a bug or a corrupted file, retrying
 *   cannot help). Photo stored and other bytes: 409, like a record conflict. Same bytes: 200.
 * - The record's photo.bytes is the only size that may be stored: a Content-Length that differs
 *   is refused before the body is read, and so are bytes of another length (422).
 * - The body is read whole (at most 15 MB) before anything is stored, so an upload cut off
 *   mid-body leaves nothing behind and the photo stays absent.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_PHOTO_BYTES, type PhotoUploadResponse } from '../../src/schema/survey';
import { sha256Hex } from '../canonical-json';
import { ApiError } from '../errors';
import type { PhotoStore } from '../store/photo-store';
import type { StoredSurvey, SurveyStore } from '../store/survey-store';
import { requirePermission } from './permission';
import { parseSurveyIdParam } from './survey-id';

export interface PhotoRoutesOptions {
  surveys: SurveyStore;
  photos: PhotoStore;
}

/** JPEG files start with the SOI marker followed by another marker: FF D8 FF. */
export function looksLikeJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

export async function photoRoutes(app: FastifyInstance, options: PhotoRoutesOptions) {
  const { surveys, photos } = options;

  // Scoped to this plugin: only the photo route accepts raw bytes.
  app.addContentTypeParser('image/jpeg', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body);
  });

  async function requireSurvey(request: FastifyRequest) {
    const id = parseSurveyIdParam(request.params);
    const stored = await surveys.getSurvey(id);
    if (!stored) {
      throw new ApiError(
        404,
        'survey_not_found',
        `The server has no survey ${id}: upload the record (POST /api/v1/surveys) before its photo.`,
      );
    }
    return stored;
  }

  app.put(
    '/surveys/:id/photo',
    {
      bodyLimit: MAX_PHOTO_BYTES,
      onRequest: requirePermission('survey:write'),
      // Before the body is read: cheap refusals first.
      preParsing: async (request, _reply, payload) => {
        const stored = await requireSurvey(request);
        const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        if (type !== 'image/jpeg') {
          throw new ApiError(
            415,
            'unsupported_media_type',
            'Send the photo as the request body with Content-Type: image/jpeg.',
          );
        }
        const declared = Number(request.headers['content-length']);
        if (
          stored.photo.storedAt === null &&
          Number.isInteger(declared) &&
          declared <= MAX_PHOTO_BYTES &&
          declared !== stored.photo.bytes
        ) {
          throw sizeMismatch(stored, declared);
        }
        return payload;
      },
    },
    async (request, reply) => {
      const stored = await requireSurvey(request);
      const bytes = request.body;
      if (!Buffer.isBuffer(bytes) || !looksLikeJpeg(bytes)) {
        throw new ApiError(
          415,
          'not_jpeg',
          'The body is not a JPEG photo (it must start with FF D8 FF).',
        );
      }
      const sha256 = sha256Hex(bytes);
      const answer = (status: 'created' | 'unchanged'): PhotoUploadResponse => ({
        id: stored.id,
        status,
        sha256,
        bytes: bytes.length,
      });

      if (stored.photo.storedAt !== null) {
        if (sha256 === stored.photo.sha256) return reply.code(200).send(answer('unchanged'));
        throw new ApiError(
          409,
          'photo_conflict',
          'The server already holds a different photo for this survey; it was not replaced.',
          { stored: stored.photo.sha256, sent: sha256 },
        );
      }
      if (bytes.length !== stored.photo.bytes) throw sizeMismatch(stored, bytes.length);
      if (sha256 !== stored.photo.sha256) {
        throw new ApiError(
          422,
          'photo_sha256_mismatch',
          'These bytes are not the photo the survey record names (their SHA-256 differs from ' +
            'photo.sha256): nothing was stored.',
          { expected: stored.photo.sha256, sent: sha256, bytes: bytes.length },
        );
      }
      await photos.write(stored.id, bytes);
      const firstTime = await surveys.markPhotoStored(stored.id);
      return reply.code(firstTime ? 201 : 200).send(answer(firstTime ? 'created' : 'unchanged'));
    },
  );

  app.get('/surveys/:id/photo', async (request, reply) => {
    const stored = await requireSurvey(request);
    if (stored.photo.storedAt === null) {
      throw new ApiError(
        404,
        'photo_not_found',
        `The photo of survey ${stored.id} has not been uploaded yet.`,
      );
    }
    const etag = `"${stored.photo.sha256}"`;
    // A stored photo never changes, so the phone or the office may keep it.
    reply
      .header('ETag', etag)
      .header('Cache-Control', 'private, max-age=31536000, immutable')
      .header('Content-Disposition', `inline; filename="${stored.id}.jpg"`);
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    const bytes = await photos.read(stored.id);
    if (bytes === null) {
      // Marked stored but not in this photo store: ROADCAM_PHOTO_STORE changed without moving
      // the photos, or the photo folder was not restored from the backup.
      throw new Error(
        `The photo of survey ${stored.id} is marked stored but missing from the photo store`,
      );
    }
    return reply.type('image/jpeg').send(bytes);
  });
}

function sizeMismatch(stored: StoredSurvey, sent: number): ApiError {
  return new ApiError(
    422,
    'photo_size_mismatch',
    `These are not the photo the survey record names: the record says ${stored.photo.bytes} ` +
      `bytes, this upload has ${sent}. Nothing was stored.`,
    { expected: stored.photo.bytes, sent },
  );
}
