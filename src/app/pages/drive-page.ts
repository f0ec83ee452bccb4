/**
 * The Drive page (issue 13): the phone on the dashboard or handlebar finds damage as the road
 * goes by. Start opens the rear camera and a run; the count of damages found is large, the live
 * verdict small. The app hidden pauses the run (camera released, run written) and shown again
 * resumes it; after a reload the page offers "Resume run" (same run, same track, damages
 * already recorded not recorded again) or "End run" (ended with all it had). The run ends on
 * Stop or on leaving the page. The work is in src/features/drive; this element renders it and
 * passes the engineer's choices.
 */
import { consume } from '@lit/context';
import { html, LitElement, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import {
  DEFAULT_DRIVE_SETTINGS,
  type DriveSettings,
  type DriveView,
} from '../../features/drive/client/drive-session';
import { endLeftoverRun, settleLeftoverRuns } from '../../features/drive/client/leftover-runs';
import { DriveRunner } from '../../features/drive/client/drive-runner';
import { distanceText, summaryLines, verdictText } from '../../features/drive/shared/drive-text';
import { findingOf } from '../../model/frame-finding';
import { MAX_FPS_LIMIT } from '../../features/drive/shared/frame-scheduler';
import { summariseRun, type RunSummary } from '../../features/drive/shared/run-summary';
import type { RunRecord } from '../../store/run-record';
import { appServicesContext, FollowAppState } from '../app-context';
import { navigateEvent } from '../router';
import type { AppServices } from '../services/app-services';
import { drivePageStyles } from './drive-page.styles';

@customElement('rc-drive-page')
export class RcDrivePage extends LitElement {
  static override styles = drivePageStyles;

  @consume({ context: appServicesContext }) private app!: AppServices;
  private readonly follow = new FollowAppState(this, () => this.app);

  /** Reflected so that tests can wait for a running, then an ended, run. */
  @property({ reflect: true, attribute: 'data-state' }) driveState:
    'idle' | 'unfinished' | 'starting' | 'running' | 'ended' = 'idle';
  @property({ type: Number }) visit = 0;
  @query('video') private video!: HTMLVideoElement;
  @state() private view: DriveView | null = null;
  @state() private settings: DriveSettings = { ...DEFAULT_DRIVE_SETTINGS };
  @state() private problem = '';
  @state() private summary: { run: RunRecord; summary: RunSummary } | null = null;
  /** A run a reload left running, offered for resuming. */
  @state() private unfinished: RunRecord | null = null;
  private runner: DriveRunner | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.onVisibility);
    window.addEventListener('pagehide', this.onPageHide);
    void this.endLeftoverRuns();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.onVisibility);
    window.removeEventListener('pagehide', this.onPageHide);
    // Leaving the page ends the run: the camera belongs to this page.
    void this.stop('stopped');
  }

  private onVisibility = (): void => {
    if (document.visibilityState === 'hidden') void this.runner?.pause();
    else void this.runner?.resume();
  };

  /** A reload or the tab closing: the run is paused and written; the next visit resumes it. */
  private onPageHide = (): void => {
    void this.runner?.pause();
  };

  /**
   * A run a reload left running: the newest recent one is offered for resuming, older or stale
   * ones are ended with what they had (and synced); the last ended run's summary stays shown.
   */
  private async endLeftoverRuns(): Promise<void> {
    const runs = await this.app.runRepository();
    if (!runs) return;
    const { resumable, ended } = await settleLeftoverRuns(runs).catch((error: unknown) => {
      this.app.reportError(error);
      return { resumable: null, ended: [] };
    });
    if (ended.length > 0) {
      // Ending saved the best frames of their open stretches as surveys.
      this.app.recordsChanged();
      void this.app.syncService().then((sync) => sync?.syncNow());
    }
    if (this.runner || this.driveState === 'running' || this.driveState === 'starting') return;
    if (resumable) {
      this.unfinished = resumable;
      this.driveState = 'unfinished';
      return;
    }
    const last = (await runs.list().catch(() => []))[0];
    if (last?.state === 'ended') await this.showSummary(last);
  }

  /** "End run" on a run a reload left: ended with all it had, summarised, synced. */
  private async endUnfinished(): Promise<void> {
    const run = this.unfinished;
    const runs = await this.app.runRepository();
    if (!run || !runs) return;
    try {
      const ended = await endLeftoverRun(runs, run.id, 'reloaded');
      this.unfinished = null;
      this.app.recordsChanged();
      await this.showSummary(ended);
      void this.app.syncService().then((sync) => sync?.syncNow());
    } catch (error) {
      this.app.reportError(error);
    }
  }

  private async start(resume: RunRecord | null = null): Promise<void> {
    this.problem = '';
    this.summary = null;
    this.driveState = 'starting';
    try {
      this.app.startEngine();
      const [runs, status] = await Promise.all([this.app.runRepository(), this.app.reloadModel()]);
      const analysis = this.app.analysis;
      if (!runs || !analysis)
        throw new Error('The survey store or the analysis worker is not available.');
      if (status?.state !== 'ready') {
        throw new Error(
          status?.state === 'failed' ? status.message : 'The road model is not loaded yet.',
        );
      }
      await this.updateComplete;
      this.runner = await DriveRunner.start({
        runs,
        analysis,
        video: this.video,
        settings: resume?.settings ?? this.settings,
        model: { id: status.model.id, version: status.model.version },
        resumeRunId: resume?.id,
        onSurvey: (record) => {
          void this.app.enqueueForSync(record.id);
          this.app.recordsChanged();
        },
        onProblem: (message) => (this.problem = message),
      });
      const session = this.runner.session;
      this.view = session.state;
      session.addEventListener('change', () => (this.view = session.state));
      this.unfinished = null;
      this.driveState = 'running';
      // Hidden while the camera was opening: pause at once.
      if (document.visibilityState === 'hidden') void this.runner.pause();
    } catch (error) {
      this.driveState = resume ? 'unfinished' : 'idle';
      this.app.reportError(error);
    }
  }

  private async stop(reason: 'stopped'): Promise<void> {
    const runner = this.runner;
    if (!runner) return;
    this.runner = null;
    try {
      const run = await runner.stop(reason);
      await this.showSummary(run);
      void this.app.syncService().then((sync) => sync?.syncNow());
    } catch (error) {
      this.app.reportError(error);
    }
  }

  private async showSummary(run: RunRecord): Promise<void> {
    const repo = await this.app.repository();
    const surveys = [];
    for (const id of run.surveyIds) {
      const record = await repo?.get(id);
      if (!record?.verdict) continue;
      const finding = findingOf(record.verdict);
      surveys.push({
        id,
        types: record.typesFound ?? finding.found.map((t) => t.type),
        score: record.verdict.potholeProbability,
        lowConfidence: record.verdict.lowConfidence,
      });
    }
    this.summary = {
      run,
      summary: summariseRun({
        distanceM: run.distanceM,
        startedAt: run.startedAt,
        endedAt: run.endedAt ?? run.updatedAt,
        framesAnalysed: run.framesAnalysed,
        surveys,
      }),
    };
    this.driveState = 'ended';
  }

  private setting(name: keyof DriveSettings, event: Event): void {
    const value = Number((event.target as HTMLInputElement).value);
    if (Number.isFinite(value) && value > 0) this.settings = { ...this.settings, [name]: value };
  }

  private renderRunning() {
    const v = this.view;
    if (!v) return nothing;
    return html`
      <div class="count" data-damages=${v.damages}>${v.damages}</div>
      <div class="count-label">damage${v.damages === 1 ? '' : 's'} found</div>
      <div class="verdict" role="status">${verdictText(v.last)}</div>
      <div class="stats">
        ${distanceText(v.distanceM)} · ${v.framesAnalysed} frames analysed · ${v.framesDropped}
        dropped${v.lastMs === null ? '' : ` · ${Math.round(v.lastMs)} ms per frame`}
      </div>
      ${v.paused ? html`<p class="paused">Paused while the app is in the background.</p>` : nothing}
      ${v.saveError ? html`<p role="alert">Could not save: ${v.saveError}</p>` : nothing}
      <div class="controls">
        <button type="button" class="primary" @click=${() => this.stop('stopped')}>Stop</button>
      </div>
    `;
  }

  private renderIdle() {
    return html`
      <p>
        Mount the phone with the camera on the road ahead and start. Frames are analysed as fast as
        the phone allows; a damage is recorded once per ${this.settings.sameDamageM} m stretch.
      </p>
      <label
        >Frames per second at most
        <input
          type="number"
          min="0.1"
          max=${MAX_FPS_LIMIT}
          step="0.5"
          .value=${String(this.settings.maxFps)}
          @change=${(e: Event) => this.setting('maxFps', e)}
      /></label>
      <label
        >Same damage within (m)
        <input
          type="number"
          min="1"
          max="100"
          .value=${String(this.settings.sameDamageM)}
          @change=${(e: Event) => this.setting('sameDamageM', e)}
      /></label>
      <div class="controls">
        <button
          type="button"
          class="primary"
          ?disabled=${this.driveState === 'starting'}
          @click=${() => this.start()}
        >
          Start drive
        </button>
      </div>
    `;
  }

  private renderUnfinished() {
    const run = this.unfinished;
    if (!run) return nothing;
    return html`<section aria-label="Unfinished run" data-run-id=${run.id}>
      <p>
        A run was interrupted (the app was reloaded or closed): ${distanceText(run.distanceM)},
        ${run.surveyIds.length} damage${run.surveyIds.length === 1 ? '' : 's'} recorded. Resume it
        to carry on the same run, or end it with what it has.
      </p>
      <div class="controls">
        <button type="button" class="primary" @click=${() => this.start(run)}>Resume run</button>
        <button type="button" @click=${() => this.endUnfinished()}>End run</button>
      </div>
    </section>`;
  }

  private renderSummary() {
    if (!this.summary) return nothing;
    const { run, summary } = this.summary;
    return html`<section aria-label="Run summary" data-run-id=${run.id}>
      <h2>Last run</h2>
      <ul>
        ${summaryLines(summary).map((line) => html`<li>${line}</li>`)}
      </ul>
      ${
        summary.toCheck.length
          ? html`<p>Surveys to check:</p>
              <ul>
                ${summary.toCheck.map(
                  (id, i) =>
                    html`<li>
                      <a
                        href="/surveys/${id}"
                        @click=${(e: Event) => {
                          e.preventDefault();
                          this.dispatchEvent(navigateEvent({ name: 'detail', id }));
                        }}
                        >Damage ${i + 1}</a
                      >
                    </li>`,
                )}
              </ul>`
          : nothing
      }
    </section>`;
  }

  override render() {
    const running = this.driveState === 'running' || this.driveState === 'starting';
    return html`
      <h2>Drive</h2>
      <video playsinline muted ?hidden=${!running}></video>
      ${this.problem ? html`<p role="status">${this.problem}</p>` : nothing}
      ${
        running && this.view
          ? this.renderRunning()
          : this.driveState === 'unfinished'
            ? this.renderUnfinished()
            : this.renderIdle()
      }
      ${running ? nothing : this.renderSummary()}
    `;
  }
}
