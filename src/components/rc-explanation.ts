/**
 * Verdict, photo with heatmap, opacity slider, CAM method switcher and the "where it looked"
 * line: the result of one photo, new or saved. Raises `opacity-change` and `method-change`.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { SurveyVerdict } from '../schema/survey';
import './rc-heatmap';
import type { Region } from './rc-heatmap';
import './rc-verdict';
import type { VerdictSummary } from './rc-verdict';
import { theme } from './theme';

export interface MethodChoice {
  name: string;
  label: string;
}

@customElement('rc-explanation')
export class RcExplanation extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: grid;
        gap: 0.75rem;
      }
      .slider {
        display: flex;
        align-items: center;
        gap: 0.75rem;
        min-height: var(--rc-target);
      }
      input[type='range'] {
        flex: 1;
        min-height: var(--rc-target);
        accent-color: var(--rc-primary);
      }
      .methods {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      .methods button {
        flex: 1 1 30%;
        padding: 0 0.5rem;
      }
      p {
        margin: 0;
      }
    `,
  ];

  @property({ attribute: false }) verdict: SurveyVerdict | null = null;
  @property() verdictReason = '';
  /** Road-damage models: the verdict in words (rc-verdict's summary). */
  @property({ attribute: false }) summary: VerdictSummary | null = null;
  /** Road-damage models: which damage type's heatmap is drawn (for the label). */
  @property() heatmapOf = '';
  @property({ attribute: false }) photo: ImageBitmap | null = null;
  @property({ attribute: false }) heatmap: ImageBitmap | null = null;
  @property({ attribute: false }) region: Region = { x: 0, y: 0, width: 1, height: 1 };
  @property({ type: Number }) opacity = 0.5;
  @property() method = 'gradcam';
  @property({ attribute: false }) methods: MethodChoice[] = [];
  @property() whereLooked = '';
  @property({ type: Boolean }) explaining = false;

  private emit(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  override render() {
    const methodName = this.methods.find((m) => m.name === this.method)?.label ?? this.method;
    return html`
      <rc-verdict
        .verdict=${this.verdict}
        .summary=${this.summary}
        reason=${this.verdictReason}
      ></rc-verdict>
      <slot name="before-photo"></slot>
      <rc-heatmap
        .photo=${this.photo}
        .heatmap=${this.heatmap}
        .region=${this.region}
        .opacity=${this.opacity}
        label=${
          this.verdict
            ? `Photo with the ${methodName} heatmap${this.heatmapOf ? ` of ${this.heatmapOf}` : ''}: warm colours mark where the model looked`
            : 'Photo'
        }
      ></rc-heatmap>
      ${
        this.verdict
          ? html`
              <p class="where" data-testid="where-looked">${this.whereLooked}</p>
              <div class="slider">
                <label for="opacity">Heatmap</label>
                <input
                  id="opacity"
                  type="range"
                  min="0"
                  max="100"
                  step="5"
                  .value=${String(Math.round(this.opacity * 100))}
                  aria-valuetext=${`${Math.round(this.opacity * 100)}% heatmap`}
                  @input=${(e: Event) => this.emit('opacity-change', { opacity: Number((e.target as HTMLInputElement).value) / 100 })}
                />
                <span aria-hidden="true">${Math.round(this.opacity * 100)}%</span>
              </div>
              <div class="methods" role="group" aria-label="Heatmap method">
                ${this.methods.map(
                  (m) =>
                    html`<button
                      type="button"
                      aria-pressed=${String(m.name === this.method)}
                      ?disabled=${this.explaining}
                      data-method=${m.name}
                      @click=${() => this.emit('method-change', { method: m.name })}
                    >
                      ${m.label}
                    </button>`,
                )}
              </div>
            `
          : nothing
      }
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-explanation': RcExplanation;
  }
}
