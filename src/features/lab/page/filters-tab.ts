/**
 * The Filters tab: activation maximization of a layer's filters, a dense layer's units or the
 * classes, computed in the lab worker with progress, tiles shown as batches finish, Cancel.
 * Starts on the middle conv layer with the settings suited to the model's input size.
 */
import * as Comlink from 'comlink';
import { html, nothing } from 'lit';
import {
  ACTMAX_PRESETS,
  actmaxSettingsFor,
  defaultPreset,
  settingsProblem,
  type ActmaxPreset,
} from '../shared/actmax-settings';
import type {
  ActmaxPlainSettings,
  GridKind,
  GridProgress,
  GridTileResult,
  LabLayer,
  LabModelInfo,
} from '../shared/lab-protocol';
import { convLayers, middleConvLayer } from '../shared/layer-choice';
import './lab-filters';
import type { LabSession } from './lab-session';
import { TabController } from './tab-controller';

type FiltersChange = {
  layer?: string;
  kind?: GridKind;
  selection?: string;
  preset?: ActmaxPreset;
  settings?: ActmaxPlainSettings;
};

const NOUNS: Record<GridKind, string> = { classes: 'classes', units: 'units', filters: 'filters' };

export class FiltersTab extends TabController {
  private layer = '';
  private kind: GridKind = 'filters';
  private selection = 'first 16';
  private preset: ActmaxPreset = 'quick';
  private settings: ActmaxPlainSettings | null = null;
  private running = false;
  private progress: { done: number; total: number } | null = null;
  private tiles: GridTileResult[] = [];
  private columns = 4;
  private status = '';

  constructor(session: LabSession) {
    super(session);
    session.onModelOpened((info) => this.reset(info));
    session.beforeModelChange(() => this.cancel());
  }

  private reset(info: LabModelInfo): void {
    const middle = middleConvLayer(info.layers);
    this.kind = middle ? 'filters' : 'classes';
    this.layer = middle?.name ?? '';
    this.preset = defaultPreset(info.inputShape);
    this.settings = actmaxSettingsFor(info.inputShape, this.preset);
    this.tiles = [];
    this.progress = null;
    this.status = '';
  }

  /** A layer picked in the Layers tab: its filters (conv) or units (dense). */
  pickLayer(layer: LabLayer): void {
    this.kind = layer.role === 'dense' ? 'units' : 'filters';
    this.layer = layer.name;
    this.changed();
  }

  private onChange(d: FiltersChange): void {
    const model = this.session.model;
    if (!model) return;
    if (d.kind) {
      this.kind = d.kind;
      const first =
        d.kind === 'units'
          ? model.layers.find((l) => l.role === 'dense' && l.count)
          : d.kind === 'filters'
            ? (middleConvLayer(model.layers) ?? convLayers(model.layers)[0])
            : null;
      this.layer = first?.name ?? '';
    }
    if (d.layer !== undefined) this.layer = d.layer;
    if (d.selection !== undefined) this.selection = d.selection;
    if (d.preset) {
      this.preset = d.preset;
      this.settings = actmaxSettingsFor(model.inputShape, d.preset);
    }
    if (d.settings) this.settings = d.settings;
    this.changed();
  }

  private async run(): Promise<void> {
    const { session } = this;
    const model = session.model;
    const settings = this.settings;
    if (!model || !settings || !session.client) return;
    const problem = settingsProblem(settings);
    if (problem) {
      session.showError({ message: problem });
      return;
    }
    session.clearMessages();
    this.running = true;
    this.tiles = [];
    this.progress = { done: 0, total: settings.steps };
    this.status = 'Optimising in the background…';
    this.changed();
    const started = performance.now();
    const onProgress = (p: GridProgress) => {
      this.progress = { done: p.done, total: p.total };
      if (p.tiles.length) this.tiles = [...this.tiles, ...p.tiles];
      this.changed();
    };
    try {
      const outcome = await session.client.filterGrid(
        {
          modelKey: model.key,
          layer: this.layer,
          kind: this.kind,
          selection: this.selection,
          settings,
        },
        Comlink.proxy(onProgress),
      );
      if (!outcome.ok) {
        if (outcome.error.code === 'cancelled') {
          this.status = `Cancelled after ${this.progress?.done ?? 0} of ${this.progress?.total ?? 0} steps.`;
        } else {
          this.status = '';
          session.showError(outcome.error);
        }
        return;
      }
      const r = outcome.value;
      this.tiles = r.tiles;
      this.columns = r.columns;
      const total = this.progress?.total ?? 0;
      this.progress = { done: total, total };
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      this.status = `Done: ${r.tiles.length} ${NOUNS[r.kind]}${r.kind === 'classes' ? '' : ` of ${r.layer}`}, ${r.settings.steps} steps, in ${seconds} s.`;
    } catch (error) {
      session.showError({
        message: 'The filter images could not be computed.',
        detail: String(error),
      });
    } finally {
      this.running = false;
      this.changed();
    }
  }

  async cancel(): Promise<void> {
    if (this.running) await this.session.client?.cancelGrid();
  }

  render() {
    const m = this.session.model;
    if (!m) return nothing;
    return html`<lab-filters
      .layers=${m.layers}
      layer=${this.layer}
      kind=${this.kind}
      selection=${this.selection}
      preset=${this.preset}
      .presets=${ACTMAX_PRESETS}
      .settings=${this.settings}
      ?running=${this.running}
      ?gradientsAvailable=${m.camProblem?.code !== 'no-gradient'}
      .progress=${this.progress}
      .tiles=${this.tiles}
      .columns=${this.columns}
      status=${this.status}
      modelId=${m.manifest.id}
      @filters-change=${(e: CustomEvent<FiltersChange>) => this.onChange(e.detail)}
      @run-grid=${() => this.run()}
      @cancel-grid=${() => this.cancel()}
    ></lab-filters>`;
  }
}
