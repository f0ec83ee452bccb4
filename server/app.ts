/**
 * The sync server as a Fastify instance: the API under /api/v1 and, when built, the app.
 * Storage comes in through interfaces (SurveyStore, TokenStore, PhotoStore); nothing here knows
 * which database holds it.
 */
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { MAX_PHOTO_BYTES } from '../src/schema/survey';
import { bodyDeadline, type BodyDeadlineOptions } from './body-deadline';
import { ApiError, storageErrorToApiError } from './errors';
import {
  declaresBody,
  isApiPath,
  pathForLog,
  refuseTokenInQuery,
  refuseUnsupportedEncoding,
} from './request-guards';
import { exportRoutes } from './routes/export';
import { modelRoutes } from './routes/models';
import { segmentReportRoutes } from './routes/segment-report';
import { photoRoutes } from './routes/photos';
import { runExportRoutes, runRoutes } from './routes/runs';
import { reviewRoutes } from './routes/reviews';
import { roadRoutes } from './routes/roads';
import { surveyRoutes } from './routes/surveys';
import { apiHeaders, appPageHeaders, strictTransportSecurity } from './security-headers';
import {
  hasBuiltApp,
  isAppNavigation,
  isOfficeNavigation,
  registerStaticApp,
  sendIndexHtml,
  sendOfficeHtml,
} from './static-app';
import type { ModelFileStore, ModelReleaseStore } from './store/model-store';
import type { PhotoStore } from './store/photo-store';
import type { RoadNetworkStore } from './store/road-network-store';
import type { RunStore } from './store/run-store';
import type { ReviewStore } from './store/review-store';
import type { SurveyStore, TokenStore } from './store/survey-store';
import { INVALID_ID_MESSAGE } from './routes/survey-id';
import { bearerToken, hashDeviceToken, type TokenRole } from './tokens';

declare module 'fastify' {
  interface FastifyRequest {
    /** Name of the token that authenticated the request. */
    deviceName: string;
    /** Its role (surveyor, reviewer, admin): routes check it with requirePermission. */
    tokenRole: TokenRole;
  }
}

export interface ServerOptions {
  surveys: SurveyStore;
  /** Drive runs (issue 13); without it the runs routes are absent (404). */
  runs?: RunStore;
  /** The office's road network (issue 12); without it exports leave road and chainage empty
   * and the roads routes are absent (404). */
  roads?: RoadNetworkStore;
  tokens: TokenStore;
  photos: PhotoStore;
  reviews: ReviewStore;
  models: ModelReleaseStore;
  modelFiles: ModelFileStore;
  /** Checks the database for GET /api/v1/ready. */
  ping?: () => Promise<void>;
  /** The built app to serve (dist/); null or a folder without index.html: API only. */
  appDir: string | null;
  /** Log level of the JSON log on stdout; none: no log. */
  logLevel?: string;
  /** Honour X-Forwarded-* (behind a reverse proxy that terminates TLS). */
  trustProxy?: boolean;
  https?: { key: Buffer; cert: Buffer } | null;
  /** The address people use (https://roadcam.example.org): links in exports start with it. */
  publicUrl?: string | null;
  maxConcurrentExports?: number;
  body?: BodyDeadlineOptions;
}

/** Bodies of routes that do not declare their own limit (JSON batches: 8 MB, photos: 15 MB). */
const DEFAULT_BODY_LIMIT = 64 * 1024;
const DEFAULT_BODY_DEADLINE: BodyDeadlineOptions = {
  idleMs: 15_000,
  graceMs: 30_000,
  minBytesPerSecond: 16 * 1024,
};

