/**
 * Exports for the office's GIS: GeoJSON (RFC 7946), CSV (RFC 4180), KML 2.2 and GeoPackage
 * 1.3, all written by the location core's writers (src/geo/export): one definition of each
 * format for the phone and the server, with the columns of docs/MAP.md ("Exports").
 *
 * An export reads the database in pages of 500 (by id: an edit does not move a survey, so each
 * survey stored before the export began comes once) and writes each page as it comes, at the
 * pace the client reads (the stream waits while the socket's buffer is full): memory stays at
 * a page, and other requests run between pages. A GeoPackage is a database file, so it is
 * written to a temporary file first (page by page, in transactions) and streamed when complete.
 * At most `maxConcurrent` exports run at once in a process; more get 429 with Retry-After.
 * With a road network loaded (`roads load`, PUT /roads) each survey gets its road id, road name
 * and chainage from the phone's matcher; the network is parsed once, not per export.
 */
import Database from 'better-sqlite3';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { exportRowFromSurvey, type ExportRow } from '../../src/geo/export-row';
import {
  betterSqlite3Executor,
  csvChunks,
  EXPORT_FORMATS,
  geoJsonChunks,
  kmlChunks,
  writeGeoPackage,
} from '../../src/geo/export';
import type { RoadMatcher } from '../../src/geo/road-matcher';
import { ApiError } from '../errors';
import { CurrentRoadMatcher } from '../roads/current-road-matcher';
import type { RoadNetworkStore } from '../store/road-network-store';
import type { StoredSurvey, SurveyStore } from '../store/survey-store';

export interface ExportRoutesOptions {
  surveys: SurveyStore;
  /** The office's road network: each survey gets its road and chainage (null: left empty). */
  roads: RoadNetworkStore | null;
  /** Base of the photo links; null: links are relative (/api/v1/...), never from Host. */
  publicUrl: string | null;
  maxConcurrent: number;
}

const EXPORT_PAGE = 500;
const FILE_NAME = 'roadcam-surveys';

export async function* surveyPages(surveys: SurveyStore): AsyncGenerator<StoredSurvey[]> {
  let after: string | null = null;
  for (;;) {
    const page = await surveys.listSurveysById(after, EXPORT_PAGE);
    yield page;
    // A synchronous store (SQLite) answers without giving up the event loop: wait a turn, so
    // that other requests (and /health) are served between pages.
    await new Promise((resolve) => setImmediate(resolve));
    if (page.length < EXPORT_PAGE) return;
    after = page[page.length - 1].id;
  }
}

/**
 * The Host header is whatever the client typed (or forged): copied into links, it would send
 * the office to another server with its token. Links are absolute only under a configured
 * public URL.
 */
function photoUrl(publicUrl: string | null, survey: StoredSurvey): string | null {
  if (survey.photo.storedAt === null) return null;
  return `${publicUrl ?? ''}/api/v1/surveys/${survey.id}/photo`;
}

/**
 * Every stored survey as an export row, page by page, matched to the nearest road of the
 * office's network (the phone's matcher and default distance, src/geo/road-matcher.ts).
 */
export async function* exportRows(
  surveys: SurveyStore,
  publicUrl: string | null,
  roads: RoadMatcher | null = null,
): AsyncGenerator<ExportRow> {
  for await (const page of surveyPages(surveys))
    for (const survey of page) {
      const { position } = survey.record;
      yield exportRowFromSurvey(survey.record, {
        photoUrl: photoUrl(publicUrl, survey),
        receivedAt: new Date(survey.receivedAt).toISOString(),
        road: roads && position ? roads.match({ lon: position.lon, lat: position.lat }) : null,
      });
    }
}

function download(reply: FastifyReply, type: string, fileName: string): FastifyReply {
  return reply.type(type).header('Content-Disposition', `attachment; filename="${fileName}"`);
}

/** The GeoPackage in a temporary file, deleted once sent (or when the client goes away). */
async function geoPackageFile(rows: AsyncIterable<ExportRow>): Promise<{
  file: string;
  remove(): void;
}> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'roadcam-gpkg-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const file = path.join(dir, `${FILE_NAME}.gpkg`);
  try {
    const db = new Database(file);
    try {
      await writeGeoPackage(rows, betterSqlite3Executor(db));
    } finally {
      db.close();
    }
    return { file, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

export async function exportRoutes(app: FastifyInstance, options: ExportRoutesOptions) {
  const { surveys, publicUrl } = options;
  let running = 0;

  /** Counts the export from here until its answer is sent or the client goes away. */
  function admit(reply: FastifyReply): void {
    if (running >= options.maxConcurrent) {
      reply.header('Retry-After', '30');
      throw new ApiError(
        429,
        'too_many_exports',
        `${running} exports are running on this server; try again in a minute.`,
      );
    }
    running++;
    let counted = true;
    reply.raw.once('close', () => {
      if (counted) running--;
      counted = false;
    });
  }

  const currentRoads = options.roads ? new CurrentRoadMatcher(options.roads) : null;
  // The network is read before the answer starts: a broken one is an error, not a cut file.
  const rows = async () => exportRows(surveys, publicUrl, (await currentRoads?.matcher()) ?? null);

  app.get('/export.geojson', async (_request, reply) => {
    admit(reply);
    return download(reply, 'application/geo+json; charset=utf-8', `${FILE_NAME}.geojson`).send(
      Readable.from(geoJsonChunks(await rows())),
    );
  });

  app.get('/export.csv', async (_request, reply) => {
    admit(reply);
    return download(reply, EXPORT_FORMATS.csv.mime, `${FILE_NAME}.csv`).send(
      Readable.from(csvChunks(await rows())),
    );
  });

  app.get('/export.kml', async (_request, reply) => {
    admit(reply);
    return download(reply, `${EXPORT_FORMATS.kml.mime}; charset=utf-8`, `${FILE_NAME}.kml`).send(
      Readable.from(kmlChunks(await rows())),
    );
  });

  app.get('/export.gpkg', async (_request, reply) => {
    admit(reply);
    const { file, remove } = await geoPackageFile(await rows());
    // A client gone while the file was written has already closed its answer.
    if (reply.raw.destroyed || reply.raw.socket?.destroyed) {
      remove();
      return reply;
    }
    reply.raw.once('close', remove);
    return download(reply, EXPORT_FORMATS.gpkg.mime, `${FILE_NAME}.gpkg`).send(
      createReadStream(file),
    );
  });
}
