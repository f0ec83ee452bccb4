/**
 * Model releases for the phones (any token): GET /models/current answers the current release's
 * manifest, notes and file hashes (204, no body, before any publish); GET /models/:version/*
 * answers one file of a release, byte for byte. A release never changes, so its files may be
 * cached for good.
 */
import type { FastifyInstance } from 'fastify';
import {
  RELEASE_FILE_PATTERN,
  RELEASE_VERSION_PATTERN,
  type ModelReleaseResponse,
} from '../../src/schema/model-release';
import { ApiError } from '../errors';
import type { ModelFileStore, ModelReleaseStore } from '../store/model-store';

export async function modelRoutes(
  app: FastifyInstance,
  options: { models: ModelReleaseStore; modelFiles: ModelFileStore },
) {
  app.get('/models/current', async (_request, reply) => {
    const version = await options.models.currentVersion();
    const release = version === null ? null : await options.models.getRelease(version);
    // Nothing published is an ordinary answer, not an error: phones ask after every sync, and
    // browsers log every 4xx answer as an error in the console.
    if (!release) return reply.code(204).send();
    const response: ModelReleaseResponse = {
      version: release.version,
      modelId: release.modelId,
      manifest: JSON.parse(release.manifestJson) as unknown,
      notes: release.notes,
      publishedAt: new Date(release.publishedAt).toISOString(),
      files: release.files.map((f) => ({
        ...f,
        url: `/api/v1/models/${encodeURIComponent(release.version)}/${f.path}`,
      })),
    };
    return response;
  });

  app.get('/models/:version/*', async (request, reply) => {
    const { version, '*': filePath } = request.params as { version: string; '*': string };
    const known =
      RELEASE_VERSION_PATTERN.test(version) &&
      RELEASE_FILE_PATTERN.test(filePath) &&
      (await options.models.getRelease(version))?.files.some((f) => f.path === filePath);
    const bytes = known ? await options.modelFiles.readFile(version, filePath) : null;
    if (!bytes) {
      throw new ApiError(404, 'not_found', `Model ${version} has no file ${filePath}.`);
    }
    const type = filePath.endsWith('.json')
      ? 'application/json; charset=utf-8'
      : 'application/octet-stream';
    return reply
      .type(type)
      .header('Cache-Control', 'private, max-age=31536000, immutable')
      .send(bytes);
  });
}
