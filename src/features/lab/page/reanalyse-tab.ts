/**
 * The Re-analyse tab: runs of a new pothole model over the stored surveys (in the background,
 * pausable, resumed after a reload) and, for the chosen run, each survey's old verdict beside
 * the new one, disagreements first.
 */
import { html } from 'lit';
import type { SurveyRecord } from '../../../store/survey-record';
import { ThumbnailUrls } from '../../../ui/thumbnail-urls';
import { verdictProbability } from '../../../ui/verdict-probability';
import { ReanalysisRunner } from '../shared/reanalysis-runner';
import type { ReanalysisModelRef } from '../store/lab-db';
import type { ReanalysisResult, ReanalysisRun } from '../store/reanalysis-store';
import './lab-reanalysis';
import type { ResultView, RunView, VerdictView } from './lab-reanalysis';
import type { LabSession, LabStores } from './lab-session';
import type { ModelCatalogue } from './model-catalogue';
import { TabController } from './tab-controller';

/** Redraws of the run list wait this long, so that a fast run does not redraw per photo. */
const REFRESH_DELAY_MS = 250;

export class ReanalyseTab extends TabController {
  private runner: ReanalysisRunner | null = null;
  private runs: ReanalysisRun[] = [];
  private selectedRunId = '';
  private results: ResultView[] = [];
  private disagreementsOnly = false;
  private surveyCount = 0;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  /** One object URL per thumbnail shown; those no longer shown are revoked. */
  private readonly thumbnails = new ThumbnailUrls();

  constructor(
    session: LabSession,
    private readonly catalogue: ModelCatalogue,
  ) {
    super(session);
  }

  /** Once the stores are open: the runner, and the runs a reload interrupted go on. */
  async start(stores: LabStores): Promise<void> {
    const client = this.session.client!;
    this.runner = new ReanalysisRunner({
      store: stores.reanalysis,
      surveys: stores.surveys,
      openModel: async (ref) => {
        try {
          const outcome = await client.openModel(await this.catalogue.sourceOf(ref));
          return outcome.ok ? { ok: true, value: outcome.value.key } : outcome;
        } catch (error) {
          return {
            ok: false,
            error: { source: 'model', code: 'model-missing', message: String(error) },
          };
        }
      },
      closeModel: (key) => client.closeModel(key),
      analyse: (key, jpeg) => client.reanalysePhoto(key, jpeg),
    });
    this.runner.addEventListener('change', () => this.scheduleRefresh());
    await this.refresh();
    void this.runner.resumeAll();
  }

  /**
   * Starts (or finds) the run of this model: 'started', or 'ran-before' when this model (id and
   * version) has its run already; null when the runner is not there.
   */
  async startRun(
    model: ReanalysisRun['model'],
    source: ReanalysisModelRef,
  ): Promise<'started' | 'ran-before' | null> {
    if (!this.runner) return null;
    const { created } = await this.runner.start(model, source);
    return created ? 'started' : 'ran-before';
  }

  override shown(): void {
    void this.refresh();
  }

  override hostConnected(): void {
    // Back in the page after being removed: the thumbnails get fresh URLs.
    if (this.runs.length) void this.refresh();
  }

