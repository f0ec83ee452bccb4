/**
 * The photo with the CAM heatmap over it, on one canvas: the heatmap bitmap is stretched over
 * the part of the photo the model saw, at the given opacity.
 */
import { css, html, LitElement, type PropertyValues } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

@customElement('rc-heatmap')
export class RcHeatmap extends LitElement {
  static override styles = css`
    :host {
      display: block;
    }
    canvas {
      display: block;
      width: 100%;
      height: auto;
      max-height: 60vh;
      object-fit: contain;
      border-radius: 10px;
      background: #222;
    }
  `;

  @property({ attribute: false }) photo: ImageBitmap | null = null;
  @property({ attribute: false }) heatmap: ImageBitmap | null = null;
  @property({ attribute: false }) region: Region = { x: 0, y: 0, width: 1, height: 1 };
  /** 0..1 */
  @property({ type: Number }) opacity = 0.5;
  @property() label = 'Photo';
  @query('canvas') private canvas!: HTMLCanvasElement;

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    this.draw();
  }

  private draw(): void {
    const photo = this.photo;
    const canvas = this.canvas;
    if (!photo || !canvas) return;
    if (canvas.width !== photo.width || canvas.height !== photo.height) {
      canvas.width = photo.width;
      canvas.height = photo.height;
    }
    const ctx = canvas.getContext('2d')!;
    ctx.globalAlpha = 1;
    ctx.drawImage(photo, 0, 0);
    if (this.heatmap && this.opacity > 0) {
      ctx.globalAlpha = this.opacity;
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = 'high';
      const r = this.region;
      ctx.drawImage(
        this.heatmap,
        r.x * photo.width,
        r.y * photo.height,
        r.width * photo.width,
        r.height * photo.height,
      );
      ctx.globalAlpha = 1;
    }
    this.dispatchEvent(new CustomEvent('heatmap-drawn', { bubbles: true, composed: true }));
  }

  override render() {
    return html`<canvas
      data-testid="heatmap"
      data-drawn=${this.heatmap ? 'heatmap' : 'photo-only'}
      role="img"
      aria-label=${this.label}
    ></canvas>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-heatmap': RcHeatmap;
  }
}
