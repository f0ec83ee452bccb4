/**
 * The office's road network over HTTP: PUT /api/v1/roads (a reviewer or an admin; GeoJSON, the
 * file's name in `?name=`) replaces it after checking it with the phone's parser; GET
 * /api/v1/roads gives it back as loaded (any token: phones may match against it too), and GET
 * /api/v1/roads/info its name, road count and when it was loaded. The exports fill road id,
 * road name and chainage from it.
 */
import type { FastifyInstance } from 'fastify';
import { RoadNetworkError } from '../../src/geo/errors';
import { ApiError } from '../errors';
import { loadRoadNetwork } from '../roads/road-network-load';
import type { RoadNetworkStore } from '../store/road-network-store';
import { requirePermission } from './permission';
import { ROAD_NETWORK_BODY_LIMIT } from './segment-report';

// eslint-disable-next-line no-control-regex -- a file name must not hold control characters
const NAME_PATTERN = /^[^\u0000-\u001f/\\]{1,120}$/;

export async function roadRoutes(app: FastifyInstance, options: { roads: RoadNetworkStore }) {
  const { roads } = options;
  // The text as sent: it is stored as loaded, and parsed by the road network's own parser.
  // (Only in this plugin: the other routes keep Fastify's JSON parser.)
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    ['application/geo+json', 'application/json'],
    { parseAs: 'string', bodyLimit: ROAD_NETWORK_BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );

  app.put(
    '/roads',
    { bodyLimit: ROAD_NETWORK_BODY_LIMIT, onRequest: requirePermission('review:write') },
    async (request) => {
      const query = request.query as { name?: string };
      const name = query.name ?? 'roads.geojson';
      if (!NAME_PATTERN.test(name))
        throw new ApiError(
          400,
          'invalid_query',
          'name must be a file name of 1 to 120 characters, without slashes.',
        );
      if (typeof request.body !== 'string')
        throw new ApiError(
          415,
          'unsupported_media_type',
          'Send the road network as GeoJSON (Content-Type: application/geo+json).',
        );
      try {
        const { info } = await loadRoadNetwork(roads, request.body, name, request.deviceName);
        return { ...info, loadedAt: new Date(info.loadedAt).toISOString() };
      } catch (error) {
        if (error instanceof RoadNetworkError)
          throw new ApiError(400, 'invalid_road_network', error.message);
        throw error;
      }
    },
  );

  app.get('/roads/info', async () => {
    const info = await roads.roadNetworkInfo();
    if (!info)
      throw new ApiError(404, 'no_road_network', 'No road network is loaded on this server.');
    return { ...info, loadedAt: new Date(info.loadedAt).toISOString() };
  });

  app.get('/roads', async (_request, reply) => {
    const stored = await roads.roadNetwork();
    if (!stored)
      throw new ApiError(404, 'no_road_network', 'No road network is loaded on this server.');
    return reply.type('application/geo+json; charset=utf-8').send(stored.geojson);
  });
}
