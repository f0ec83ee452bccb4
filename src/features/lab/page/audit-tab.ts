/**
 * The Region audit tab: each chosen photo's top class and where its heatmap's energy lies
 * (centre, top, bottom, edges), summed over the photos against each region's share of the
 * image. Photos are explained one at a time in the worker; Stop ends after the photo in hand.
 */
import { html, nothing } from 'lit';
import {
  isPhotoFile,
  summariseAudit,
  type AuditRow,
  type AuditSummary,
} from '../shared/region-audit';
import type { CamTab } from './cam-tab';
import './lab-region-audit';
import type { LabSession } from './lab-session';
import { TabController } from './tab-controller';

/** The table is redrawn after this many photos (and after the last). */
const REDRAW_EVERY = 5;

export class AuditTab extends TabController {
  private running = false;
  private progress: { done: number; total: number } | null = null;
  private rows: AuditRow[] = [];
  private summary: AuditSummary | null = null;
  private cancelled = false;

  constructor(
    session: LabSession,
    private readonly cam: CamTab,
  ) {
    super(session);
    session.onModelOpened(() => {
      this.rows = [];
      this.summary = null;
    });
  }

  private async run(files: File[]): Promise<void> {
    const { session } = this;
    const model = session.model;
    if (!model || !session.client) return;
    session.clearMessages();
    const photos = files.filter(isPhotoFile);
    if (photos.length === 0) {
      session.showError({
        message: 'There are no photos (JPEG, PNG, WebP…) among the chosen files.',
      });
      return;
    }
    this.cancelled = false;
    this.running = true;
    this.rows = [];
    this.summary = null;
    this.progress = { done: 0, total: photos.length };
    this.changed();
    const rows: AuditRow[] = [];
    try {
      for (const file of photos) {
        if (this.cancelled) break;
        rows.push(await this.auditPhoto(model.key, file));
        this.progress = { done: rows.length, total: photos.length };
        if (rows.length % REDRAW_EVERY === 0 || rows.length === photos.length) {
          this.rows = [...rows];
          this.summary = summariseAudit(rows);
        }
        this.changed();
      }
    } finally {
      this.rows = [...rows];
      this.summary = summariseAudit(rows);
      this.running = false;
      this.changed();
    }
  }

  private async auditPhoto(modelKey: string, file: File): Promise<AuditRow> {
    const outcome = await this.session.client!.explainPhoto(file, {
      modelKey,
      ...this.cam.camRequest(),
      topK: 1,
      regions: true,
    });
    if (!outcome.ok) {
      return {
        name: file.name,
        label: null,
        probability: null,
        regions: null,
        error: outcome.error.message,
      };
    }
    const top = outcome.value.classes[0];
    outcome.value.photo.close();
    top.heatmap?.close();
    return {
      name: file.name,
      label: top.label,
      probability: top.probability,
      regions: top.regions,
      error: null,
    };
  }

  render() {
    if (!this.session.model) return nothing;
    const { method, layer } = this.cam.settings;
    return html`<lab-region-audit
      ?running=${this.running}
      .progress=${this.progress}
      .summary=${this.summary}
      .rows=${this.rows}
      method=${method}
      layer=${layer}
      @audit-files=${(e: CustomEvent<{ files: File[] }>) => this.run(e.detail.files)}
      @audit-cancel=${() => (this.cancelled = true)}
    ></lab-region-audit>`;
  }
}
