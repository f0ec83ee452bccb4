/**
 * The office's segment report: every synced survey matched to the nearest road within
 * `max_distance_m` (default 30) and counted per section of `section_m` metres (default 100):
 * JSON (`src/geo/segment-report.ts`'s SegmentReport) or, with `format=csv`, one CSV line per
 * section. `GET /segment-report` reads the road network the server holds (`PUT /roads`, or
 * `npm run server -- roads load FILE`); `POST /segment-report` takes one in its body (GeoJSON
 * LineStrings with a road id and name, as the office keeps it), for a network the server does
 * not hold. Surveys are read page by page, as the exports read them; what is held is one small
 * entry per survey (road, chainage, types found, severity), not the records.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { RoadNetworkError } from '../../src/geo/errors';
import { verdictColumns } from '../../src/geo/export-row';
import { segmentReportCsv } from '../../src/geo/export/segment-report-csv';
import { DEFAULT_MATCH_DISTANCE_M, RoadMatcher } from '../../src/geo/road-matcher';
import { parseRoadNetwork, type RoadNetwork } from '../../src/geo/road-network';
import {
  DEFAULT_SECTION_LENGTH_M,
  segmentReport,
  type ReportSurvey,
} from '../../src/geo/segment-report';
import { ApiError } from '../errors';
import { CurrentRoadMatcher } from '../roads/current-road-matcher';
import type { RoadNetworkStore } from '../store/road-network-store';
import type { SurveyStore } from '../store/survey-store';
import { surveyPages } from './export';

export interface SegmentReportRoutesOptions {
  surveys: SurveyStore;
  /** The server's road network (null: the storage holds none, only POST reports). */
  roads: RoadNetworkStore | null;
}

/** A county's road network as GeoJSON is a few MB; 32 MB leaves room. */
export const ROAD_NETWORK_BODY_LIMIT = 32 * 1024 * 1024;

function numberParam(
  query: Record<string, string | undefined>,
  name: string,
  fallback: number,
  max: number,
): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > max)
    throw new ApiError(
      400,
      'invalid_query',
      `${name} must be a number of metres above 0 and at most ${max} (got "${raw}").`,
    );
  return value;
}

export async function segmentReportRoutes(
  app: FastifyInstance,
  options: SegmentReportRoutesOptions,
) {
  // GeoJSON's own media type is read as the JSON it is.
  app.addContentTypeParser(
    'application/geo+json',
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );

  const surveys = options.surveys;
  const currentRoads = options.roads ? new CurrentRoadMatcher(options.roads) : null;

  app.get('/segment-report', async (request, reply) => {
    const matcher = await currentRoads?.matcher();
    if (!matcher) {
      throw new ApiError(
        404,
        'no_road_network',
        'This server holds no road network: load one (PUT /api/v1/roads, or on the server ' +
          '`npm run server -- roads load FILE`), or POST the network to /api/v1/segment-report.',
      );
    }
    return sendReport(surveys, matcher.network, matcher, request, reply);
  });

  app.post('/segment-report', { bodyLimit: ROAD_NETWORK_BODY_LIMIT }, async (request, reply) => {
    let network;
    try {
      network = parseRoadNetwork(request.body);
    } catch (error) {
      if (error instanceof RoadNetworkError)
        throw new ApiError(400, 'invalid_road_network', error.message);
      throw error;
    }
    return sendReport(surveys, network, new RoadMatcher(network), request, reply);
  });
}

/** The report of every synced survey on `network`, as the query asks (JSON or CSV). */
async function sendReport(
  surveys: SurveyStore,
  network: RoadNetwork,
  matcher: RoadMatcher,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const query = request.query as Record<string, string | undefined>;
  const sectionM = numberParam(query, 'section_m', DEFAULT_SECTION_LENGTH_M, 100_000);
  const maxDistanceM = numberParam(query, 'max_distance_m', DEFAULT_MATCH_DISTANCE_M, 1_000);
  const format = query.format ?? 'json';
  if (format !== 'json' && format !== 'csv')
    throw new ApiError(400, 'invalid_query', `format must be json or csv (got "${format}").`);
  const matched: ReportSurvey[] = [];
  for await (const page of surveyPages(surveys))
    for (const { record } of page) {
      const match = record.position
        ? matcher.match({ lon: record.position.lon, lat: record.position.lat }, maxDistanceM)
        : null;
      matched.push({
        road: match ? { id: match.road.id, chainageM: match.chainageM } : null,
        found: verdictColumns(record).found,
        severity: record.severity,
      });
    }
  const report = segmentReport(network, matched, sectionM);
  if (format === 'json') return report;
  return reply
    .type('text/csv; charset=utf-8; header=present')
    .header('Content-Disposition', 'attachment; filename="roadcam-segment-report.csv"')
    .send(Readable.from(segmentReportCsv(report)));
}
