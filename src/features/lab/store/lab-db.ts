/**
 * The lab's own IndexedDB database, `roadcam-lab`: models a model builder kept for offline use,
 * and the re-analysis of stored surveys by a new pothole model (runs and their per-survey
 * results, the old verdict beside the new one). A database of its own rather than new stores in
 * `roadcam`: the survey database's versions belong to the field app and sync, and the lab's
 * data can be wiped without touching a survey. Same rules as schema.ts: migrations in a list,
 * each from `version - 1` to `version`; never edit a released one.
 */
import type { DBSchema, IDBPDatabase } from 'idb';
import type { ModelManifest } from '../../../model/manifest';
import type { SurveyVerdict } from '../../../schema/survey';
import { openMigratedDb, type DbMigration } from '../../../store/migrated-db';
import type { CamGrid } from '../../../store/survey-record';

export const LAB_DB_NAME = 'roadcam-lab';

export interface KeptModelFile {
  name: string;
  blob: Blob;
}

/** A model kept in the browser: its files as picked, and the manifest it was opened with. */
export interface KeptModel {
  id: string;
  manifest: ModelManifest;
  files: KeptModelFile[];
  bytes: number;
  addedAt: string;
}

export type ReanalysisState = 'running' | 'paused' | 'done';

/** Where the runner finds the new model again after a reload. */
export type ReanalysisModelRef =
  { kind: 'kept'; id: string } | { kind: 'url'; manifestUrl: string };

export interface ReanalysisRun {
  id: string;
  /** The new model, as its manifest names it. */
  model: { id: string; version: string; name: string };
  source: ReanalysisModelRef;
  state: ReanalysisState;
  createdAt: string;
  updatedAt: string;
  /** Surveys analysed (with or without an error) and the surveys there were at the last count. */
  done: number;
  total: number;
  /** Why the run stopped by itself (the model could not be loaded...). */
  stoppedReason?: string;
}

export interface VerdictSnapshot {
  verdict: SurveyVerdict | null;
  model: { id: string; version: string } | null;
  /** A road-damage model's analysis: the types it found (absent for a pothole model's). */
  typesFound?: string[];
}

/** One survey in one run: the verdict it had, and the new model's. */
export interface ReanalysisResult {
  runId: string;
  surveyId: string;
  /** The survey's verdict when it was re-analysed (it is not changed by the re-analysis). */
  old: VerdictSnapshot;
  /** Null when the photo could not be analysed (see error). */
  new: {
    verdict: SurveyVerdict;
    probabilities: Record<string, number>;
    cam: CamGrid;
    model: { id: string; version: string };
    /** A road-damage model: the damage types it found (absent for a pothole model). */
    typesFound?: string[];
  } | null;
  error: string | null;
  /**
   * Old and new verdicts (both present) name different labels or, both from road-damage
   * models, different damage types (analysesDisagree).
   */
  disagree: boolean;
  at: string;
}

export interface LabDB extends DBSchema {
  models: { key: string; value: KeptModel; indexes: { 'by-added': string } };
  'reanalysis-runs': { key: string; value: ReanalysisRun; indexes: { 'by-created': string } };
  'reanalysis-results': {
    key: [string, string];
    value: ReanalysisResult;
    indexes: { 'by-run': string };
  };
}

export type LabMigration = DbMigration<LabDB>;

export const LAB_MIGRATIONS: readonly LabMigration[] = [
  {
    version: 1,
    description:
      'models (kept for offline use); reanalysis-runs and reanalysis-results (key [runId, surveyId])',
    migrate(db) {
      db.createObjectStore('models', { keyPath: 'id' }).createIndex('by-added', 'addedAt');
      db.createObjectStore('reanalysis-runs', { keyPath: 'id' }).createIndex(
        'by-created',
        'createdAt',
      );
      db.createObjectStore('reanalysis-results', {
        keyPath: ['runId', 'surveyId'],
      }).createIndex('by-run', 'runId');
    },
  },
];

export const LAB_DB_VERSION = LAB_MIGRATIONS[LAB_MIGRATIONS.length - 1].version;

export async function openLabDb(
  options: { name?: string; version?: number } = {},
): Promise<IDBPDatabase<LabDB>> {
  return openMigratedDb(
    options.name ?? LAB_DB_NAME,
    options.version ?? LAB_DB_VERSION,
    LAB_MIGRATIONS,
    'open the lab’s storage',
  );
}
