/**
 * The Draw tab: a digit drawn with a finger, fitted as MNIST digits are, classified with each
 * top class's heatmap as the drawing changes. Only the latest drawing is sent while the worker
 * is busy.
 */
import { html, nothing } from 'lit';
import { digitToMnist } from '../shared/digit-input';
import type { ImageExplanation, RgbaPixels } from '../shared/lab-protocol';
import type { CamTab } from './cam-tab';
import { closeExplanation } from './cam-tab';
import './lab-digit-pad';
import type { LabSession } from './lab-session';
import { TabController } from './tab-controller';

export class DigitsTab extends TabController {
  private digit: ImageExplanation | null = null;
  private status = '';
  private inFlight = false;
  private waiting: RgbaPixels | null = null;

  constructor(
    session: LabSession,
    private readonly cam: CamTab,
  ) {
    super(session);
    session.onModelOpened(() => this.show(null));
  }

  private show(next: ImageExplanation | null): void {
    if (this.digit !== next) closeExplanation(this.digit);
    this.digit = next;
    this.changed();
  }

  private onDrawn(pixels: RgbaPixels): void {
    const model = this.session.model;
    if (!model) return;
    const input = digitToMnist(pixels, model.manifest.input.width);
    if (!input) return;
    if (this.inFlight) {
      // Only the latest drawing matters: older ones are dropped.
      this.waiting = input;
      return;
    }
    void this.classify(input);
  }

  private async classify(input: RgbaPixels): Promise<void> {
    const { session } = this;
    const model = session.model;
    if (!model || !session.client) return;
    this.inFlight = true;
    try {
      const outcome = await session.client.explainPixels(input, {
        modelKey: model.key,
        ...this.cam.camRequest(),
        topK: 3,
      });
      if (!outcome.ok) {
        session.showError(outcome.error);
        return;
      }
      this.status = `${Math.round(outcome.value.elapsedMs)} ms in the worker.`;
      this.show(outcome.value);
    } finally {
      this.inFlight = false;
      const next = this.waiting;
      this.waiting = null;
      if (next) void this.classify(next);
    }
  }

  render() {
    const m = this.session.model;
    if (!m) return nothing;
    return html`${
        m.manifest.input.channels !== 1
          ? html`<p class="notice">
              This model takes colour photos; the pad is made for a digit model such as the bundled
              MNIST one.
            </p>`
          : nothing
      }
      <lab-digit-pad
        .result=${this.digit}
        status=${this.status}
        @digit-drawn=${(e: CustomEvent<RgbaPixels>) => this.onDrawn(e.detail)}
        @digit-cleared=${() => this.show(null)}
      ></lab-digit-pad>`;
  }
}
