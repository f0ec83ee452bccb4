/**
 * A road-damage model's types over one photo: one toggle per type with a heatmap (found types
 * first), the pressed one being the heatmap drawn; a tap on another shows its heatmap over the
 * same photo. Below, every type's probability. Raises `type-select` with the type's name.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { theme } from './theme';

export interface TypeToggle {
  type: string;
  label: string;
  found: boolean;
}

export interface TypeLine {
  type: string;
  text: string;
  found: boolean;
}

@customElement('rc-damage-types')
export class RcDamageTypes extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: grid;
        gap: 0.5rem;
      }
      .toggles {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      .toggles button {
        flex: 1 1 30%;
        padding: 0 0.5rem;
      }
      .toggles button.found {
        border-color: var(--rc-pothole);
      }
      button[aria-pressed='true'] {
        background: var(--rc-primary);
        color: var(--rc-primary-fg);
      }
      ul {
        margin: 0;
        padding-left: 1.2rem;
        font-size: 0.95rem;
      }
      .found {
        font-weight: 700;
      }
    `,
  ];

  @property({ attribute: false }) toggles: TypeToggle[] = [];
  @property({ attribute: false }) lines: TypeLine[] = [];
  @property() selected = '';
  @property({ type: Boolean }) busy = false;

  override render() {
    return html`
      ${
        this.toggles.length
          ? html`<div class="toggles" role="group" aria-label="Heatmap of each damage type">
              ${this.toggles.map(
                (t) =>
                  html`<button
                    type="button"
                    class=${t.found ? 'found' : ''}
                    data-testid="type-toggle"
                    data-type=${t.type}
                    data-found=${String(t.found)}
                    aria-pressed=${String(t.type === this.selected)}
                    ?disabled=${this.busy}
                    @click=${() =>
                      this.dispatchEvent(
                        new CustomEvent('type-select', {
                          detail: { type: t.type },
                          bubbles: true,
                          composed: true,
                        }),
                      )}
                  >
                    ${t.label}
                  </button>`,
              )}
            </div>`
          : nothing
      }
      ${
        this.lines.length
          ? html`<ul aria-label="Each damage type" data-testid="type-lines">
              ${this.lines.map(
                (l) => html`<li class=${l.found ? 'found' : ''} data-type=${l.type}>${l.text}</li>`,
              )}
            </ul>`
          : nothing
      }
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-damage-types': RcDamageTypes;
  }
}
