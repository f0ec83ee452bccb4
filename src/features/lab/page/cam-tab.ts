/**
 * The Grad-CAM tab: a photo's top classes, each with its heatmap, for the chosen method and
 * target layer. Its method and layer are also the ones the Draw and Region audit tabs use.
 */
import { html, nothing } from 'lit';
import { FIELD_CAM_METHODS } from '../../../ui/cam-methods';
import type { CamMethodName } from '../../../explain/cam/compute-cam';
import type { ImageExplanation, LabModelInfo } from '../shared/lab-protocol';
import './lab-cam-explorer';
import type { CamSettingsView } from './lab-cam-explorer';
import type { LabSession } from './lab-session';
import { TabController } from './tab-controller';

const LAB_CAM_METHODS = [
  ...FIELD_CAM_METHODS.map((m) => ({ id: m.name, label: m.label })),
  { id: 'scorecam', label: 'Score-CAM (slow)' },
];

/** Frees the bitmaps of an explanation that is no longer shown. */
export function closeExplanation(e: ImageExplanation | null): void {
  if (!e) return;
  e.photo.close();
  for (const c of e.classes) c.heatmap?.close();
}

export class CamTab extends TabController {
  settings: CamSettingsView = { method: 'gradcam', layer: '', topK: 3, opacity: 0.5 };
  private explored: ImageExplanation | null = null;
  private status = '';
  private exploring = false;
  private lastPhoto: File | null = null;

  constructor(session: LabSession) {
    super(session);
    session.onModelOpened((info) => this.reset(info));
  }

  private reset(info: LabModelInfo): void {
    this.show(null);
    this.lastPhoto = null;
    this.settings = {
      ...this.settings,
      method: info.camProblem?.code === 'no-gradient' ? 'eigencam' : 'gradcam',
      layer: info.manifest.cam.layer,
    };
  }

  /** The method and layer every tab's heatmaps use. */
  camRequest(): { method: CamMethodName; layer: string | undefined } {
    return {
      method: this.settings.method as CamMethodName,
      layer: this.settings.layer || undefined,
    };
  }

  private show(next: ImageExplanation | null): void {
    if (this.explored !== next) closeExplanation(this.explored);
    this.explored = next;
    this.changed();
  }

  private async explore(file: File): Promise<void> {
    const { session } = this;
    const model = session.model;
    if (!model || !session.client) return;
    session.clearMessages();
    this.lastPhoto = file;
    this.exploring = true;
    this.status = 'Explaining…';
    this.changed();
    try {
      const outcome = await session.client.explainPhoto(file, {
        modelKey: model.key,
        ...this.camRequest(),
        topK: this.settings.topK,
      });
      if (!outcome.ok) {
        this.status = '';
        session.showError(outcome.error);
        return;
      }
      const v = outcome.value;
      this.status = `${v.method} at ${v.layer}: ${v.classes.length} classes in ${Math.round(v.elapsedMs)} ms.`;
      this.show(v);
    } finally {
      this.exploring = false;
      this.changed();
    }
  }

  private async onSettings(change: Partial<CamSettingsView>): Promise<void> {
    const rerun = 'method' in change || 'layer' in change || 'topK' in change;
    this.settings = { ...this.settings, ...change };
    this.changed();
    if (rerun && this.lastPhoto) await this.explore(this.lastPhoto);
  }

  render() {
    const m = this.session.model;
    if (!m) return nothing;
    return html`<lab-cam-explorer
      .methods=${LAB_CAM_METHODS}
      .layers=${m.layers}
      .settings=${this.settings}
      .result=${this.explored}
      ?busy=${this.exploring}
      status=${this.status}
      @explore-photo=${(e: CustomEvent<{ file: File }>) => this.explore(e.detail.file)}
      @cam-settings=${(e: CustomEvent<Partial<CamSettingsView>>) => this.onSettings(e.detail)}
    ></lab-cam-explorer>`;
  }
}
