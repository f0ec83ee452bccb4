/**
 * "This doesn't look like a road surface", said plainly, with the engineer's two choices: keep
 * the photo anyway (stored as "not a road") or discard it. Raises `keep-not-road` and
 * `discard-not-road`; once kept, it says so.
 */
import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { theme } from './theme';

@customElement('rc-not-road')
export class RcNotRoad extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: block;
      }
      .box {
        border: 2px solid var(--rc-unsure);
        border-radius: 12px;
        padding: 0.75rem 1rem;
        display: grid;
        gap: 0.5rem;
      }
      p {
        margin: 0;
      }
      .title {
        font-size: 1.2rem;
        font-weight: 700;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
    `,
  ];

  @property() text = '';
  @property() detail = '';
  /** True once the engineer kept it (the survey is saved as "not a road"). */
  @property({ type: Boolean }) kept = false;
  @property({ type: Boolean }) busy = false;

  private emit(name: string): void {
    this.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true }));
  }

  override render() {
    return html`<div class="box" role="alert" data-testid="not-road" data-kept=${String(this.kept)}>
      <p class="title">${this.text}</p>
      <p>${this.detail}</p>
      ${
        this.kept
          ? html`<p data-testid="not-road-kept">Kept as “not a road”.</p>`
          : html`<div class="actions">
              <button
                type="button"
                class="primary"
                data-testid="keep-not-road"
                ?disabled=${this.busy}
                @click=${() => this.emit('keep-not-road')}
              >
                Keep it anyway
              </button>
              <button
                type="button"
                data-testid="discard-not-road"
                ?disabled=${this.busy}
                @click=${() => this.emit('discard-not-road')}
              >
                Discard
              </button>
            </div>`
      }
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-not-road': RcNotRoad;
  }
}
