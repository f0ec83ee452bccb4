/**
 * The model lab's page (`roadcam-lab`): the tab bar, the message line, and the shown tab. Each
 * tab is its own controller (model-tab.ts, filters-tab.ts, ...) with its own state; they share
 * the lab worker, the stores and the open model through a LabSession. Loaded on demand (the
 * field app imports it only when /lab is opened), so the field app's start-up pays nothing for
 * it. Everything heavy runs in the lab worker.
 */
import { html, LitElement, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import '../../../components/rc-error-message';
import { engineText } from '../../../ui/engine-text';
import { AuditTab } from './audit-tab';
import { CamTab } from './cam-tab';
import { DigitsTab } from './digits-tab';
import { FiltersTab } from './filters-tab';
import { labPageStyles } from './lab-page.styles';
import { LabSession, type LabTab } from './lab-session';
import { LayersTab } from './layers-tab';
import { ModelCatalogue } from './model-catalogue';
import { ModelTab } from './model-tab';
import { ReanalyseTab } from './reanalyse-tab';
import type { TabController } from './tab-controller';

const TABS: { id: LabTab; label: string; needsModel: boolean }[] = [
  { id: 'model', label: 'Model', needsModel: false },
  { id: 'layers', label: 'Layers', needsModel: true },
  { id: 'filters', label: 'Filters', needsModel: true },
  { id: 'cam', label: 'Grad-CAM', needsModel: true },
  { id: 'digits', label: 'Draw', needsModel: true },
  { id: 'audit', label: 'Region audit', needsModel: true },
  { id: 'reanalyse', label: 'Re-analyse', needsModel: false },
];

@customElement('roadcam-lab')
export class RoadcamLab extends LitElement {
  static override styles = labPageStyles;

  private readonly session = new LabSession(this);
  private readonly catalogue = new ModelCatalogue(this.session);
  private readonly reanalyse = new ReanalyseTab(this.session, this.catalogue);
  private readonly tabs: Record<LabTab, TabController>;
  private started = false;

  constructor() {
    super();
    const filters = new FiltersTab(this.session);
    const cam = new CamTab(this.session);
    this.tabs = {
      model: new ModelTab(this.session, this.catalogue, this.reanalyse),
      layers: new LayersTab(this.session, filters),
      filters,
      cam,
      digits: new DigitsTab(this.session, cam),
      audit: new AuditTab(this.session, cam),
      reanalyse: this.reanalyse,
    };
    // Panels report what they cannot do themselves (a PNG, a folder) on the message line.
    this.addEventListener('lab-error', (e) => this.session.showError((e as CustomEvent).detail));
  }

  /** The lab worker's client (the browser tests count the worker's live tensors through it). */
  get client() {
    return this.session.client;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.started) return;
    this.started = true;
    void this.catalogue.checkBundled();
    void this.session.start(async (stores) => {
      await this.catalogue.refreshKept();
      await this.reanalyse.start(stores);
    });
  }

  private openTab(id: LabTab): void {
    this.session.show(id);
    this.tabs[id].shown();
  }

  override render() {
    const { model, error, notice, tab, engine } = this.session;
    return html`
      <h2>Model lab</h2>
      <p class="muted">
        Open a TensorFlow.js model, see what its filters respond to and where it looks. Lab engine:
        <span data-testid="lab-backend">${engineText(engine)}</span>${
          model
            ? html` · Model: <strong data-testid="lab-model">${model.manifest.name}</strong>`
            : nothing
        }
      </p>
      <rc-error-message testid="lab-error" .error=${error}></rc-error-message>
      ${
        notice
          ? html`<p class="notice" role="status" data-testid="lab-notice">${notice}</p>`
          : nothing
      }
      <div class="tabs" role="toolbar" aria-label="Lab sections">
        ${TABS.map(
          (t) =>
            html`<button
              type="button"
              data-testid=${`lab-tab-${t.id}`}
              aria-pressed=${tab === t.id ? 'true' : 'false'}
              ?disabled=${t.needsModel && !model}
              @click=${() => this.openTab(t.id)}
            >
              ${t.label}
            </button>`,
        )}
      </div>
      ${this.tabs[tab].render()}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'roadcam-lab': RoadcamLab;
  }
}