function logger(level: string | undefined): FastifyServerOptions['logger'] {
  if (level === undefined) return false;
  return {
    level,
    serializers: {
      // Fastify's own fields, with the query string left out: it may hold a token.
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: pathForLog(request.url),
        host: request.host,
        remoteAddress: request.ip,
      }),
    },
  };
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const body = options.body ?? DEFAULT_BODY_DEADLINE;
  const app = Fastify({
    logger: logger(options.logLevel),
    trustProxy: options.trustProxy ?? false,
    bodyLimit: DEFAULT_BODY_LIMIT,
    // Request head within 20 s; the body has its own deadline (body-deadline.ts); this is the
    // backstop for the slowest body that deadline allows.
    http: {
      headersTimeout: 20_000,
      requestTimeout: Math.ceil(
        body.graceMs + (MAX_PHOTO_BYTES / body.minBytesPerSecond) * 1000 + 60_000,
      ),
    },
    // Errors the router raises before any hook (a too-long or undecodable path) get the same
    // JSON answer and headers as every other error.
    frameworkErrors: (error, request, reply) => {
      const apiError =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new ApiError(400, 'invalid_id', INVALID_ID_MESSAGE)
          : new ApiError(400, 'bad_request', 'The address is not a valid URL path.');
      sendError(request, reply, apiError);
    },
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;

  app.decorateRequest('deviceName', '');
  app.decorateRequest('tokenRole', 'surveyor');
  // Bodies come as JSON (surveys) or JPEG (photos) only: text/plain is a 415 like any other.
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', async (request) => {
    refuseTokenInQuery(request);
    refuseUnsupportedEncoding(request);
    // Only the API takes bodies (and checks the token first): a body anywhere else is refused
    // before it is read.
    if (declaresBody(request) && !isApiPath(request.url)) {
      throw new ApiError(404, 'not_found', 'Nothing here takes a request body.');
    }
  });
  app.addHook('preParsing', bodyDeadline(body));
  app.addHook('onSend', async (request, reply, payload) => {
    securityHeaders(request, reply);
    return payload;
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.statusCode >= 500) {
      request.log.error({ err: error, detail: apiError.detail }, apiError.message);
    } else if (apiError.detail !== undefined) {
      request.log.info({ code: apiError.code, detail: apiError.detail }, apiError.message);
    }
    return sendError(request, reply, apiError);
  });

  const appDir = hasBuiltApp(options.appDir) ? options.appDir : null;

  app.setNotFoundHandler((request, reply) => {
    if (appDir !== null && isAppNavigation(request)) {
      return isOfficeNavigation(request) ? sendOfficeHtml(reply) : sendIndexHtml(reply);
    }
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
      `Nothing at ${request.method} ${request.url.split('?')[0].slice(0, 200)}.`,
    );
    return reply.code(404).type('application/json; charset=utf-8').send(error.toJSON());
  });

  app.get('/api/v1/health', async () => ({ ok: true }));
  // For a balancer's health check: this process answers and reaches its database.
  app.get('/api/v1/ready', async () => {
    await options.ping?.();
    return { ok: true };
  });

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
        request.tokenRole = found.role;
        await options.tokens.touchToken(tokenSha256).catch((error: unknown) => {
          request.log.warn({ err: error }, 'could not record token use (read-only disk?)');
        });
      });
      await api.register(surveyRoutes, { surveys: options.surveys });
      await api.register(photoRoutes, { surveys: options.surveys, photos: options.photos });
      if (options.runs) {
        await api.register(runRoutes, { runs: options.runs });
        await api.register(runExportRoutes, { runs: options.runs });
      }
      await api.register(reviewRoutes, { surveys: options.surveys, reviews: options.reviews });
      await api.register(modelRoutes, { models: options.models, modelFiles: options.modelFiles });
      if (options.roads) await api.register(roadRoutes, { roads: options.roads });
      await api.register(exportRoutes, {
        surveys: options.surveys,
        roads: options.roads ?? null,
        publicUrl: options.publicUrl ?? null,
        maxConcurrent: options.maxConcurrentExports ?? 2,
      });
      await api.register(segmentReportRoutes, {
        surveys: options.surveys,
        roads: options.roads ?? null,
      });
    },
    { prefix: '/api/v1' },
  );

  if (appDir !== null) await registerStaticApp(app, appDir);
  return app;
}

/**
 * Headers by what the request reached: the API's for a path that decodes to /api/...
 * (the router decodes `/%61pi/...` too), the app's for the rest; HSTS on HTTPS.
 */
function securityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  const headers = isApiPath(request.url) ? apiHeaders : appPageHeaders;
  for (const [name, value] of Object.entries(headers)) {
    if (!reply.hasHeader(name)) reply.header(name, value);
  }
  if (request.protocol === 'https') {
    reply.header('Strict-Transport-Security', strictTransportSecurity);
  }
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: ApiError): FastifyReply {
  if (error.statusCode === 401) reply.header('WWW-Authenticate', 'Bearer realm="roadcam"');
  // A body still on its way (refused before it was read, or too slow) is not read to the end:
  // the connection closes with the answer, so nobody can hold it open by trickling bytes.
  if (!request.raw.complete) reply.header('Connection', 'close');
  securityHeaders(request, reply);
  return reply.code(error.statusCode).type('application/json; charset=utf-8').send(error.toJSON());
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
