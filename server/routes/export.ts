/**
 * Exports for the office's GIS: GeoJSON (RFC 7946) and CSV (RFC 4180).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StoredSurvey, SurveyCursor, SurveyStore } from '../store/survey-store';

export interface ExportRoutesOptions {
  surveys: SurveyStore;
}

/** Reads every survey in pages, so a long export never holds one huge query open. */
async function* allSurveys(surveys: SurveyStore): AsyncGenerator<StoredSurvey> {
  let after: SurveyCursor | null = null;
  for (;;) {
    const page = await surveys.listSurveys({ since: null, after, limit: 500 });
    yield* page;
    if (page.length < 500) return;
    const last = page[page.length - 1];
    after = { changedAt: last.changedAt, id: last.id };
  }
}

function photoUrl(request: FastifyRequest, survey: StoredSurvey): string | null {
  if (survey.photo.storedAt === null) return null;
  return `${request.protocol}://${request.host}/api/v1/surveys/${survey.id}/photo`;
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

export function surveyFeature(survey: StoredSurvey, photo: string | null): GeoJsonFeature | null {
  const { record } = survey;
  if (!record.position) return null;
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
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, quotes doubled.
 * Free text that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a
 * leading apostrophe: notes come from phones, and the office opens the file in Excel.
 */
export function csvField(value: string | number | boolean | null, freeText = false): string {
  if (value === null) return '';
  let text = String(value);
  if (freeText && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

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
    csvField(record.notes, true),
    csvField(modelName(survey), true),
    csvField(photo),
    csvField(new Date(survey.receivedAt).toISOString()),
  ];
  return fields.join(',');
}

export async function exportRoutes(app: FastifyInstance, options: ExportRoutesOptions) {
  const { surveys } = options;

  app.get('/export.geojson', async (request, reply) => {
    const features: GeoJsonFeature[] = [];
    for await (const survey of allSurveys(surveys)) {
      const feature = surveyFeature(survey, photoUrl(request, survey));
      if (feature) features.push(feature);
    }
    reply
      .type('application/geo+json; charset=utf-8')
      .header('Content-Disposition', 'attachment; filename="roadcam-surveys.geojson"');
    return JSON.stringify({ type: 'FeatureCollection', features });
  });

  app.get('/export.csv', async (request, reply) => {
    const lines: string[] = [CSV_COLUMNS.join(',')];
    for await (const survey of allSurveys(surveys)) {
      lines.push(surveyCsvRow(survey, photoUrl(request, survey)));
    }
    reply
      .type('text/csv; charset=utf-8; header=present')
      .header('Content-Disposition', 'attachment; filename="roadcam-surveys.csv"');
    return lines.join('\r\n') + '\r\n';
  });
}
