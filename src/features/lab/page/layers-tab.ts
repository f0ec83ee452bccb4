/**
 * The Layers tab: every layer with its output shape, the default CAM target marked; a layer's
 * Filters (or Units) button opens it in the Filters tab.
 */
import { html, nothing } from 'lit';
import type { FiltersTab } from './filters-tab';
import './lab-layers';
import type { LabSession } from './lab-session';
import { TabController } from './tab-controller';

export class LayersTab extends TabController {
  constructor(
    session: LabSession,
    private readonly filters: FiltersTab,
  ) {
    super(session);
  }

  private onPick(name: string): void {
    const layer = this.session.model?.layers.find((l) => l.name === name);
    if (!layer) return;
    this.filters.pickLayer(layer);
    this.session.show('filters');
  }

  render() {
    const m = this.session.model;
    if (!m) return nothing;
    return html`<lab-layers
      .layers=${m.layers}
      defaultCamLayer=${m.defaultCamLayer ?? ''}
      @layer-pick=${(e: CustomEvent<{ name: string }>) => this.onPick(e.detail.name)}
    ></lab-layers>`;
  }
}
