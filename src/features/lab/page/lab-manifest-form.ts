/**
 * What a manifest would say, asked of the model builder when the picked files have none: input
 * size and channels, normalisation, how a photo is fitted, and a labels file. Prefilled from
 * model.json where it says (a Keras model's input shape). Raises `manifest-submit` with the
 * raw values and the labels file, and `manifest-cancel`.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { theme } from '../../../components/theme';
import { labFieldStyles } from './lab-panel.styles';
import type { ManifestFormValues } from '../shared/form-answers';

export interface ManifestFormPrefill {
  fileName: string;
  format: 'layers' | 'graph';
  weightFiles: number;
  width: number | null;
  height: number | null;
  channels: number | null;
  inputNodes: string[];
  /** A labels file picked with the model. */
  labelsFileName: string | null;
}

export interface NormalizationChoice {
  id: string;
  label: string;
}

@customElement('lab-manifest-form')
export class LabManifestForm extends LitElement {
  static override styles = [
    theme,
    labFieldStyles,
    css`
      form {
        display: grid;
        gap: 0.75rem;
        background: var(--rc-surface);
        border-radius: 10px;
        padding: 0.75rem 1rem;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
      }
      input[type='number'],
      input[type='text'] {
        width: 8rem;
      }
      input[name='name'] {
        width: 100%;
      }
      h3,
      p {
        margin: 0;
      }
      .buttons {
        display: flex;
        gap: 0.5rem;
      }
    `,
  ];

  @property({ attribute: false }) prefill: ManifestFormPrefill | null = null;
  @property({ attribute: false }) normalizations: NormalizationChoice[] = [];
  @property({ type: Boolean }) busy = false;
  @state() private normalization = 'zero-one';
  private labelsFile: File | null = null;

  private onSubmit(event: Event): void {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const text = (k: string) => String(data.get(k) ?? '').trim();
    const values: ManifestFormValues = {
      name: text('name'),
      width: Number(text('width')),
      height: Number(text('height')),
      channels: text('channels') === '1' ? 1 : 3,
      normalization: text('normalization'),
      mean: text('mean'),
      std: text('std'),
      channelOrder: text('channelOrder') === 'bgr' ? 'bgr' : 'rgb',
      resize: text('resize') === 'center-crop' ? 'center-crop' : 'stretch',
      inputNode: text('inputNode'),
      outputNode: text('outputNode'),
    };
    this.dispatchEvent(
      new CustomEvent('manifest-submit', {
        detail: { values, labelsFile: this.labelsFile },
        bubbles: true,
        composed: true,
      }),
    );
  }

  override render() {
    const p = this.prefill;
    if (!p) return nothing;
    return html`<form data-testid="manifest-form" @submit=${this.onSubmit}>
      <h3>About this model</h3>
      <p class="muted">
        ${p.fileName}: a ${p.format} model with ${p.weightFiles} weight
        file${p.weightFiles === 1 ? '' : 's'}, and no manifest.json. Say what the model expects:
      </p>
      <label
        >Name <input type="text" name="name" value="My model" required maxlength="200"
      /></label>
      <div class="row">
        <label
          >Input width (px)
          <input
            type="number"
            name="width"
            data-testid="input-width"
            min="1"
            max="4096"
            required
            .value=${p.width ? String(p.width) : ''}
        /></label>
        <label
          >Input height (px)
          <input
            type="number"
            name="height"
            data-testid="input-height"
            min="1"
            max="4096"
            required
            .value=${p.height ? String(p.height) : ''}
        /></label>
        <label
          >Channels
          <select name="channels" data-testid="input-channels">
            <option value="3" ?selected=${p.channels !== 1}>3 (colour)</option>
            <option value="1" ?selected=${p.channels === 1}>1 (grey)</option>
          </select></label
        >
      </div>
      <label
        >Normalisation (what the model was trained on)
        <select
          name="normalization"
          data-testid="normalization"
          @change=${(e: Event) => (this.normalization = (e.target as HTMLSelectElement).value)}
        >
          ${this.normalizations.map(
            (n) =>
              html`<option value=${n.id} ?selected=${n.id === this.normalization}>
                ${n.label}
              </option>`,
          )}
          <option value="custom" ?selected=${this.normalization === 'custom'}>
            Custom mean and std…
          </option>
        </select></label
      >
      ${
        this.normalization === 'custom'
          ? html`<div class="row">
              <label
                >Mean (per channel, of pixel / 255)
                <input type="text" name="mean" placeholder="0.485, 0.456, 0.406" required
              /></label>
              <label
                >Std <input type="text" name="std" placeholder="0.229, 0.224, 0.225" required
              /></label>
              <label
                >Channel order
                <select name="channelOrder" data-testid="channel-order">
                  <option value="rgb">RGB</option>
                  <option value="bgr">BGR (Caffe-style models)</option>
                </select></label
              >
            </div>`
          : nothing
      }
      <label
        >Fitting a photo to the input
        <select name="resize">
          <option value="stretch">Stretch the whole photo</option>
          <option value="center-crop">Crop the centre to the input's shape</option>
        </select></label
      >
      <label
        >Labels file (JSON list or one name a line; optional)
        ${
          p.labelsFileName
            ? html`<span class="muted">Chosen with the model: ${p.labelsFileName}</span>`
            : nothing
        }
        <input
          type="file"
          accept=".json,.txt,application/json,text/plain"
          data-testid="labels-file"
          @change=${(e: Event) =>
            (this.labelsFile = (e.target as HTMLInputElement).files?.[0] ?? null)}
        />
      </label>
      ${
        p.format === 'graph'
          ? html`<div class="row">
              ${
                p.inputNodes.length > 1
                  ? html`<label
                      >Image input node
                      <select name="inputNode">
                        ${p.inputNodes.map((n) => html`<option value=${n}>${n}</option>`)}
                      </select></label
                    >`
                  : nothing
              }
              <label
                >Output node (optional)
                <input type="text" name="outputNode" placeholder="the graph's output"
              /></label>
            </div>`
          : nothing
      }
      <div class="buttons">
        <button type="submit" class="primary" data-testid="manifest-submit" ?disabled=${this.busy}>
          Open model
        </button>
        <button
          type="button"
          @click=${() =>
            this.dispatchEvent(
              new CustomEvent('manifest-cancel', { bubbles: true, composed: true }),
            )}
        >
          Cancel
        </button>
      </div>
    </form>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-manifest-form': LabManifestForm;
  }
}
