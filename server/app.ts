/**
 * The sync server as a Fastify instance: the API under /api/v1 and, when built, the app.
 * Storage comes in through interfaces (SurveyStore, TokenStore, PhotoFiles); nothing here knows
 * it is SQLite.
 */
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyServerOptions,
} from 'fastify';
import { ApiError, storageErrorToApiError } from './errors';
import type { PhotoFiles } from './photo-files';
import { exportRoutes } from './routes/export';
import { photoRoutes } from './routes/photos';
import { surveyRoutes } from './routes/surveys';
import { apiHeaders, appPageHeaders } from './security-headers';
import { hasBuiltApp, isAppNavigation, registerStaticApp, sendIndexHtml } from './static-app';
import type { SurveyStore, TokenStore } from './store/survey-store';
import { bearerToken, hashDeviceToken } from './tokens';

declare module 'fastify' {
  interface FastifyRequest {
    /** Name of the device token that authenticated the request. */
    deviceName: string;
  }
}

export interface ServerOptions {
  surveys: SurveyStore;
  tokens: TokenStore;
  photos: PhotoFiles;
  /** The built app to serve (dist/); null or a folder without index.html: API only. */
  appDir: string | null;
  logger?: FastifyServerOptions['logger'];
  /** Honour X-Forwarded-* (behind a reverse proxy that terminates TLS). */
  trustProxy?: boolean;
  https?: { key: Buffer; cert: Buffer } | null;
  now?: () => number;
}

/** Bodies of routes that do not declare their own limit (JSON batches: 8 MB, photos: 15 MB). */
const DEFAULT_BODY_LIMIT = 64 * 1024;

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const now = options.now ?? Date.now;
  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: options.trustProxy ?? false,
    bodyLimit: DEFAULT_BODY_LIMIT,
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;

  app.decorateRequest('deviceName', '');

  app.addHook('onSend', async (request, reply, payload) => {
    const headers = request.url.startsWith('/api/') ? apiHeaders : appPageHeaders;
    for (const [name, value] of Object.entries(headers)) {
      if (!reply.hasHeader(name)) reply.header(name, value);
    }
    return payload;
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.statusCode >= 500) {
      request.log.error({ err: error, detail: apiError.detail }, apiError.message);
    } else if (apiError.detail !== undefined) {
      request.log.info({ code: apiError.code, detail: apiError.detail }, apiError.message);
    }
    if (apiError.statusCode === 401) reply.header('WWW-Authenticate', 'Bearer realm="roadcam"');
    return reply
      .code(apiError.statusCode)
      .type('application/json; charset=utf-8')
      .send(apiError.toJSON());
  });

  const appDir = hasBuiltApp(options.appDir) ? options.appDir : null;

  app.setNotFoundHandler((request, reply) => {
    if (appDir !== null && isAppNavigation(request)) return sendIndexHtml(reply);
    if (appDir === null && isAppNavigation(request)) {
      return reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .send(
          'The RoadCAM app is not built on this server: run `npm run build` in the project, ' +
            'then restart the server. The sync API is at /api/v1.\n',
        );
    }
    const error = new ApiError(
      404,
      'not_found',
      `Nothing at ${request.method} ${request.url.split('?')[0]}.`,
    );
    return reply.code(404).type('application/json; charset=utf-8').send(error.toJSON());
  });

  app.get('/api/v1/health', async () => ({ ok: true }));

  await app.register(
    async (api) => {
      api.addHook('onRequest', async (request) => {
        const token = bearerToken(request.headers.authorization);
        if (token === null) {
          throw new ApiError(
            401,
            'unauthorized',
            'This needs a device token: send Authorization: Bearer TOKEN (the server’s ' +
              'administrator makes one with `npm run server -- token create --name NAME`).',
          );
        }
        const tokenSha256 = hashDeviceToken(token);
        const found = await options.tokens.findActiveToken(tokenSha256);
        if (!found) {
          throw new ApiError(
            401,
            'invalid_token',
            'This device token is unknown or revoked: ask the server’s administrator for a new one.',
          );
        }
        request.deviceName = found.name;
        await options.tokens.touchToken(tokenSha256, now()).catch((error: unknown) => {
          request.log.warn({ err: error }, 'could not record token use (read-only disk?)');
        });
      });
      await api.register(surveyRoutes, { surveys: options.surveys, now });
      await api.register(photoRoutes, { surveys: options.surveys, photos: options.photos, now });
      await api.register(exportRoutes, { surveys: options.surveys });
    },
    { prefix: '/api/v1' },
  );

  if (appDir !== null) await registerStaticApp(app, appDir);
  return app;
}

const INVALID_JSON_MESSAGE =
  'The body is not valid JSON, or it holds a __proto__ or constructor.prototype key.';

function toApiError(error: FastifyError | Error): ApiError {
  if (error instanceof ApiError) return error;
  const storage = storageErrorToApiError(error);
  if (storage) return storage;
  const code = (error as FastifyError).code;
  const status = (error as FastifyError).statusCode;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'body_too_large', 'The request body is too large for this route.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(
        415,
        'unsupported_media_type',
        'This route does not take that Content-Type.',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(400, 'invalid_json', INVALID_JSON_MESSAGE);
  }
  if (error instanceof SyntaxError && status === 400) {
    return new ApiError(400, 'invalid_json', INVALID_JSON_MESSAGE, error.message);
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError(status, 'bad_request', error.message);
  }
  return new ApiError(500, 'internal_error', 'The server failed; it is logged. Retry later.', {
    message: error.message,
  });
}
