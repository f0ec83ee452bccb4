/**
 * The survey page: choose or take a photo; the verdict and heatmap appear as soon as the worker
 * answers, and the survey is saved at once; the engineer can answer Right / Wrong under it
 * (features/correction). The photo's result stays shown while the engineer visits other pages
 * (the shell keeps the page), until the next photo or its survey is deleted.
 * Marks the `roadcam:*` user timings of one photo that the app benchmark reads, and measures
 * its stages (services/photo-timings.ts).
 */
import { consume } from '@lit/context';
import { html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { keyed } from 'lit/directives/keyed.js';
import '../../components/rc-camera';
import '../../components/rc-capture';
import '../../components/rc-damage-types';
import '../../components/rc-explanation';
import '../../components/rc-not-road';
import '../../features/correction/client/rc-correction';
import { answerSavedText, saveAnswer } from '../../features/correction/client/save-answer';
import { labelChoices } from '../../features/correction/shared/correction-draft';
import type { SurveyCorrection } from '../../schema/survey';
import type { SurveyRecord } from '../../store/survey-record';
import { FIELD_CAM_METHODS, isFieldCamMethod } from '../../ui/cam-methods';
import { engineText } from '../../ui/engine-text';
import type { ShownError } from '../../ui/shown-error';
import { appServicesContext, FollowAppState } from '../app-context';
import type { AppServices } from '../services/app-services';
import type { SurveyOutcome, SurveyService } from '../services/survey-service';
import { clearPhotoStages, measureAnswerStages, measureStage } from '../services/photo-timings';
import { modelStatusLine } from '../views/model-text';
import {
  adjustmentsNotice,
  heatmapOf,
  savedNotice,
  shownResult,
  withExplanation,
  withNotRoadKept,
  withType,
  withTypeHeatmap,
  type ShownResult,
} from '../views/survey-result';
import { surveyPageStyles } from './survey-page.styles';

const PHOTO_MARKS = [
  'roadcam:photo-chosen',
  'roadcam:verdict-shown',
  'roadcam:heatmap-shown',
  'roadcam:saved',
];

@customElement('rc-survey-page')
export class RcSurveyPage extends LitElement {
  static override styles = surveyPageStyles;

  @consume({ context: appServicesContext }) private app!: AppServices;
  private readonly follow = new FollowAppState(
    this,
    () => this.app,
    () => void this.rereadSaved(),
  );

  /** Counts photos chosen; on the element, so that tests know the page has taken the next one. */
  @property({ type: Number, reflect: true, attribute: 'data-photos-chosen' }) photosChosen = 0;
  @state() private result: ShownResult | null = null;
  @state() private busy = false;
  @state() private explaining = false;
  @state() private cameraOpen = false;
  /** The shown result's survey as saved (for its Right / Wrong); null until saved. */
  @state() private saved: SurveyRecord | null = null;
  @state() private savingAnswer = false;
  /** A not-a-road photo held, unsaved, until the engineer keeps it anyway. */
  private held: { draft: SurveyRecord; jpeg: Blob } | null = null;
  /** The damage type last tapped (its heatmap may still be being drawn). */
  private typeAsked: string | null = null;
  /** When the worker's answer for the current photo reached the page (for the stage timings). */
  private answeredAt: number | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    // Back on this page: the answer may have changed on the survey's detail page meanwhile.
    void this.rereadSaved();
  }

  /** The shown survey as it is stored now (its answer, its revision). */
  private async rereadSaved(): Promise<void> {
    const id = this.saved?.id;
    if (!id || !this.app) return;
    const record = await (await this.app.repository())?.get(id);
    if (this.saved?.id === id) this.saved = record ?? null;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // The camera belongs to this page: leaving the page closes it.
    this.cameraOpen = false;
  }

  /** The result on screen, unless its survey was deleted since. */
  private shown(): ShownResult | null {
    return this.result && !this.app.wasDeleted(this.result.recordId) ? this.result : null;
  }

  private async onPhotoChosen(event: CustomEvent<{ file: Blob }>): Promise<void> {
    for (const mark of PHOTO_MARKS) performance.clearMarks(mark);
    clearPhotoStages();
    const chosenAt = performance.mark('roadcam:photo-chosen').startTime;
    this.answeredAt = null;
    // The photo goes to the worker first (at once when the store is open), then the page
    // re-renders while the worker works, not before it starts.
    const surveying = this.startSurvey(event.detail.file, chosenAt);
    this.app.clearMessages();
    // The last result goes: a verdict must never be read as the answer for the new photo.
    this.result = null;
    this.saved = null;
    this.held = null;
    this.photosChosen += 1;
    this.busy = true;
    this.cameraOpen = false;
    try {
      const outcome = await surveying;
      if (!outcome) return;
      if (!outcome.ok) {
        // The verdict may be on screen already (the JPEG comes after it): nothing was saved, so
        // nothing is shown as if it were.
        this.result = null;
        return this.app.reportError(outcome.error);
      }
      // (Set in the onAnalysed callback above, which TypeScript's narrowing cannot see.)
      const shown = this.result as ShownResult | null;
      const jpeg = outcome.kept.jpeg;
      if (shown) this.result = { ...shown, jpeg };
      if (shown && outcome.kept.photo.width > shown.photo.width) {
        void this.showKeptPhoto(shown.photo, jpeg);
      }
      if (outcome.held) {
        this.held = { draft: outcome.draft, jpeg };
        return;
      }
      if (outcome.saveError) return this.app.reportError(outcome.saveError);
      performance.mark('roadcam:saved');
      if (shown) this.result = { ...shown, jpeg, recordId: outcome.draft.id };
      await this.afterSave(outcome.draft);
    } catch (error) {
      this.app.reportError({
        message: 'Something went wrong with this photo. Try again.',
        detail: String(error),
      });
    } finally {
      this.busy = false;
    }
  }

  /**
   * A large photo was analysed from its preview: the photo as kept replaces it on screen once
   * decoded (off the main thread, after the answer), so that zooming in shows its detail. The
   * analysed photo stays the result's identity.
   */
  private async showKeptPhoto(analysed: ImageBitmap, jpeg: Blob): Promise<void> {
    let kept: ImageBitmap;
    try {
      kept = await createImageBitmap(jpeg);
    } catch {
      return; // The preview stays shown; the photo is stored either way.
    }
    if (this.result?.photo === analysed) this.result = { ...this.result, keptPhoto: kept };
    else kept.close();
  }

  private async afterSave(record: SurveyRecord): Promise<void> {
    this.saved = record;
    void this.app.enqueueForSync(record.id);
    this.app.notify(savedNotice(this.app.state.notice, record));
    await this.app.persistAfterFirstSave();
    void this.app.refreshStorage();
    this.app.recordsChanged();
  }

  private async onKeepNotRoad(): Promise<void> {
    const held = this.held;
    if (!held) return;
    this.busy = true;
    try {
      const s = await this.app.surveys();
      if (!s) return;
      const kept = await s.service.keep(held.draft, held.jpeg);
      if (kept.saveError) return this.app.reportError(kept.saveError);
      this.held = null;
      if (this.result) this.result = withNotRoadKept(this.result, kept.record.id);
      await this.afterSave(kept.record);
    } finally {
      this.busy = false;
    }
  }

  private onDiscardNotRoad(): void {
    this.held = null;
    this.result = null;
    this.app.notify('Photo discarded: nothing was saved.');
  }

  /** Runs the survey of a photo; null when the store is shut. */
  private startSurvey(file: Blob, chosenAt: number): Promise<SurveyOutcome | null> {
    const method = this.app.state.method;
    const run = (s: { service: SurveyService }) =>
      s.service.survey(file, method, (analysis) => {
        this.answeredAt = performance.now();
        measureAnswerStages(analysis.timings.stages, chosenAt, this.answeredAt);
        this.result = shownResult(analysis, method);
        const adjusted = adjustmentsNotice(analysis.adjustments);
        if (adjusted) this.app.notify(adjusted);
        // Saving waits for this: the verdict and heatmap are drawn first.
        return this.markWhenShown('roadcam:verdict-shown');
      });
    const open = this.app.openSurveys();
    return open ? run(open) : this.app.surveys().then((s) => (s ? run(s) : null));
  }

  /** The frame after the result view has rendered (user timing for the app benchmark). */
  private async markWhenShown(name: string): Promise<void> {
    await this.updateComplete;
    await this.renderRoot.querySelector('rc-explanation')?.updateComplete;
    await new Promise<void>((resolve) =>
      requestAnimationFrame(() => {
        performance.mark(name);
        resolve();
      }),
    );
  }

  private onHeatmapDrawn(event: Event): void {
    const heatmap = event.composedPath()[0] as HTMLElement & { heatmap: ImageBitmap | null };
    if (heatmap.heatmap && performance.getEntriesByName('roadcam:heatmap-shown').length === 0) {
      const drawnAt = performance.now();
      const answeredAt = this.answeredAt;
      if (answeredAt !== null) measureStage('render and draw', answeredAt, drawnAt);
      this.answeredAt = null;
      requestAnimationFrame(() => {
        const shown = performance.mark('roadcam:heatmap-shown').startTime;
        if (answeredAt !== null) measureStage('until the next frame', drawnAt, shown);
      });
    }
  }

  /** Another damage type's heatmap; drawn by the worker the first time it is chosen (a new
   * photo's answer carries only the first type's, to reach the screen sooner). */
  private async onTypeSelect(type: string): Promise<void> {
    const asked = this.result;
    const h = asked?.damage?.heatmaps.find((x) => x.type === type);
    const client = this.app.analysis;
    if (!asked || !h) return;
    this.typeAsked = type;
    if (!h.heatmap && !h.camEmpty && client) {
      const heatmap = await client.renderHeatmap(h.cam);
      const now = this.result;
      // Another photo, or another method's heatmaps, came meanwhile: this one is stale.
      if (!now || now.photo !== asked.photo || now.method !== asked.method) {
        heatmap?.close();
        return;
      }
      this.result = withTypeHeatmap(now, type, heatmap);
      // A later tap chose another type meanwhile: it stays chosen.
      if (this.typeAsked !== type) return;
    }
    if (this.result) this.result = withType(this.result, type);
  }

  private async onMethodChange(event: CustomEvent<{ method: string }>): Promise<void> {
    const method = event.detail.method;
    const jpeg = this.shown()?.jpeg;
    if (!isFieldCamMethod(method) || !this.app.analysis || !jpeg) return;
    this.explaining = true;
    try {
      const explanation = await this.app.explain(jpeg, method);
      if (explanation && this.result) this.result = withExplanation(this.result, explanation);
    } finally {
      this.explaining = false;
    }
  }

  private async onCorrectionSave(
    event: CustomEvent<{ correction: SurveyCorrection | null }>,
  ): Promise<void> {
    const id = this.saved?.id;
    if (!id) return;
    this.savingAnswer = true;
    try {
      const saved = await saveAnswer(this.app, id, event.detail.correction);
      if (saved && this.saved?.id === id) {
        this.saved = saved;
        this.app.notify(answerSavedText(event.detail.correction));
        this.app.recordsChanged();
      }
    } finally {
      this.savingAnswer = false;
    }
  }

  /** Right / Wrong under the verdict, once the survey is saved (a verdict only). */
  private renderCorrection(r: ShownResult) {
    const saved = this.saved;
    if (!saved || saved.id !== r.recordId || !r.verdict) return nothing;
    // Keyed by survey: an answer being made never carries over to another photo.
    return keyed(
      saved.id,
      html`<rc-correction
        .answer=${saved.correction ?? null}
        .choices=${labelChoices(saved)}
        .photo=${r.keptPhoto ?? r.photo}
        .photoSize=${{ width: saved.photo.width, height: saved.photo.height }}
        ?saving=${this.savingAnswer}
        @correction-save=${this.onCorrectionSave}
      ></rc-correction>`,
    );
  }

  override render() {
    const { modelStatus, engine, notice, opacity } = this.app.state;
    const r = this.shown();
    return html`
      <p class="status muted">
        <span data-testid="model-status">${modelStatusLine(modelStatus)}</span>
        · <span data-testid="backend">${engineText(engine)}</span>
      </p>
      <rc-capture
        ?busy=${this.busy}
        ?cameraAvailable=${!!navigator.mediaDevices?.getUserMedia}
        @photo-chosen=${this.onPhotoChosen}
        @open-camera=${() => (this.cameraOpen = true)}
      ></rc-capture>
      ${this.busy ? html`<p class="notice" role="status">Analysing the photo…</p>` : nothing}
      ${notice ? html`<p class="notice" role="status" data-testid="notice">${notice}</p>` : nothing}
      ${
        r
          ? html`${
                r.qualityHint
                  ? html`<p class="notice quality" role="alert" data-testid="quality-hint">
                      ${r.qualityHint}
                    </p>`
                  : nothing
              }
              ${
                r.damage?.notRoad
                  ? html`<rc-not-road
                      text=${r.damage.notRoad.text}
                      detail=${r.damage.notRoad.detail}
                      ?kept=${r.damage.notRoad.kept}
                      ?busy=${this.busy}
                      @keep-not-road=${this.onKeepNotRoad}
                      @discard-not-road=${this.onDiscardNotRoad}
                    ></rc-not-road>`
                  : nothing
              }
              <rc-explanation
                .verdict=${r.verdict}
                .summary=${r.damage?.headline ?? null}
                heatmapOf=${heatmapOf(r)}
                verdictReason=${r.verdictReason}
                .photo=${r.keptPhoto ?? r.photo}
                .heatmap=${r.heatmap}
                .region=${r.region}
                .opacity=${opacity}
                method=${r.method}
                .methods=${FIELD_CAM_METHODS}
                whereLooked=${r.whereLooked}
                ?explaining=${this.explaining}
                @opacity-change=${(e: CustomEvent<{ opacity: number }>) => this.app.setOpacity(e.detail.opacity)}
                @method-change=${this.onMethodChange}
                @heatmap-drawn=${this.onHeatmapDrawn}
              >
                ${
                  r.damage
                    ? html`<rc-damage-types
                        slot="before-photo"
                        .toggles=${r.damage.toggles}
                        .lines=${r.damage.lines}
                        selected=${r.damage.selected}
                        ?busy=${this.explaining}
                        @type-select=${(e: CustomEvent<{ type: string }>) =>
                          this.onTypeSelect(e.detail.type)}
                      ></rc-damage-types>`
                    : nothing
                }
              </rc-explanation>
              ${this.renderCorrection(r)}`
          : nothing
      }
      ${
        this.cameraOpen
          ? html`<rc-camera
              @photo-chosen=${this.onPhotoChosen}
              @camera-closed=${() => (this.cameraOpen = false)}
              @camera-error=${(e: CustomEvent<ShownError>) => {
                this.cameraOpen = false;
                this.app.reportError(e.detail);
              }}
            ></rc-camera>`
          : nothing
      }
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-survey-page': RcSurveyPage;
  }
}
