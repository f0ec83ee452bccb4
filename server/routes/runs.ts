/**
 * Drive runs (issue 13): POST /runs (a batch, idempotent, the surveys' rules), GET /runs (pages
 * by id), GET /runs/:id, POST /runs/check (which of a phone's synced runs the server lacks, e.g.
 * after a restore from a backup). A run's surveys are uploaded as surveys, each with the run's
 * id.
 */
import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import {
  MAX_RUNS_PER_BATCH,
  runRecordSchema,
  type RunCheckResponse,
  type RunRecordWire,
} from '../../src/schema/run';
import { z } from '../../src/schema/zod';
import { ApiError } from '../errors';
import type { RunStore, StoredRun } from '../store/run-store';
import { CHECK_ROUTE_OPTIONS, checkAnswers, idsToLookUp, parseCheckItems } from './record-check';
import { requirePermission } from './permission';
import { storeBatch, type RecordBatch } from './record-batch';
import { parseSurveyIdParam } from './survey-id';

/** A run with 20,000 track points is about 1 MB of JSON; 20 runs fit in 8 MB only when
 * thinned, which the phone does. */
export const RUN_BATCH_BODY_LIMIT = 8 * 1024 * 1024;
export const RUN_LIST_MAX = 500;

/** What the server holds for one run (GET /runs, GET /runs/:id). */
export interface RunServerState {
  id: string;
  revision: number;
  startedAt: string;
  endedAt: string;
  receivedAt: string;
  changedAt: string;
  contentSha256: string;
}

export interface RunListResponse {
  runs: RunServerState[];
  nextAfter: string | null;
}

const listQuerySchema = z.object({
  after: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(RUN_LIST_MAX).optional(),
});

/** POST /runs in the runs' own words; the rules are the surveys' (record-batch.ts). */
const RUN_BATCH: RecordBatch<RunRecordWire> = {
  list: 'runs',
  item: 'run',
  max: MAX_RUNS_PER_BATCH,
  schema: runRecordSchema,
  describeSize: (count) => `A batch holds 1 to ${MAX_RUNS_PER_BATCH} runs; this one has ${count}.`,
  describeInvalid: (error) =>
    error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(run)'}: ${i.message}`)
      .join('; '),
  describeConflict: (_run, conflict) =>
    conflict.why === 'immutable-changed'
      ? `The server holds this run with another ${conflict.fields.join(', ')}; it was not changed.`
      : `The server holds revision ${conflict.storedRevision} of this run with other content; ` +
        'an edit must raise the revision. It was not changed.',
};

export async function runRoutes(app: FastifyInstance, options: { runs: RunStore }) {
  const { runs } = options;

  // A phone's upload, as for surveys: a reviewer's token never uploads a run.
  app.post(
    '/runs',
    { bodyLimit: RUN_BATCH_BODY_LIMIT, onRequest: requirePermission('survey:write') },
    async (request) => {
      const results = await storeBatch(request.body, RUN_BATCH, (prepared) =>
        runs.putRuns(prepared, request.deviceName),
      );
      return { results };
    },
  );

  // The surveys check's rules (limits, errors, the surveyor's permission), without the photo.
  app.post('/runs/check', CHECK_ROUTE_OPTIONS, async (request) => {
    const items = parseCheckItems(request.body, 'runs');
    const holdings = await runs.findHoldings(idsToLookUp(items));
    const response: RunCheckResponse = { results: checkAnswers(items, holdings, () => ({})) };
    return response;
  });

  app.get('/runs', async (request) => {
    const parsed = listQuerySchema.safeParse(request.query);
    if (!parsed.success) {
      throw new ApiError(
        400,
        'invalid_query',
        `Query parameters: after=a run id, limit=1..${RUN_LIST_MAX}.`,
      );
    }
    const limit = parsed.data.limit ?? RUN_LIST_MAX;
    const page = await runs.listRunsById(parsed.data.after ?? null, limit);
    const response: RunListResponse = {
      runs: page.map(toRunState),
      nextAfter: page.length === limit ? page[page.length - 1].id : null,
    };
    return response;
  });

  app.get('/runs/:id', async (request) => {
    const id = parseSurveyIdParam(request.params);
    const stored = await runs.getRun(id);
    if (!stored) throw new ApiError(404, 'run_not_found', `The server has no run ${id}.`);
    return { ...toRunState(stored), run: stored.record satisfies RunRecordWire };
  });
}

/** A run as a GeoJSON feature: its track as a LineString (null geometry under 2 points). */
export function runFeature(stored: StoredRun) {
  const { record } = stored;
  const line = record.track.map(([lon, lat]) => [lon, lat]);
  return {
    type: 'Feature' as const,
    geometry: line.length >= 2 ? { type: 'LineString' as const, coordinates: line } : null,
    properties: {
      id: stored.id,
      startedAt: record.startedAt,
      endedAt: record.endedAt,
      endReason: record.endReason,
      distanceM: record.distanceM,
      framesAnalysed: record.framesAnalysed,
      surveys: record.surveyIds.length,
      surveyIds: record.surveyIds.join(' '),
      model: record.model ? `${record.model.id}@${record.model.version}` : null,
    },
  };
}

/** GET /export/runs.geojson: every run's track, streamed page by page like the survey exports. */
export async function runExportRoutes(app: FastifyInstance, options: { runs: RunStore }) {
  app.get('/export/runs.geojson', async (_request, reply) => {
    const { runs } = options;
    async function* body() {
      yield '{"type":"FeatureCollection","features":[';
      let after: string | null = null;
      let first = true;
      for (;;) {
        const page = await runs.listRunsById(after, 200);
        if (page.length > 0) {
          yield (first ? '' : ',') + page.map((r) => JSON.stringify(runFeature(r))).join(',');
          first = false;
        }
        await new Promise((resolve) => setImmediate(resolve));
        if (page.length < 200) break;
        after = page[page.length - 1].id;
      }
      yield ']}';
    }
    return reply
      .type('application/geo+json; charset=utf-8')
      .header('Content-Disposition', 'attachment; filename="roadcam-runs.geojson"')
      .send(Readable.from(body()));
  });
}

function toRunState(stored: StoredRun): RunServerState {
  return {
    id: stored.id,
    revision: stored.record.revision ?? 1,
    startedAt: stored.record.startedAt,
    endedAt: stored.record.endedAt,
    receivedAt: new Date(stored.receivedAt).toISOString(),
    changedAt: new Date(stored.changedAt).toISOString(),
    contentSha256: stored.contentSha256,
  };
}
