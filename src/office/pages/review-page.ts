/**
 * The review page: the synced surveys, newest first, with filters (review status, disagreement,
 * type, device, dates); the selected one's photo with its heatmap, what the model found, the
 * engineer's answer and the office's review; the reviewer accepts the answer shown or sets the
 * label. Keyboard: j / k next and previous, a
 * accept, 1-8 a label (review-view.ts). The engineer's and the office's boxes are drawn over the
 * photo; "Mark boxes" opens the phone's box editor (src/features/correction) on the photo, starting
 * from the office's boxes or else the engineer's, and saves the boxes with their types as labels.
 */
import { css, html, LitElement, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';
import '../../features/correction/client/rc-box-editor';
import type { Box } from '../../features/correction/shared/box-geometry';
import {
  addBox,
  isDamageLabel,
  removeBox,
  replaceBox,
  retypeBox,
  type CorrectionDraft,
} from '../../features/correction/shared/correction-draft';
import type { ReviewDecisionInput, ReviewQueueItem } from '../../schema/review';
import { camImage } from '../views/cam-image';
import { ReviewApiError, type ReviewApi, type QueueFilter } from '../services/review-api';
import {
  itemSummary,
  keyAction,
  labelTitle,
  photoBoxes,
  REVIEW_LABELS,
  step,
} from '../views/review-view';

@customElement('rc-review-page')
export class RcReviewPage extends LitElement {
  static override styles = css`
    :host {
      display: grid;
      grid-template-columns: minmax(14rem, 1fr) 3fr;
      gap: 1rem;
    }
    header {
      grid-column: 1 / -1;
      display: flex;
      gap: 1rem;
      align-items: center;
      flex-wrap: wrap;
    }
    ol {
      list-style: none;
      padding: 0;
      margin: 0;
      max-height: 80vh;
      overflow-y: auto;
    }
    li button {
      width: 100%;
      text-align: left;
      padding: 0.4rem;
      border: 1px solid #ccd;
      background: #fff;
      font: inherit;
    }
    li button[aria-current='true'] {
      background: #dce8f7;
      border-color: #1b2a3a;
    }
    .photo {
      position: relative;
      display: inline-block;
      max-width: 100%;
    }
    .photo img {
      display: block;
      max-width: 100%;
      max-height: 60vh;
    }
    .photo canvas {
      position: absolute;
      inset: 0;
      width: 100%;
      height: 100%;
      opacity: 0.45;
      pointer-events: none;
    }
    .photo .box {
      position: absolute;
      box-sizing: border-box;
      border: 2px solid #ffd400;
      pointer-events: none;
    }
    .photo .box.office {
      border: 2px dashed #00d0ff;
    }
    dl {
      display: grid;
      grid-template-columns: max-content 1fr;
      gap: 0.2rem 1rem;
    }
    .labels {
      display: flex;
      flex-wrap: wrap;
      gap: 0.4rem;
    }
  `;

  @property({ attribute: false }) api!: ReviewApi;
  @state() private filter: QueueFilter = {};
  @state() private items: ReviewQueueItem[] = [];
  @state() private index = -1;
  @state() private photoUrl: string | null = null;
  /** The photo itself, for the box editor (the page's CSP refuses fetching a blob: URL). */
  private photoBlob: Blob | null = null;
  @state() private message = '';
  @state() private busy = false;
  /** "Mark boxes": the boxes being set (labels unused), the photo decoded for the editor. */
  @state() private marking: CorrectionDraft | null = null;
  @state() private markingPhoto: ImageBitmap | null = null;
  @state() private boxType = '';
  @query('canvas[data-testid="office-heatmap"]') private canvas?: HTMLCanvasElement;

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.onKey);
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.onKey);
    this.stopMarking();
    if (this.photoUrl) URL.revokeObjectURL(this.photoUrl);
  }

  private get current(): ReviewQueueItem | null {
    return this.items[this.index] ?? null;
  }

  private async load(): Promise<void> {
    try {
      const page = await this.api.queue(this.filter);
      this.items = page.items;
      this.message = page.items.length === 0 ? 'No survey matches.' : '';
      this.select(page.items.length > 0 ? 0 : -1);
    } catch (error) {
      this.message = (error as Error).message;
    }
  }

  private select(index: number): void {
    this.stopMarking();
    this.index = index;
    if (this.photoUrl) URL.revokeObjectURL(this.photoUrl);
    this.photoUrl = null;
    this.photoBlob = null;
    const item = this.current;
    if (!item?.photo.present) return;
    void this.api.photo(item.id).then(
      (blob) => {
        if (this.current?.id !== item.id) return;
        this.photoBlob = blob;
        this.photoUrl = URL.createObjectURL(blob);
      },
      (error: Error) => (this.message = `The photo could not be loaded: ${error.message}`),
    );
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    const cam = this.current?.survey.cam;
    const canvas = this.canvas;
    if (!cam || !canvas) return;
    const image = camImage(cam);
    canvas.width = image.width;
    canvas.height = image.height;
    canvas
      .getContext('2d')!
      .putImageData(
        new ImageData(new Uint8ClampedArray(image.data), image.width, image.height),
        0,
        0,
      );
  }

  private readonly onKey = (event: KeyboardEvent): void => {
    if ((event.target as HTMLElement | null)?.closest?.('input, select, textarea')) return;
    // Arrows and Delete move and remove a focused box there, not the list.
    if (this.marking) return;
    const action = keyAction(event.key);
    if (action.kind === 'none' || this.busy) return;
    event.preventDefault();
    if (action.kind === 'next') this.select(step(this.index, 1, this.items.length));
    else if (action.kind === 'previous') this.select(step(this.index, -1, this.items.length));
    else if (action.kind === 'accept') void this.decide({ accept: true });
    else void this.decide({ labels: [action.label] });
  };

  private async startMarking(item: ReviewQueueItem): Promise<void> {
    if (!this.photoBlob) return;
    const from = item.review?.boxes.length
      ? item.review.boxes
      : (item.survey.correction?.boxes ?? []);
    try {
      const photo = await createImageBitmap(this.photoBlob);
      if (this.current?.id !== item.id) return photo.close();
      this.markingPhoto = photo;
      this.marking = { labels: [], boxes: from.map((b) => ({ ...b })) };
      this.boxType ||= this.damageLabels()[0] ?? '';
    } catch (error) {
      this.message = `The photo could not be opened for marking: ${(error as Error).message}`;
    }
  }

  private stopMarking(): void {
    this.markingPhoto?.close();
    this.markingPhoto = null;
    this.marking = null;
  }

  private damageLabels(): string[] {
    return REVIEW_LABELS.filter(isDamageLabel);
  }

  /** The marked boxes saved as the review: their types are its labels. */
  private async saveBoxes(): Promise<void> {
    const boxes = this.marking?.boxes ?? [];
    if (boxes.length === 0) {
      this.message = 'Mark at least one box, or choose a label below.';
      return;
    }
    const labels = [...new Set(boxes.map((b) => b.type))];
    await this.decide({ labels, boxes });
  }

  private async decide(
    choice: Pick<ReviewDecisionInput, 'accept' | 'labels' | 'boxes'>,
  ): Promise<void> {
    const item = this.current;
    if (!item || this.busy) return;
    this.busy = true;
    try {
      const saved = await this.api.saveReview(item.id, {
        basedOnRevision: item.revision,
        expectedVersion: item.review?.version ?? 0,
        ...choice,
      });
      const updated: ReviewQueueItem = { ...item, review: saved.review, status: 'reviewed' };
      this.items = this.items.map((i) => (i.id === item.id ? updated : i));
      this.message = `Saved: ${saved.review.labels.map(labelTitle).join(', ')}.`;
      this.select(step(this.index, 1, this.items.length));
    } catch (error) {
      this.message =
        error instanceof ReviewApiError && error.status === 409
          ? `${error.message} The list was reloaded.`
          : `Not saved: ${(error as Error).message}`;
      if (error instanceof ReviewApiError && error.status === 409) await this.load();
    } finally {
      this.busy = false;
    }
  }

  private setFilter(change: Partial<QueueFilter>): void {
    this.filter = { ...this.filter, ...change };
    void this.load();
  }

  override render() {
    const item = this.current;
    return html`
      <header>
        <h2>Review surveys</h2>
        <label
          >Show
          <select
            @change=${(e: Event) =>
              this.setFilter({
                status: ((e.target as HTMLSelectElement).value ||
                  undefined) as QueueFilter['status'],
              })}
          >
            <option value="">all</option>
            <option value="not-reviewed">not reviewed</option>
            <option value="stale">changed since reviewed</option>
            <option value="reviewed">reviewed</option>
          </select></label
        >
        <label
          ><input
            type="checkbox"
            @change=${(e: Event) =>
              this.setFilter({
                disagreement: (e.target as HTMLInputElement).checked ? true : undefined,
              })}
          />
          engineer said the model was wrong</label
        >
        <label
          >Type
          <select
            data-testid="office-filter-type"
            @change=${(e: Event) =>
              this.setFilter({ label: (e.target as HTMLSelectElement).value || undefined })}
          >
            <option value="">any</option>
            ${REVIEW_LABELS.map((l) => html`<option value=${l}>${labelTitle(l)}</option>`)}
          </select></label
        >
        <label
          >Device
          <input
            data-testid="office-filter-device"
            size="12"
            @change=${(e: Event) =>
              this.setFilter({ device: (e.target as HTMLInputElement).value.trim() || undefined })}
        /></label>
        <label
          >From
          <input
            type="date"
            data-testid="office-filter-from"
            @change=${(e: Event) =>
              this.setFilter({ from: (e.target as HTMLInputElement).value || undefined })}
        /></label>
        <label
          >To
          <input
            type="date"
            data-testid="office-filter-to"
            @change=${(e: Event) =>
              this.setFilter({ to: (e.target as HTMLInputElement).value || undefined })}
        /></label>
        <button @click=${() => this.dispatchEvent(new Event('sign-out'))}>Sign out</button>
        <p role="status" data-testid="office-message">${this.message}</p>
      </header>
      <ol aria-label="Surveys">
        ${this.items.map(
          (it, i) =>
            html`<li>
              <button aria-current=${i === this.index} @click=${() => this.select(i)}>
                ${it.survey.createdAt.slice(0, 16).replace('T', ' ')} · ${it.device} ·
                ${itemSummary(it).status}
              </button>
            </li>`,
        )}
      </ol>
      ${item ? this.renderItem(item) : html`<p>Nothing selected.</p>`}
    `;
  }

  private renderMarking(item: ReviewQueueItem, draft: CorrectionDraft) {
    const change = (next: CorrectionDraft) => (this.marking = next);
    return html`<section data-testid="office-marking">
      <p>
        Drag on the photo around each damage; drag a box to move it, its corners to resize it. The
        boxes' types become the review's labels.
      </p>
      <rc-box-editor
        .photo=${this.markingPhoto}
        .size=${{ width: item.survey.photo.width, height: item.survey.photo.height }}
        .boxes=${draft.boxes}
        .types=${this.damageLabels().map((value) => ({ value, title: labelTitle(value) }))}
        boxType=${this.boxType}
        @box-type-change=${(e: CustomEvent<{ type: string }>) => (this.boxType = e.detail.type)}
        @box-add=${(e: CustomEvent<{ type: string; box: Box }>) =>
          change(addBox(draft, e.detail.type, e.detail.box))}
        @box-change=${(e: CustomEvent<{ index: number; box: Box }>) =>
          change(replaceBox(draft, e.detail.index, e.detail.box))}
        @box-remove=${(e: CustomEvent<{ index: number }>) =>
          change(removeBox(draft, e.detail.index))}
        @box-retype=${(e: CustomEvent<{ index: number; type: string }>) =>
          change(retypeBox(draft, e.detail.index, e.detail.type))}
      ></rc-box-editor>
      <div class="labels">
        <button
          data-testid="office-save-boxes"
          ?disabled=${this.busy}
          @click=${() => this.saveBoxes()}
        >
          Save ${draft.boxes.length} box${draft.boxes.length === 1 ? '' : 'es'}
        </button>
        <button @click=${() => this.stopMarking()}>Cancel</button>
      </div>
    </section>`;
  }

  private renderItem(item: ReviewQueueItem) {
    const summary = itemSummary(item);
    return html`<section data-testid="review-item" data-survey-id=${item.id}>
      <div class="photo">
        ${
          this.photoUrl
            ? html`<img src=${this.photoUrl} alt="Survey photo" data-testid="office-photo" />`
            : html`<p>
                ${item.photo.present ? 'Loading the photo…' : 'The photo is not on the server yet.'}
              </p>`
        }
        ${
          item.survey.cam && this.photoUrl
            ? html`<canvas data-testid="office-heatmap" aria-label="Heatmap"></canvas>`
            : ''
        }
        ${
          this.photoUrl
            ? photoBoxes(item).map(
                (b) =>
                  html`<div
                    class="box ${b.who}"
                    data-testid="${b.who}-box"
                    title="${labelTitle(b.type)}, marked by the ${b.who}"
                    style=${styleMap({
                      left: `${b.left}%`,
                      top: `${b.top}%`,
                      width: `${b.width}%`,
                      height: `${b.height}%`,
                    })}
                  ></div>`,
              )
            : ''
        }
      </div>
      <dl>
        <dt>Model</dt>
        <dd data-testid="model-labels">${summary.model}</dd>
        <dt>Engineer</dt>
        <dd>${summary.engineer}</dd>
        <dt>Office</dt>
        <dd data-testid="office-review">${summary.office}</dd>
        <dt>Status</dt>
        <dd>${summary.status}</dd>
        <dt>Notes</dt>
        <dd>${item.survey.notes}</dd>
      </dl>
      ${this.marking ? this.renderMarking(item, this.marking) : ''}
      <div class="labels">
        <button ?disabled=${this.busy} @click=${() => this.decide({ accept: true })}>
          Accept (a)
        </button>
        <button
          data-testid="office-mark-boxes"
          ?disabled=${this.busy || !this.photoUrl || this.marking !== null}
          @click=${() => this.startMarking(item)}
        >
          Mark boxes
        </button>
        ${REVIEW_LABELS.map(
          (label, i) =>
            html`<button ?disabled=${this.busy} @click=${() => this.decide({ labels: [label] })}>
              ${labelTitle(label)} (${i + 1})
            </button>`,
        )}
      </div>
    </section>`;
  }
}
