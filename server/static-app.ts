/**
 * Serves the built app (dist/) on the same origin as the API, so one process gives a team the
 * app and its sync endpoint. Headers come from security-headers.ts (server/app.ts adds them to
 * every response); this module only decides caching and the navigation fallback.
 */
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { cacheControl } from './security-headers';

/** Vite writes content-hashed files under /assets/ only; everything else keeps its name. */
export function cacheControlFor(urlPath: string): string {
  return urlPath.startsWith('/assets/') ? cacheControl.hashedAsset : cacheControl.revalidate;
}

export function hasBuiltApp(appDir: string | null): appDir is string {
  return appDir !== null && existsSync(path.join(appDir, 'index.html'));
}

export async function registerStaticApp(app: FastifyInstance, appDir: string): Promise<void> {
  const root = path.resolve(appDir);
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    // Our own Cache-Control (cacheControlFor), set in setHeaders below.
    cacheControl: false,
    dotfiles: 'ignore',
    index: ['index.html'],
    setHeaders: (response, filePath) => {
      const urlPath = '/' + path.relative(root, filePath).split(path.sep).join('/');
      response.setHeader('Cache-Control', cacheControlFor(urlPath));
    },
  });
}

/**
 * A navigation to an app route (/surveys/123, /settings) gets index.html: the app's router
 * takes it from there. Asset requests that miss (a file name with a dot) stay 404.
 */
export function isAppNavigation(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const urlPath = request.url.split('?')[0];
  if (urlPath.startsWith('/api/')) return false;
  if (path.posix.basename(urlPath).includes('.')) return false;
  return (request.headers.accept ?? '').includes('text/html');
}

/** /office and below: the office's page (office.html), not the field app. */
export function isOfficeNavigation(request: FastifyRequest): boolean {
  return /^\/office(\/|$)/.test(request.url.split('?')[0]);
}

export function sendOfficeHtml(reply: FastifyReply): FastifyReply {
  return reply.header('Cache-Control', cacheControl.revalidate).sendFile('office.html');
}

export function sendIndexHtml(reply: FastifyReply): FastifyReply {
  return reply.header('Cache-Control', cacheControl.revalidate).sendFile('index.html');
}
