/**
 * Taking a photo: the camera through the file input (works everywhere, `capture` opens the
 * back camera on phones), the gallery, and an in-app camera where getUserMedia is allowed.
 * Raises `photo-chosen` with the file; knows nothing of what happens next.
 */
import { html, LitElement, css } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { theme } from './theme';

@customElement('rc-capture')
export class RcCapture extends LitElement {
  static override styles = [
    theme,
    css`
      .actions {
        display: grid;
        gap: 0.75rem;
      }
      .big {
        min-height: 64px;
        font-size: 1.15rem;
        width: 100%;
      }
      .row {
        display: grid;
        grid-template-columns: 1fr 1fr;
        gap: 0.75rem;
      }
    `,
  ];

  /** True while a photo is being analysed: the buttons stay usable (the next one queues). */
  @property({ type: Boolean }) busy = false;
  @property({ type: Boolean }) cameraAvailable = false;

  private chosen(event: Event): void {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    // Reset so that choosing the same file again fires another change.
    input.value = '';
    if (file)
      this.dispatchEvent(
        new CustomEvent('photo-chosen', { detail: { file }, bubbles: true, composed: true }),
      );
  }

  override render() {
    return html`
      <div class="actions">
        <label class="button primary big">
          <input
            type="file"
            accept="image/*"
            capture="environment"
            data-testid="photo-input"
            aria-label="Take a photo of the road"
            @change=${this.chosen}
          />
          <svg aria-hidden="true" width="26" height="26" viewBox="0 0 24 24" fill="currentColor">
            <path
              d="M9 3 7.2 5H4a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2L15 3H9zm3 5a5 5 0 1 1 0 10 5 5 0 0 1 0-10zm0 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6z"
            />
          </svg>
          Take photo
        </label>
        <div class="row">
          <label class="button">
            <input
              type="file"
              accept="image/*"
              aria-label="Choose a photo from the gallery"
              @change=${this.chosen}
            />
            From gallery
          </label>
          ${
            this.cameraAvailable
              ? html`<button
                  type="button"
                  @click=${() => this.dispatchEvent(new CustomEvent('open-camera', { bubbles: true, composed: true }))}
                >
                  In-app camera
                </button>`
              : html`<span></span>`
          }
        </div>
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-capture': RcCapture;
  }
}
