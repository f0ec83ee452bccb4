/**
 * The region audit: choose a folder of photos (the directory picker where the browser has one)
 * or several photos, then see where the heatmaps put their energy (centre, top, bottom, edges)
 * against each region's share of the image. Raises `audit-folder`, `audit-files`,
 * `audit-cancel`.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { RegionShares } from '../explain/metrics/energy';
import { AUDIT_REGIONS, type AuditRow, type AuditSummary } from '../lab/region-audit';
import { theme } from './theme';

const pct = (v: number) => `${(v * 100).toFixed(0)}%`;

@customElement('lab-region-audit')
export class LabRegionAudit extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: grid;
        gap: 0.75rem;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
        align-items: center;
      }
      table {
        border-collapse: collapse;
        width: 100%;
      }
      th,
      td {
        text-align: right;
        padding: 0.3rem 0.5rem;
        border-bottom: 1px solid var(--rc-border);
      }
      th:first-child,
      td:first-child {
        text-align: left;
      }
      td.high {
        font-weight: 700;
        color: var(--rc-danger);
      }
      progress {
        width: 100%;
      }
      p {
        margin: 0;
      }
      details ul {
        max-height: 16rem;
        overflow: auto;
        font-size: 0.9rem;
      }
    `,
  ];

  @property({ type: Boolean }) folderPicker = false;
  @property({ type: Boolean }) running = false;
  @property({ attribute: false }) progress: { done: number; total: number } | null = null;
  @property({ attribute: false }) summary: AuditSummary | null = null;
  @property({ attribute: false }) rows: AuditRow[] = [];
  @property() method = 'gradcam';
  @property() layer = '';

  private emit(name: string, detail: unknown = null): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private onFiles(event: Event): void {
    const input = event.target as HTMLInputElement;
    const files = Array.from(input.files ?? []);
    input.value = '';
    if (files.length) this.emit('audit-files', { files });
  }

  private summaryRow(name: string, energy: RegionShares, area: RegionShares, ratio: RegionShares) {
    return html`<tr data-testid="audit-summary-row" data-name=${name}>
      <th scope="row">${name}</th>
      ${AUDIT_REGIONS.map(
        (r) =>
          html`<td
            class=${ratio[r] >= 1.33 ? 'high' : ''}
            data-region=${r}
            data-energy=${energy[r].toFixed(4)}
            title=${`area ${pct(area[r])}`}
          >
            ${pct(energy[r])}
          </td>`,
      )}
    </tr>`;
  }

  override render() {
    const s = this.summary;
    return html`
      <p class="muted">
        Heatmaps of each photo's top class (${this.method} at ${this.layer || 'the CAM layer'}):
        where does their energy lie?
      </p>
      <div class="row">
        ${
          this.folderPicker
            ? html`<button
                type="button"
                class="primary"
                data-testid="audit-folder"
                ?disabled=${this.running}
                @click=${() => this.emit('audit-folder')}
              >
                Choose a folder…
              </button>`
            : nothing
        }
        <label class="button ${this.folderPicker ? '' : 'primary'}"
          >Choose photos…
          <input
            type="file"
            multiple
            accept="image/*"
            data-testid="audit-files"
            ?disabled=${this.running}
            @change=${this.onFiles}
        /></label>
        <button
          type="button"
          class="danger"
          ?disabled=${!this.running}
          @click=${() => this.emit('audit-cancel')}
        >
          Stop
        </button>
      </div>
      ${
        this.progress
          ? html`<progress
              max=${this.progress.total || 1}
              .value=${this.progress.done}
              aria-label="Photos audited"
            ></progress>`
          : nothing
      }
      ${
        s
          ? html`<p role="status" data-testid="audit-sentence">${s.sentence}</p>
              <p class="muted" data-testid="audit-counts">
                ${s.measured} of ${s.chosen} photos
                measured${
                  s.emptyMaps ? `, ${s.emptyMaps} with an empty map` : ''
                }${s.failed ? `, ${s.failed} could not be read` : ''}.
              </p>
              ${
                s.all
                  ? html`<table data-testid="audit-summary">
                      <caption class="visually-hidden">
                        Share of heatmap energy by region
                      </caption>
                      <thead>
                        <tr>
                          <th scope="col">Photos</th>
                          ${AUDIT_REGIONS.map((r) => html`<th scope="col">${r}</th>`)}
                        </tr>
                      </thead>
                      <tbody>
                        ${this.summaryRow(`all (${s.all.photos})`, s.all.energy, s.all.area, s.all.ratio)}
                        ${s.byLabel.map((b) =>
                          this.summaryRow(
                            `${b.label} (${b.summary.photos})`,
                            b.summary.energy,
                            b.summary.area,
                            b.summary.ratio,
                          ),
                        )}
                        <tr>
                          <th scope="row">share of the image</th>
                          ${AUDIT_REGIONS.map((r) => html`<td>${pct(s.all!.area[r])}</td>`)}
                        </tr>
                      </tbody>
                    </table>`
                  : nothing
              }`
          : nothing
      }
      ${
        this.rows.length
          ? html`<details>
              <summary>Each photo</summary>
              <ul>
                ${this.rows.map(
                  (r) =>
                    html`<li data-testid="audit-row">
                      ${r.name}:
                      ${
                        r.error
                          ? r.error
                          : `${r.label} ${((r.probability ?? 0) * 100).toFixed(0)}%` +
                            (r.regions && !r.regions.empty
                              ? ` — ${AUDIT_REGIONS.map((k) => `${k} ${pct(r.regions!.energy[k])}`).join(', ')}`
                              : ' — empty map')
                      }
                    </li>`,
                )}
              </ul>
            </details>`
          : nothing
      }
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-region-audit': LabRegionAudit;
  }
}
