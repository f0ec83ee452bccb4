/**
 * The error box of the app and the lab: what went wrong, in words for the engineer. The alert
 * region stays in the page while quiet (screen readers watch it), hidden; `testid` names it for
 * the browser tests ("error" in the app, "lab-error" in the lab).
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ShownError } from '../ui/shown-error';
import { theme } from './theme';

@customElement('rc-error-message')
export class RcErrorMessage extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        /* No box of its own: a quiet message takes no place (nor gap) in the page's grid. */
        display: contents;
      }
      .error {
        border: 2px solid var(--rc-danger);
        background: #fdeceb;
        color: #5c1510;
        border-radius: 10px;
        padding: 0.75rem 1rem;
        overflow-wrap: anywhere;
      }
      .error.quiet {
        display: none;
      }
      p {
        margin: 0;
      }
    `,
  ];

  @property({ attribute: false }) error: ShownError | null = null;
  @property() testid = 'error';

  override render() {
    return html`<div
      class="error ${this.error ? '' : 'quiet'}"
      data-testid=${this.testid}
      role="alert"
    >
      ${this.error ? html`<p>${this.error.message}</p>` : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-error-message': RcErrorMessage;
  }
}
