/**
 * A pad to draw a digit with a finger (pointer events: touch, pen and mouse alike), white on
 * black as MNIST digits are. While drawing it raises `digit-drawn` with the pad's pixels at most
 * once a frame, and once more when the stroke ends; `digit-cleared` when wiped. The prediction
 * and its heatmaps come back as `result`.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import type { ImageExplanation } from '../shared/lab-protocol';
import './lab-class-maps';
import { theme } from '../../../components/theme';

const PAD_SIZE = 280;
/** MNIST strokes are about 2-3 px of 28; the pad is ten times larger. */
const STROKE_WIDTH = 22;

@customElement('lab-digit-pad')
export class LabDigitPad extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: grid;
        gap: 0.75rem;
      }
      .pad {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
        align-items: start;
      }
      canvas {
        width: min(280px, 80vw);
        aspect-ratio: 1;
        background: #000;
        border-radius: 10px;
        touch-action: none;
        cursor: crosshair;
      }
      .answer {
        display: grid;
        gap: 0.25rem;
      }
      .digit {
        font-size: 3rem;
        font-weight: 700;
        line-height: 1;
      }
      p {
        margin: 0;
      }
    `,
  ];

  @property({ attribute: false }) result: ImageExplanation | null = null;
  @property({ type: Boolean }) busy = false;
  @property() status = '';
  @query('canvas') private canvas!: HTMLCanvasElement;
  private drawing = false;
  private last: { x: number; y: number } | null = null;
  private frameRequested = false;

  override firstUpdated(): void {
    this.clear(false);
  }

  private context(): CanvasRenderingContext2D {
    return this.canvas.getContext('2d', { willReadFrequently: true })!;
  }

  private point(event: PointerEvent): { x: number; y: number } {
    const rect = this.canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) / rect.width) * PAD_SIZE,
      y: ((event.clientY - rect.top) / rect.height) * PAD_SIZE,
    };
  }

  private onDown(event: PointerEvent): void {
    event.preventDefault();
    this.canvas.setPointerCapture(event.pointerId);
    this.drawing = true;
    this.last = this.point(event);
    this.stroke(this.last);
  }

  private onMove(event: PointerEvent): void {
    if (!this.drawing) return;
    // Coalesced events keep a fast finger's stroke continuous.
    const events = event.getCoalescedEvents?.() ?? [event];
    for (const e of events.length ? events : [event]) this.stroke(this.point(e));
    this.requestEmit();
  }

  private onUp(): void {
    if (!this.drawing) return;
    this.drawing = false;
    this.last = null;
    this.emitPixels();
  }

  private stroke(to: { x: number; y: number }): void {
    const ctx = this.context();
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = STROKE_WIDTH;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    const from = this.last ?? to;
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x + (from === to ? 0.01 : 0), to.y);
    ctx.stroke();
    this.last = to;
  }

  private requestEmit(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.emitPixels();
    });
  }

  private emitPixels(): void {
    const data = this.context().getImageData(0, 0, PAD_SIZE, PAD_SIZE).data;
    this.dispatchEvent(
      new CustomEvent('digit-drawn', {
        detail: { width: PAD_SIZE, height: PAD_SIZE, data },
        bubbles: true,
        composed: true,
      }),
    );
  }

  private clear(announce = true): void {
    const ctx = this.context();
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, PAD_SIZE, PAD_SIZE);
    if (announce) {
      this.dispatchEvent(new CustomEvent('digit-cleared', { bubbles: true, composed: true }));
    }
  }

  override render() {
    const top = this.result?.classes[0];
    return html`<div class="pad">
        <canvas
          width=${PAD_SIZE}
          height=${PAD_SIZE}
          data-testid="digit-pad"
          role="img"
          aria-label="Drawing pad: draw one digit"
          @pointerdown=${this.onDown}
          @pointermove=${this.onMove}
          @pointerup=${this.onUp}
          @pointercancel=${this.onUp}
        ></canvas>
        <div class="answer">
          <span class="muted">The model reads</span>
          <span class="digit" data-testid="digit-prediction" data-label=${top?.label ?? ''}
            >${top ? top.label : '–'}</span
          >
          ${top ? html`<span class="muted">${(top.probability * 100).toFixed(1)}%</span>` : nothing}
          <button type="button" data-testid="digit-clear" @click=${() => this.clear()}>
            Clear
          </button>
        </div>
      </div>
      <p role="status" class="muted">${this.status}</p>
      ${
        this.result
          ? html`<lab-class-maps .result=${this.result} .opacity=${0.55}></lab-class-maps>`
          : nothing
      }`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-digit-pad': LabDigitPad;
  }
}