  hostDisconnected(): void {
    this.thumbnails.clear();
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      // The review table reads every survey: only while it is on screen. The run list is cheap.
      if (!this.session.host.hidden && this.session.tab === 'reanalyse') void this.refresh();
      else
        void this.session.stores?.reanalysis.listRuns().then((runs) => {
          this.runs = runs;
          this.changed();
        });
    }, REFRESH_DELAY_MS);
  }

  private async refresh(): Promise<void> {
    const stores = this.session.stores;
    if (!stores) return;
    try {
      const [runs, surveys] = await Promise.all([
        stores.reanalysis.listRuns(),
        stores.surveys.list(),
      ]);
      this.runs = runs;
      this.surveyCount = surveys.length;
      if (!this.selectedRunId || !runs.some((r) => r.id === this.selectedRunId)) {
        this.selectedRunId = runs[0]?.id ?? '';
      }
      this.results = this.selectedRunId
        ? this.resultViews(await stores.reanalysis.results(this.selectedRunId), surveys)
        : [];
      this.changed();
    } catch (error) {
      this.session.showError(error);
    }
  }

  private resultViews(results: ReanalysisResult[], surveys: SurveyRecord[]): ResultView[] {
    const byId = new Map(surveys.map((s) => [s.id, s]));
    const view = (
      v: { label: string; potholeProbability: number; lowConfidence?: boolean } | null,
      types: string[] | undefined,
    ): VerdictView | null =>
      v
        ? {
            label: v.label,
            probability: verdictProbability(v)!,
            ...(types ? { types, notSure: !!v.lowConfidence } : {}),
          }
        : null;
    const views: ResultView[] = [];
    for (const r of results) {
      const survey = byId.get(r.surveyId);
      if (!survey) continue; // deleted since
      views.push({
        surveyId: r.surveyId,
        createdAt: survey.createdAt,
        thumbnailUrl: this.thumbnails.urlFor(survey.id, survey.thumbnail),
        old: view(r.old.verdict, r.old.typesFound),
        oldModel: r.old.model ? `${r.old.model.id} ${r.old.model.version}` : 'not analysed',
        new: r.new ? view(r.new.verdict, r.new.typesFound) : null,
        error: r.error,
        disagree: r.disagree,
      });
    }
    // The thumbnails of surveys no longer among the results are freed.
    this.thumbnails.keepOnly(views.map((v) => v.surveyId));
    // Disagreements first, then newest first.
    return views.sort(
      (a, b) => Number(b.disagree) - Number(a.disagree) || b.createdAt.localeCompare(a.createdAt),
    );
  }

  private async onRunStart(event: CustomEvent<{ ref: string }>): Promise<void> {
    const runner = this.runner;
    if (!runner) return;
    const [kind, ...rest] = event.detail.ref.split(':');
    const value = rest.join(':');
    try {
      let run: ReanalysisRun;
      if (kind === 'url') {
        const b = this.catalogue.bundled.find((x) => x.manifestUrl === value)?.manifest;
        if (!b) return;
        ({ run } = await runner.start(
          { id: b.id, version: b.version, name: b.name },
          { kind: 'url', manifestUrl: value },
        ));
      } else {
        const k = this.catalogue.kept.find((x) => x.id === value);
        if (!k) return;
        ({ run } = await runner.start(
          { id: k.modelId, version: k.version, name: k.name },
          { kind: 'kept', id: k.id },
        ));
      }
      // The run started is the one the engineer wants to review (the runner's change events
      // refresh the panel).
      this.selectedRunId = run.id;
      if (run.state !== 'running') await runner.resume(run.id);
    } catch (error) {
      this.session.showError(error);
    }
  }

  render() {
    const runs: RunView[] = this.runs.map((r) => ({
      id: r.id,
      modelName: r.model.name,
      version: r.model.version,
      state: r.state,
      done: r.done,
      total: r.total,
      stoppedReason: r.stoppedReason,
    }));
    return html`<lab-reanalysis
      .runs=${runs}
      selectedRunId=${this.selectedRunId}
      .results=${this.results}
      ?disagreementsOnly=${this.disagreementsOnly}
      .models=${this.catalogue.reanalysisChoices()}
      .surveyCount=${this.surveyCount}
      loopError=${this.runner?.lastError ?? ''}
      @run-start=${(e: CustomEvent<{ ref: string }>) => this.onRunStart(e)}
      @run-pause=${(e: CustomEvent<{ id: string }>) => this.runner?.pause(e.detail.id)}
      @run-resume=${(e: CustomEvent<{ id: string }>) => this.runner?.resume(e.detail.id)}
      @run-retry=${() => {
        // The failed reads' message goes with them; a new failure says so again.
        this.session.clearMessages();
        void this.runner?.resumeAll();
      }}
      @run-select=${(e: CustomEvent<{ id: string }>) => {
        this.selectedRunId = e.detail.id;
        void this.refresh();
      }}
      @disagreements-only=${(e: CustomEvent<{ value: boolean }>) => {
        this.disagreementsOnly = e.detail.value;
        this.changed();
      }}
    ></lab-reanalysis>`;
  }
}
