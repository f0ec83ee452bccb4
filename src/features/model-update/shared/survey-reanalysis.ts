/**
 * Re-analysing stored surveys with a newly installed model: which surveys need it, and the
 * record's new analysis with the old verdict kept in `earlierAnalyses` (the edit raises the
 * revision and is synced like any other, so the server keeps both). The engineer's notes,
 * severity and Right / Wrong are never touched. Pure.
 */
import type { EarlierAnalysis } from '../../../schema/survey';
import { MAX_EARLIER_ANALYSES } from '../../../schema/survey-rules';
import type { SurveyRecord } from '../../../store/survey-record';

/** A model, by its id and version. */
export interface ModelRef {
  id: string;
  version: string;
}

/**
 * At start, a re-analysis a reload cut short (`unfinished`): carried on when its model runs
 * again, forgotten when another model runs (its own run is the engineer's call), kept while no
 * model is ready (a model that failed to load may load at the next start).
 */
export function unfinishedRunAtStart(
  unfinished: ModelRef | null,
  running: ModelRef | null,
): 'resume' | 'forget' | 'wait' | 'none' {
  if (!unfinished) return 'none';
  if (!running) return 'wait';
  return running.id === unfinished.id && running.version === unfinished.version
    ? 'resume'
    : 'forget';
}

/** Surveys not yet analysed by model `version`, oldest first (the order they were taken). */
export function surveysToReanalyse(
  records: readonly SurveyRecord[],
  model: ModelRef,
): SurveyRecord[] {
  return records
    .filter((r) => r.model?.id !== model.id || r.model.version !== model.version)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** The record's history with its current verdict added (the oldest dropped past the limit). */
export function earlierAnalysesOf(record: SurveyRecord, replacedAt: Date): EarlierAnalysis[] {
  const before = record.earlierAnalyses ?? [];
  if (!record.verdict && !record.model) return before; // never analysed: nothing to keep
  const entry: EarlierAnalysis = {
    model: record.model ? { ...record.model } : null,
    verdict: record.verdict ? { ...record.verdict } : null,
    typesFound: [...(record.typesFound ?? [])],
    replacedAt: replacedAt.toISOString(),
  };
  return [...before, entry].slice(-MAX_EARLIER_ANALYSES);
}

export interface ReanalysisTally {
  done: number;
  total: number;
  /** Surveys whose verdict changed (label or types found). */
  changed: number;
  failed: number;
}

/** "12 of 40 surveys analysed again, 3 with a new verdict." */
export function tallyText(t: ReanalysisTally, running: boolean): string {
  const changed = `${t.changed} with a new verdict`;
  const failed = t.failed ? `, ${t.failed} could not be analysed` : '';
  if (t.total === 0) return 'Every stored survey already has this model’s verdict.';
  return running
    ? `Analysing stored surveys again: ${t.done} of ${t.total} (${changed}${failed}).`
    : `${t.done} stored surveys analysed again, ${changed}${failed}. The earlier verdicts are ` +
        'kept with each survey.';
}

/** True when the two analyses disagree on what the photo shows. */
export function verdictChanged(
  before: Pick<SurveyRecord, 'verdict' | 'typesFound'>,
  after: Pick<SurveyRecord, 'verdict' | 'typesFound'>,
): boolean {
  if (before.verdict?.label !== after.verdict?.label) return true;
  const a = [...(before.typesFound ?? [])].sort().join(',');
  const b = [...(after.typesFound ?? [])].sort().join(',');
  return a !== b;
}
