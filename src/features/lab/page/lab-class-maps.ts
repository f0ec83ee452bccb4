/**
 * The top classes of one image side by side, each with its own heatmap over the image (the
 * seed's "dog" and "cat" maps of one photo). Used by the Grad-CAM explorer and the digit pad.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ImageExplanation } from '../shared/lab-protocol';
import '../../../components/rc-heatmap';
import { theme } from '../../../components/theme';

@customElement('lab-class-maps')
export class LabClassMaps extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: block;
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr));
        gap: 0.75rem;
      }
      li {
        display: grid;
        gap: 0.25rem;
        align-content: start;
      }
      .label {
        font-weight: 600;
        overflow-wrap: anywhere;
      }
      rc-heatmap {
        image-rendering: pixelated;
      }
    `,
  ];

  @property({ attribute: false }) result: ImageExplanation | null = null;
  @property({ type: Number }) opacity = 0.5;

  override render() {
    const r = this.result;
    if (!r) return nothing;
    return html`<ol>
      ${r.classes.map(
        (c, i) =>
          html`<li data-testid="class-card" data-label=${c.label} data-rank=${i + 1}>
            <span class="label">${i + 1}. ${c.label}</span>
            <span class="muted" data-testid="class-probability"
              >${(c.probability * 100).toFixed(1)}%</span
            >
            <rc-heatmap
              .photo=${r.photo}
              .heatmap=${c.heatmap}
              .region=${r.region}
              .opacity=${this.opacity}
              label=${`Heatmap for ${c.label}`}
            ></rc-heatmap>
            ${
              c.empty
                ? html`<span class="muted"
                    >No positive evidence for this class: nothing to draw.</span
                  >`
                : nothing
            }
          </li>`,
      )}
    </ol>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-class-maps': LabClassMaps;
  }
}
