/**
 * The open model's layers (or graph nodes) with their output shapes; the default CAM target is
 * marked. Raises `layer-pick` with a layer name (to show its filters).
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { LabLayer } from '../shared/lab-protocol';
import { theme } from '../../../components/theme';

@customElement('lab-layers')
export class LabLayers extends LitElement {
  static override styles = [
    theme,
    css`
      .scroll {
        overflow-x: auto;
        /* The containing block of what is positioned inside (the visually hidden header
           text), so that it scrolls with the table instead of widening the page. */
        position: relative;
      }
      table {
        border-collapse: collapse;
        width: 100%;
        font-size: 0.9rem;
      }
      th,
      td {
        text-align: left;
        padding: 0.3rem 0.5rem;
        border-bottom: 1px solid var(--rc-border);
        white-space: nowrap;
      }
      tr[data-cam-default] {
        background: #fff4d6;
      }
      .mark {
        font-weight: 700;
        color: #7a4d00;
      }
      button {
        min-height: 36px;
        padding: 0 0.6rem;
      }
    `,
  ];

  @property({ attribute: false }) layers: LabLayer[] = [];
  @property() defaultCamLayer: string | null = null;

  override render() {
    const shape = (s: number[]) => `[${s.map((d) => (d < 0 ? '?' : d)).join(', ')}]`;
    return html`<div class="scroll">
      <table data-testid="layers">
        <caption class="visually-hidden">
          Layers with output shapes
        </caption>
        <thead>
          <tr>
            <th scope="col">Layer</th>
            <th scope="col">Kind</th>
            <th scope="col">Output</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          ${this.layers.map((l) => {
            const isDefault = l.name === this.defaultCamLayer;
            return html`<tr
              data-testid="layer-row"
              data-name=${l.name}
              ?data-cam-default=${isDefault}
            >
              <td>
                ${l.name}
                ${isDefault ? html`<span class="mark" title="default CAM target">★ CAM</span>` : nothing}
              </td>
              <td>${l.kind}</td>
              <td>${shape(l.outputShape)}</td>
              <td>
                ${
                  l.role !== 'other' && l.count
                    ? html`<button
                        type="button"
                        aria-label=${`Show filters of ${l.name}`}
                        @click=${() =>
                          this.dispatchEvent(
                            new CustomEvent('layer-pick', {
                              detail: { name: l.name },
                              bubbles: true,
                              composed: true,
                            }),
                          )}
                      >
                        ${l.role === 'conv' ? 'Filters' : 'Units'}
                      </button>`
                    : nothing
                }
              </td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-layers': LabLayers;
  }
}
