/**
 * The Filters panel: a layer, which filters (or dense units, or classes), the optimisation
 * settings, then a grid of activation-maximization images drawn as batches finish, with a
 * progress bar and Cancel. A tile opens large beside the noise it started from; Save as PNG
 * downloads the grid. Raises `filters-change`, `run-grid`, `cancel-grid`, and `lab-error` when
 * the PNG cannot be made.
 */
import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type {
  ActmaxPlainSettings,
  GridKind,
  GridTileResult,
  LabLayer,
  RgbaPixels,
} from '../shared/lab-protocol';
import { theme } from '../../../components/theme';
import { downloadGridPng } from './grid-png';
import { labFieldStyles, labPanelStyles } from './lab-panel.styles';

export interface PresetChoice {
  id: string;
  label: string;
}

function draw(canvas: HTMLCanvasElement, image: RgbaPixels): void {
  canvas.width = image.width;
  canvas.height = image.height;
  canvas
    .getContext('2d')!
    .putImageData(
      new ImageData(new Uint8ClampedArray(image.data), image.width, image.height),
      0,
      0,
    );
}

@customElement('lab-filters')
export class LabFilters extends LitElement {
  static override styles = [
    theme,
    labPanelStyles,
    labFieldStyles,
    css`
      label {
        /* A select with a long option shrinks to the phone's width instead of widening it. */
        grid-template-columns: minmax(0, 1fr);
        max-width: 100%;
      }
      input[type='number'],
      input[type='text'] {
        width: 7rem;
      }
      select {
        max-width: 100%;
      }
      details {
        background: var(--rc-surface);
        border-radius: 10px;
        padding: 0.5rem 0.75rem;
      }
      summary {
        min-height: 40px;
        display: flex;
        align-items: center;
        font-weight: 600;
        cursor: pointer;
      }
      progress {
        width: 100%;
        height: 1rem;
      }
      .grid {
        display: grid;
        gap: 2px;
      }
      .grid button {
        padding: 0;
        min-height: 0;
        min-width: 0;
        border: 0;
        border-radius: 0;
        background: #ddd;
        display: block;
      }
      .grid canvas {
        width: 100%;
        height: auto;
        display: block;
        image-rendering: pixelated;
      }
      dialog {
        max-width: min(92vw, 40rem);
        border-radius: 12px;
      }
      dialog .pair {
        display: grid;
        grid-template-columns: 1fr 1fr;
        gap: 0.5rem;
      }
      dialog canvas {
        width: 100%;
        image-rendering: pixelated;
      }
      dialog figure {
        margin: 0;
      }
    `,
  ];

  @property({ attribute: false }) layers: LabLayer[] = [];
  @property() layer = '';
  @property() kind: GridKind = 'filters';
  @property() selection = 'first 16';
  @property() preset = 'quick';
  @property({ attribute: false }) presets: PresetChoice[] = [];
  @property({ attribute: false }) settings: ActmaxPlainSettings | null = null;
  @property({ type: Boolean }) running = false;
  @property({ type: Boolean }) gradientsAvailable = true;
  @property({ attribute: false }) progress: { done: number; total: number } | null = null;
  @property({ attribute: false }) tiles: GridTileResult[] = [];
  @property({ type: Number }) columns = 4;
  @property() status = '';
  /** The open model's id: the PNG is saved as MODEL-LAYER.png. */
  @property() modelId = 'model';
  @state() private openIndex: number | null = null;
  @query('dialog') private dialog!: HTMLDialogElement;
  private drawn = new WeakMap<HTMLCanvasElement, GridTileResult>();

  private emit(name: string, detail: unknown = null): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private change(detail: Record<string, unknown>): void {
    this.emit('filters-change', detail);
  }

