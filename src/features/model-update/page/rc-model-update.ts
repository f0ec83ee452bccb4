/**
 * The About page's model section (issue 11, model roll-out): the model that runs, the download
 * in progress, what went wrong, "Model X installed: what changed", and the buttons. Renders
 * state, raises `model-reanalyse`, `model-go-back`, `model-dismiss`, `model-check`.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { theme } from '../../../components/theme';
import type { ModelUpdateText } from '../shared/update-text';

@customElement('rc-model-update')
export class RcModelUpdate extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: grid;
        gap: 0.5rem;
      }
      h2 {
        margin: 0;
        font-size: 1.2rem;
      }
      p,
      ul {
        margin: 0;
      }
      .news {
        border-left: 4px solid var(--rc-accent, #2a7);
        padding-left: 0.75rem;
      }
      .buttons {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
    `,
  ];

  @property({ attribute: false }) text: ModelUpdateText | null = null;
  /** Re-analysis progress or result. */
  @property({ attribute: false }) reanalysis: { text: string; running: boolean } | null = null;

  private emit(name: string): void {
    this.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true }));
  }

  override render() {
    const t = this.text;
    if (!t) return nothing;
    return html`<h2>Model updates</h2>
      <p data-testid="model-running">${t.running}</p>
      ${t.activity ? html`<p data-testid="model-activity">${t.activity}</p>` : nothing}
      ${t.problem ? html`<p role="alert" data-testid="model-problem">${t.problem}</p>` : nothing}
      ${
        t.news
          ? html`<section class="news" data-testid="model-news">
              <h3>${t.news.title}</h3>
              <ul>
                ${t.news.lines.map((line) => html`<li>${line}</li>`)}
              </ul>
              <button type="button" @click=${() => this.emit('model-dismiss')}>OK</button>
            </section>`
          : nothing
      }
      ${
        this.reanalysis
          ? html`<p data-testid="reanalysis-status" aria-live="polite">${this.reanalysis.text}</p>`
          : nothing
      }
      <div class="buttons">
        ${
          t.canReanalyse
            ? html`<button
                type="button"
                data-testid="reanalyse-stored"
                ?disabled=${this.reanalysis?.running ?? false}
                @click=${() => this.emit('model-reanalyse')}
              >
                Re-analyse stored surveys
              </button>`
            : nothing
        }
        ${
          t.goBack
            ? html`<button
                type="button"
                data-testid="model-go-back"
                ?disabled=${this.reanalysis?.running ?? false}
                @click=${() => this.emit('model-go-back')}
              >
                ${t.goBack}
              </button>`
            : nothing
        }
        <button type="button" data-testid="model-check" @click=${() => this.emit('model-check')}>
          Check for a new model
        </button>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-model-update': RcModelUpdate;
  }
}
