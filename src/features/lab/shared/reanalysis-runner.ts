/**
 * Re-analysis in the background: a new road model (pothole or road damage) run over the stored
 * surveys, one photo at a time in the lab worker, each result saved beside the survey's old
 * verdict as soon as it is known. Pausable; the state is in IndexedDB (ReanalysisStore), so a
 * reload resumes where the run stopped and a survey is never analysed twice by one run. Surveys
 * are only read.
 */
import type { SurveyRecord } from '../../../store/survey-record';
import type {
  ReanalysisModelRef,
  ReanalysisResult,
  ReanalysisRun,
  ReanalysisStore,
} from '../store/reanalysis-store';
import type { Outcome, ReanalysisVerdict } from './lab-protocol';

export interface SurveySource {
  /** Newest first, as SurveyRepository.list gives them. */
  list(): Promise<SurveyRecord[]>;
  getPhoto(id: string): Promise<Blob | undefined>;
}

export interface ReanalysisDeps {
  store: ReanalysisStore;
  surveys: SurveySource;
  /** Loads the run's model in the worker; the key it answers is passed to `analyse`. */
  openModel(source: ReanalysisModelRef): Promise<Outcome<string>>;
  closeModel(key: string): Promise<void>;
  analyse(modelKey: string, jpeg: Blob): Promise<Outcome<ReanalysisVerdict>>;
  /** Pause between photos, so that the page and the field worker keep their share of the CPU
   * on a phone (default 50 ms). */
  gapMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One analysis of a photo: its verdict label, and the damage types a road-damage model found. */
export interface AnalysisSummary {
  label: string;
  types?: readonly string[];
}

/**
 * Whether two analyses of a photo disagree: their labels differ, or, when both come from
 * road-damage models, the damage types they found. A pothole model sees no cracks or patches,
 * so against one only the label (pothole, good road...) is compared.
 */
export function analysesDisagree(old: AnalysisSummary, next: AnalysisSummary): boolean {
  if (old.label !== next.label) return true;
  if (!old.types || !next.types) return false;
  return [...old.types].sort().join(',') !== [...next.types].sort().join(',');
}

export class ReanalysisRunner extends EventTarget {
  private looping: Promise<void> | null = null;
  private readonly pauseRequested = new Set<string>();
  /** Why the loop stopped last, when it failed (the Re-analyse panel shows it); null once it
   * runs again. */
  lastError: string | null = null;

  constructor(private readonly deps: ReanalysisDeps) {
    super();
  }

  private changed(): void {
    this.dispatchEvent(new Event('change'));
  }

  /** Starts (or, after a reload, resumes) every run in state 'running', oldest first. */
  resumeAll(): Promise<void> {
    this.looping ??= this.loop().finally(() => {
      this.looping = null;
    });
    return this.looping;
  }

  /**
   * The run of this model: created and started when new (`created`); an existing run is left
   * as it is.
   */
  async start(
    model: ReanalysisRun['model'],
    source: ReanalysisModelRef,
  ): Promise<{ run: ReanalysisRun; created: boolean }> {
    const started = await this.deps.store.runFor(model, source);
    this.changed();
    void this.resumeAll();
    return started;
  }

  /** The photo being analysed finishes; the run stops after it, and stays paused after a
   * reload. */
  async pause(runId: string): Promise<void> {
    // Saved first: once the loop sees the flag it re-reads the runs, and must find it paused.
    await this.deps.store.updateRun(runId, { state: 'paused' });
    this.pauseRequested.add(runId);
    this.changed();
  }

  async resume(runId: string): Promise<void> {
    this.pauseRequested.delete(runId);
    await this.deps.store.updateRun(runId, { state: 'running' });
    this.changed();
    void this.resumeAll();
  }

  /** Waits until no run is being processed (tests, and before closing the page's services). */
  async idle(): Promise<void> {
    while (this.looping) await this.looping;
  }

  private async loop(): Promise<void> {
    if (this.lastError !== null) {
      this.lastError = null;
      this.changed();
    }
    try {
      for (;;) {
        const runs = await this.deps.store.listRuns();
        const next = [...runs].reverse().find((r) => r.state === 'running');
        if (!next) return;
        await this.process(next);
      }
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      this.changed();
    }
  }

  private async process(run: ReanalysisRun): Promise<void> {
    const { store, surveys } = this.deps;
    const opened = await this.deps.openModel(run.source);
    if (!opened.ok) {
      await store.updateRun(run.id, {
        state: 'paused',
        stoppedReason: `The new model could not be loaded: ${opened.error.message}`,
      });
      this.changed();
      return;
    }
    const key = opened.value;
    try {
      for (;;) {
        // Oldest first: the order the engineer took them in.
        const all = (await surveys.list()).reverse();
        const done = await store.doneSurveyIds(run.id);
        const todo = all.filter((s) => !done.has(s.id));
        await store.updateRun(run.id, {
          total: all.length,
          done: all.length - todo.length,
        });
        this.changed();
        if (todo.length === 0) {
          await store.updateRun(run.id, { state: 'done' });
          this.changed();
          return;
        }
        for (const survey of todo) {
          if (this.pauseRequested.has(run.id)) return;
          await store.saveResult(await this.analyse(run, key, survey));
          this.changed();
          await sleep(this.deps.gapMs ?? 50);
        }
        // Surveys taken meanwhile are picked up by the next pass.
      }
    } finally {
      this.pauseRequested.delete(run.id);
      await this.deps.closeModel(key);
    }
  }

  private async analyse(
    run: ReanalysisRun,
    key: string,
    survey: SurveyRecord,
  ): Promise<ReanalysisResult> {
    const base = {
      runId: run.id,
      surveyId: survey.id,
      old: {
        verdict: survey.verdict,
        model: survey.model,
        ...(survey.damage ? { typesFound: [...(survey.typesFound ?? [])] } : {}),
      },
      at: new Date().toISOString(),
    };
    const jpeg = await this.deps.surveys.getPhoto(survey.id);
    if (!jpeg) {
      return { ...base, new: null, error: 'The photo of this survey is missing.', disagree: false };
    }
    const outcome = await this.deps.analyse(key, jpeg);
    if (!outcome.ok) return { ...base, new: null, error: outcome.error.message, disagree: false };
    const next = outcome.value;
    return {
      ...base,
      new: next,
      error: null,
      disagree:
        !!survey.verdict &&
        analysesDisagree(
          { label: survey.verdict.label, types: base.old.typesFound },
          { label: next.verdict.label, types: next.typesFound },
        ),
    };
  }
}