  private async savePng(): Promise<void> {
    const what = this.kind === 'classes' ? 'classes' : this.layer;
    const fileName = `${this.modelId}-${what.replace(/[^\w.-]+/g, '_')}.png`;
    if (!(await downloadGridPng(this.tiles, this.columns, fileName))) {
      this.emit('lab-error', { message: 'The grid could not be saved as PNG on this browser.' });
    }
  }

  private setting(key: keyof ActmaxPlainSettings, value: string): void {
    if (!this.settings) return;
    const v = key === 'parameterization' ? value : Number(value);
    this.change({ settings: { ...this.settings, [key]: v } });
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    // Draw new tiles only: progress updates arrive many times a second.
    this.renderRoot.querySelectorAll<HTMLCanvasElement>('canvas[data-tile]').forEach((c) => {
      const tile = this.tiles[Number(c.dataset.tile)];
      if (tile && this.drawn.get(c) !== tile) {
        draw(c, tile.image);
        this.drawn.set(c, tile);
      }
    });
    const open = this.openIndex !== null ? this.tiles[this.openIndex] : null;
    if (open) {
      const large = this.renderRoot.querySelector<HTMLCanvasElement>('[data-testid="tile-large"]');
      const start = this.renderRoot.querySelector<HTMLCanvasElement>('[data-testid="tile-start"]');
      if (large) draw(large, open.image);
      if (start) draw(start, open.startImage);
      if (!this.dialog.open) this.dialog.showModal();
    }
  }

  private renderSettings() {
    const s = this.settings;
    if (!s) return nothing;
    const num = (key: keyof ActmaxPlainSettings, label: string, step = 'any', min = '0') =>
      html`<label
        >${label}
        <input
          type="number"
          data-testid=${`setting-${key}`}
          step=${step}
          min=${min}
          .value=${String(s[key])}
          @change=${(e: Event) => this.setting(key, (e.target as HTMLInputElement).value)}
      /></label>`;
    return html`<details>
      <summary>Optimisation settings</summary>
      <div class="row">
        ${num('steps', 'Steps', '1', '1')} ${num('learningRate', 'Learning rate')}
        <label
          >Parameterisation
          <select
            @change=${(e: Event) =>
              this.setting('parameterization', (e.target as HTMLSelectElement).value)}
          >
            <option value="decorrelated" ?selected=${s.parameterization === 'decorrelated'}>
              Decorrelated (Fourier, smoother)
            </option>
            <option value="pixels" ?selected=${s.parameterization === 'pixels'}>Pixels</option>
          </select></label
        >
      </div>
      <div class="row">
        ${num('jitterPx', 'Jitter (px)', '1')} ${num('scaleAmount', 'Zoom ±')}
        ${num('rotateDeg', 'Rotate ±°', '1')}
      </div>
      <div class="row">
        ${num('totalVariation', 'Total variation')} ${num('l2', 'L2')}
        ${num('seed', 'Seed', '1', '-1000000')}
      </div>
    </details>`;
  }

