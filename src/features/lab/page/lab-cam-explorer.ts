/**
 * The Grad-CAM explorer: a photo, the CAM method and target layer, and the top-k classes each
 * with its heatmap. Raises `explore-photo` (the chosen file) and `cam-settings`.
 */
import { html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ImageExplanation, LabLayer } from '../shared/lab-protocol';
import './lab-class-maps';
import { theme } from '../../../components/theme';
import { labFieldStyles, labPanelStyles } from './lab-panel.styles';

export interface CamSettingsView {
  method: string;
  layer: string;
  topK: number;
  opacity: number;
}

@customElement('lab-cam-explorer')
export class LabCamExplorer extends LitElement {
  static override styles = [theme, labPanelStyles, labFieldStyles];

  @property({ attribute: false }) methods: { id: string; label: string }[] = [];
  @property({ attribute: false }) layers: LabLayer[] = [];
  @property({ attribute: false }) settings: CamSettingsView = {
    method: 'gradcam',
    layer: '',
    topK: 3,
    opacity: 0.5,
  };
  @property({ attribute: false }) result: ImageExplanation | null = null;
  @property({ type: Boolean }) busy = false;
  @property() status = '';

  private change(detail: Partial<CamSettingsView>): void {
    this.dispatchEvent(new CustomEvent('cam-settings', { detail, bubbles: true, composed: true }));
  }

  private onFile(event: Event): void {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) {
      this.dispatchEvent(
        new CustomEvent('explore-photo', { detail: { file }, bubbles: true, composed: true }),
      );
    }
  }

  override render() {
    const s = this.settings;
    const spatial = this.layers.filter((l) => l.spatial);
    return html`
      <div class="row">
        <label class="button primary"
          >Open a photo…
          <input
            type="file"
            accept="image/*"
            data-testid="explore-photo"
            ?disabled=${this.busy}
            @change=${this.onFile}
        /></label>
        <label
          >Method
          <select
            data-testid="cam-method"
            @change=${(e: Event) => this.change({ method: (e.target as HTMLSelectElement).value })}
          >
            ${this.methods.map(
              (m) => html`<option value=${m.id} ?selected=${m.id === s.method}>${m.label}</option>`,
            )}
          </select></label
        >
        <label
          >Target layer
          <select
            data-testid="cam-layer"
            @change=${(e: Event) => this.change({ layer: (e.target as HTMLSelectElement).value })}
          >
            ${spatial.map(
              (l) =>
                html`<option value=${l.name} ?selected=${l.name === s.layer}>
                  ${l.name} [${l.outputShape.slice(1, 3).join('x')}]
                </option>`,
            )}
          </select></label
        >
        <label
          >Classes
          <select
            data-testid="cam-topk"
            @change=${(e: Event) =>
              this.change({ topK: Number((e.target as HTMLSelectElement).value) })}
          >
            ${[1, 2, 3, 4, 5, 6].map(
              (k) => html`<option value=${k} ?selected=${k === s.topK}>top ${k}</option>`,
            )}
          </select></label
        >
        <label
          >Opacity
          <input
            type="range"
            min="0"
            max="1"
            step="0.05"
            .value=${String(s.opacity)}
            @input=${(e: Event) =>
              this.change({ opacity: Number((e.target as HTMLInputElement).value) })}
        /></label>
      </div>
      <p role="status" data-testid="explore-status">${this.status}</p>
      ${
        this.result
          ? html`<lab-class-maps .result=${this.result} .opacity=${s.opacity}></lab-class-maps>`
          : nothing
      }
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-cam-explorer': LabCamExplorer;
  }
}
