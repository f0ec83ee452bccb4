/**
 * Exports for the office's GIS: GeoJSON (RFC 7946) and CSV (RFC 4180), streamed.
 *
 * An export reads the database in pages of 500 (by id: an edit does not move a survey, so each
 * survey stored before the export began comes once) and writes each page as it comes, at the
 * pace the client reads (the stream waits while the socket's buffer is full): memory stays at
 * a page, and other requests run between pages. At most `maxConcurrent` exports run at once in
 * a process; more get 429 with Retry-After.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { KNOWN_DAMAGE_TYPES } from '../../src/geo/damage-types';
import { csvField } from '../../src/geo/export/csv';
import { probabilityColumnName } from '../../src/geo/export/columns';
import { verdictColumns } from '../../src/geo/export-row';
import { ApiError } from '../errors';
import type { StoredSurvey, SurveyStore } from '../store/survey-store';

export interface ExportRoutesOptions {
  surveys: SurveyStore;
  /** Base of the photo links; null: links are relative (/api/v1/...), never from Host. */
  publicUrl: string | null;
  maxConcurrent: number;
}

const EXPORT_PAGE = 500;

async function* surveyPages(surveys: SurveyStore): AsyncGenerator<StoredSurvey[]> {
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

function modelName(survey: StoredSurvey): string | null {
  const model = survey.record.model;
  return model ? `${model.id}@${model.version}` : null;
}

export interface GeoJsonFeature {
  type: 'Feature';
  geometry: { type: 'Point'; coordinates: [number, number] };
  properties: Record<string, string | number | boolean | null>;
}

/**
 * The damage columns (issue 10), after the pothole-era ones so that older scripts keep their
 * column positions: the types found (';'-joined: damage types, good_road or not_road), each
 * known type's probability, and the not-a-road score and whether the engineer kept the photo.
 */
export const DAMAGE_COLUMNS = [
  'found',
  ...KNOWN_DAMAGE_TYPES.map(probabilityColumnName),
  'not_road_score',
  'not_road_kept',
] as const;

function damageFields(survey: StoredSurvey): (string | number | boolean | null)[] {
  const v = verdictColumns(survey.record);
  const p = (type: string) => v.probabilities.find((x) => x.type === type)?.probability ?? null;
  return [
    v.found.join(';') || null,
    ...KNOWN_DAMAGE_TYPES.map(p),
    v.notRoadScore,
    survey.record.damage?.notRoad?.kept ?? null,
  ];
}

export function surveyFeature(survey: StoredSurvey, photo: string | null): GeoJsonFeature | null {
  const { record } = survey;
  if (!record.position) return null;
  const fields = damageFields(survey);
  const damage = Object.fromEntries(DAMAGE_COLUMNS.map((name, i) => [name, fields[i]]));
  return {
    type: 'Feature',
    // RFC 7946 section 3.1.1: longitude first, then latitude, WGS 84.
    geometry: { type: 'Point', coordinates: [record.position.lon, record.position.lat] },
    properties: {
      id: survey.id,
      time: record.createdAt,
      verdict: record.verdict?.label ?? null,
      /** Probability of a pothole, 0..1. */
      probability: record.verdict?.potholeProbability ?? null,
      lowConfidence: record.verdict?.lowConfidence ?? null,
      severity: record.severity,
      notes: record.notes,
      model: modelName(survey),
      photoUrl: photo,
      accuracyM: record.position.accuracyM,
      positionSource: record.position.source,
      ...damage,
    },
  };
}

export const CSV_COLUMNS = [
  'id',
  'time',
  'lat',
  'lon',
  'accuracy_m',
  'position_source',
  'verdict',
  'probability',
  'low_confidence',
  'severity',
  'notes',
  'model',
  'photo_url',
  'received_at',
  ...DAMAGE_COLUMNS,
] as const;

/**
 * One CSV field (RFC 4180), from the location core's export writers: quoted when it holds a
 * comma, quote, CR or LF; text a spreadsheet would run as a formula (= + - @, their full-width
 * forms, or leading white space) gets a leading apostrophe; NUL characters are dropped.
 */
export { csvField };

export function surveyCsvRow(survey: StoredSurvey, photo: string | null): string {
  const { record } = survey;
  const fields = [
    csvField(survey.id),
    csvField(record.createdAt),
    csvField(record.position?.lat ?? null),
    csvField(record.position?.lon ?? null),
    csvField(record.position?.accuracyM ?? null),
    csvField(record.position?.source ?? null),
    csvField(record.verdict?.label ?? null),
    csvField(record.verdict?.potholeProbability ?? null),
    csvField(record.verdict?.lowConfidence ?? null),
    csvField(record.severity),
    csvField(record.notes),
    csvField(modelName(survey)),
    csvField(photo),
    csvField(new Date(survey.receivedAt).toISOString()),
    ...damageFields(survey).map(csvField),
  ];
  return fields.join(',');
}

function download(reply: FastifyReply, type: string, fileName: string): FastifyReply {
  return reply.type(type).header('Content-Disposition', `attachment; filename="${fileName}"`);
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

  app.get('/export.geojson', async (_request, reply) => {
    admit(reply);
    async function* body() {
      yield '{"type":"FeatureCollection","features":[';
      let first = true;
      for await (const page of surveyPages(surveys)) {
        const features = page
          .map((survey) => surveyFeature(survey, photoUrl(publicUrl, survey)))
          .filter((feature) => feature !== null)
          .map((feature) => JSON.stringify(feature));
        if (features.length === 0) continue;
        yield (first ? '' : ',') + features.join(',');
        first = false;
      }
      yield ']}';
    }
    return download(reply, 'application/geo+json; charset=utf-8', 'roadcam-surveys.geojson').send(
      Readable.from(body()),
    );
  });

  app.get('/export.csv', async (_request, reply) => {
    admit(reply);
    async function* body() {
      yield CSV_COLUMNS.join(',') + '\r\n';
      for await (const page of surveyPages(surveys)) {
        yield page
          .map((survey) => surveyCsvRow(survey, photoUrl(publicUrl, survey)) + '\r\n')
          .join('');
      }
    }
    return download(reply, 'text/csv; charset=utf-8; header=present', 'roadcam-surveys.csv').send(
      Readable.from(body()),
    );
  });
}
