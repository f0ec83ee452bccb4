/**
 * The in-app camera: a live view from the back camera and a shutter. Raises `photo-chosen`
 * with a JPEG of the frame, or `camera-closed`; `camera-error` when the browser refuses.
 */
import { css, html, LitElement } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import { theme } from './theme';

@customElement('rc-camera')
export class RcCamera extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        position: fixed;
        inset: 0;
        background: #000;
        z-index: 10;
        display: grid;
        grid-template-rows: 1fr auto;
      }
      video {
        width: 100%;
        height: 100%;
        object-fit: contain;
      }
      .bar {
        display: flex;
        justify-content: space-around;
        padding: 1rem;
        gap: 1rem;
        background: #000;
      }
      .bar button {
        flex: 1;
        min-height: 64px;
      }
    `,
  ];

  @query('video') private video!: HTMLVideoElement;
  @state() private ready = false;
  private stream: MediaStream | null = null;

  override async firstUpdated(): Promise<void> {
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: 'environment', width: { ideal: 1920 }, height: { ideal: 1440 } },
        audio: false,
      });
      this.video.srcObject = this.stream;
      await this.video.play();
      this.ready = true;
    } catch (error) {
      this.stop();
      this.dispatchEvent(
        new CustomEvent('camera-error', {
          detail: {
            message: 'The camera could not be opened here. Use "Take photo" instead.',
            detail: String(error),
          },
          bubbles: true,
          composed: true,
        }),
      );
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stop();
  }

  private stop(): void {
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
  }

  private async shoot(): Promise<void> {
    const { videoWidth: w, videoHeight: h } = this.video;
    if (!w || !h) return;
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    canvas.getContext('2d')!.drawImage(this.video, 0, 0, w, h);
    const blob = await new Promise<Blob | null>((resolve) =>
      canvas.toBlob(resolve, 'image/jpeg', 0.92),
    );
    this.stop();
    if (blob)
      this.dispatchEvent(
        new CustomEvent('photo-chosen', { detail: { file: blob }, bubbles: true, composed: true }),
      );
    this.close();
  }

  private close(): void {
    this.stop();
    this.dispatchEvent(new CustomEvent('camera-closed', { bubbles: true, composed: true }));
  }

  override render() {
    return html`
      <video playsinline muted aria-label="Camera view"></video>
      <div class="bar">
        <button type="button" @click=${this.close}>Close</button>
        <button type="button" class="primary" ?disabled=${!this.ready} @click=${this.shoot}>
          Take photo
        </button>
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-camera': RcCamera;
  }
}
