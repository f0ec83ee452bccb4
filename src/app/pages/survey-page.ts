/**
 * The survey page: choose or take a photo; the verdict and heatmap appear as soon as the worker
 * answers, and the survey is saved at once. The photo's result stays shown while the engineer
 * visits other pages (the shell keeps the page), until the next photo or its survey is deleted.
 * Marks the `roadcam:*` user timings of one photo that the app benchmark reads.
 */
import { consume } from '@lit/context';
import { html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import '../../components/rc-camera';
import '../../components/rc-capture';
import '../../components/rc-explanation';
import { FIELD_CAM_METHODS, isFieldCamMethod } from '../../ui/cam-methods';
import { engineText } from '../../ui/engine-text';
import type { ShownError } from '../../ui/shown-error';
import { appServicesContext, FollowAppState } from '../app-context';
import type { AppServices } from '../services/app-services';
import { modelStatusLine } from '../views/model-text';
import {
  adjustmentsNotice,
  savedNotice,
  shownResult,
  withExplanation,
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
  private readonly follow = new FollowAppState(this, () => this.app);

  /** Counts photos chosen; on the element, so that tests know the page has taken the next one. */
  @property({ type: Number, reflect: true, attribute: 'data-photos-chosen' }) photosChosen = 0;
  @state() private result: ShownResult | null = null;
  @state() private busy = false;
  @state() private explaining = false;
  @state() private cameraOpen = false;

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
    performance.mark('roadcam:photo-chosen');
    this.app.clearMessages();
    // The last result goes: a verdict must never be read as the answer for the new photo.
    this.result = null;
    this.photosChosen += 1;
    this.busy = true;
    this.cameraOpen = false;
    try {
      const s = await this.app.surveys();
      if (!s) return;
      const method = this.app.state.method;
      const outcome = await s.service.survey(event.detail.file, method, (analysis) => {
        this.result = shownResult(analysis, method);
        void this.markWhenShown('roadcam:verdict-shown');
        const adjusted = adjustmentsNotice(analysis.adjustments);
        if (adjusted) this.app.notify(adjusted);
      });
      if (!outcome.ok) return this.app.reportError(outcome.error);
      if (outcome.saveError) return this.app.reportError(outcome.saveError);
      performance.mark('roadcam:saved');
      void this.app.enqueueForSync(outcome.draft.id);
      // (Set in the onAnalysed callback above, which TypeScript's narrowing cannot see.)
      const shown = this.result as ShownResult | null;
      if (shown) this.result = { ...shown, recordId: outcome.draft.id };
      this.app.notify(savedNotice(this.app.state.notice, outcome.draft));
      await this.app.persistAfterFirstSave();
      void this.app.refreshStorage();
      this.app.recordsChanged();
    } catch (error) {
      this.app.reportError({
        message: 'Something went wrong with this photo. Try again.',
        detail: String(error),
      });
    } finally {
      this.busy = false;
    }
  }

  /** User timing for the app benchmark: the frame after the result view has rendered. */
  private async markWhenShown(name: string): Promise<void> {
    await this.updateComplete;
    await this.renderRoot.querySelector('rc-explanation')?.updateComplete;
    requestAnimationFrame(() => performance.mark(name));
  }

  private onHeatmapDrawn(event: Event): void {
    const heatmap = event.composedPath()[0] as HTMLElement & { heatmap: ImageBitmap | null };
    if (heatmap.heatmap && performance.getEntriesByName('roadcam:heatmap-shown').length === 0) {
      requestAnimationFrame(() => performance.mark('roadcam:heatmap-shown'));
    }
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
          ? html`<rc-explanation
              .verdict=${r.verdict}
              verdictReason=${r.verdictReason}
              .photo=${r.photo}
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
            ></rc-explanation>`
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