  override render() {
    const visualisable = this.layers.filter((l) => l.role !== 'other' && l.count);
    const open = this.openIndex !== null ? this.tiles[this.openIndex] : null;
    const noun = this.kind === 'classes' ? 'classes' : this.kind === 'units' ? 'units' : 'filters';
    return html`
      <div class="row">
        <label
          >What
          <select
            data-testid="grid-kind"
            @change=${(e: Event) => this.change({ kind: (e.target as HTMLSelectElement).value })}
          >
            <option value="filters" ?selected=${this.kind === 'filters'}>
              Filters of a conv layer
            </option>
            <option value="units" ?selected=${this.kind === 'units'}>Units of a dense layer</option>
            <option value="classes" ?selected=${this.kind === 'classes'}>Classes</option>
          </select></label
        >
        ${
          this.kind === 'classes'
            ? nothing
            : html`<label
                >Layer
                <select
                  data-testid="grid-layer"
                  @change=${(e: Event) =>
                    this.change({ layer: (e.target as HTMLSelectElement).value })}
                >
                  ${visualisable
                    .filter((l) =>
                      this.kind === 'filters' ? l.role === 'conv' : l.role === 'dense',
                    )
                    .map(
                      (l) =>
                        html`<option value=${l.name} ?selected=${l.name === this.layer}>
                          ${l.name} (${l.count})
                        </option>`,
                    )}
                </select></label
              >`
        }
        <label
          >Which ${noun}
          <input
            type="text"
            data-testid="grid-selection"
            .value=${this.selection}
            @change=${(e: Event) => this.change({ selection: (e.target as HTMLInputElement).value })}
        /></label>
        <label
          >Quality
          <select
            data-testid="grid-preset"
            @change=${(e: Event) => this.change({ preset: (e.target as HTMLSelectElement).value })}
          >
            ${this.presets.map(
              (p) =>
                html`<option value=${p.id} ?selected=${p.id === this.preset}>${p.label}</option>`,
            )}
          </select></label
        >
      </div>
      ${this.renderSettings()}
      <div class="row">
        <button
          type="button"
          class="primary"
          data-testid="grid-run"
          ?disabled=${this.running || !this.gradientsAvailable}
          @click=${() => this.emit('run-grid')}
        >
          Show ${noun}
        </button>
        <button
          type="button"
          class="danger"
          data-testid="grid-cancel"
          ?disabled=${!this.running}
          @click=${() => this.emit('cancel-grid')}
        >
          Cancel
        </button>
        <button
          type="button"
          data-testid="grid-save"
          ?disabled=${this.running || this.tiles.length === 0}
          @click=${() => this.savePng()}
        >
          Save as PNG
        </button>
      </div>
      ${
        this.progress
          ? html`<progress
              data-testid="grid-progress"
              max=${this.progress.total || 1}
              .value=${this.progress.done}
              aria-label="Optimisation steps done"
            ></progress>`
          : nothing
      }
      <p role="status" data-testid="grid-status">${this.status}</p>
      ${
        this.tiles.length
          ? html`<div
              class="grid"
              style="grid-template-columns: repeat(${this.columns}, 1fr)"
              data-testid="grid"
            >
              ${this.tiles.map(
                (t, i) =>
                  html`<button
                    type="button"
                    data-testid="grid-tile"
                    data-index=${t.index}
                    data-responds=${t.responds ? 'true' : 'false'}
                    title=${t.responds ? t.label : `${t.label}: does not respond (dead filter)`}
                    aria-label=${`Enlarge ${t.label}${t.responds ? '' : ' (does not respond)'}`}
                    @click=${() => (this.openIndex = i)}
                  >
                    <canvas data-tile=${i}></canvas>
                  </button>`,
              )}
            </div>`
          : nothing
      }
      <dialog
        @close=${() => (this.openIndex = null)}
        @cancel=${() => (this.openIndex = null)}
        aria-label="Enlarged tile"
      >
        ${
          open
            ? html`<h3>${open.label}</h3>
                <div class="pair">
                  <figure>
                    <canvas data-testid="tile-large"></canvas>
                    <figcaption>After: ${open.endValue.toFixed(3)}</figcaption>
                  </figure>
                  <figure>
                    <canvas data-testid="tile-start"></canvas>
                    <figcaption>Start: ${open.startValue.toFixed(3)}</figcaption>
                  </figure>
                </div>
                ${
                  open.responds
                    ? nothing
                    : html`<p data-testid="tile-dead">
                        This
                        ${
                          this.kind === 'classes'
                            ? 'class score'
                            : this.kind === 'units'
                              ? 'unit'
                              : 'filter'
                        }
                        did not respond to any image tried: its output stayed at
                        ${open.endValue.toFixed(3)}, so the optimisation had nothing to follow (a
                        dead filter, for example one whose weights are all zero).
                      </p>`
                }
                <form method="dialog"><button data-testid="tile-close">Close</button></form>`
            : nothing
        }
      </dialog>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-filters': LabFilters;
  }
}
