/**
 * The region audit: choose a folder of photos (the directory picker where the browser has one;
 * its photos are gathered here, subfolders included) or several photos, then see where the
 * heatmaps put their energy (centre, top, bottom, edges) against each region's share of the
 * image. Raises `audit-files` (the photos), `audit-cancel`, and `lab-error` when a folder
 * cannot be read.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { RegionShares } from '../../../explain/metrics/energy';
import {
  AUDIT_REGIONS,
  isPhotoFile,
  type AuditRow,
  type AuditSummary,
} from '../shared/region-audit';
import { theme } from '../../../components/theme';
import { labPanelStyles } from './lab-panel.styles';

const pct = (v: number) => `${(v * 100).toFixed(0)}%`;

/** Directory handles as Chromium exposes them (not in TypeScript's DOM lib yet). */
interface DirectoryHandle {
  kind: 'directory';
  name: string;
  values(): AsyncIterable<
    DirectoryHandle | { kind: 'file'; name: string; getFile(): Promise<File> }
  >;
}

type DirectoryPicker = () => Promise<DirectoryHandle>;

function directoryPicker(): DirectoryPicker | undefined {
  return (window as unknown as { showDirectoryPicker?: DirectoryPicker }).showDirectoryPicker;
}

/** The photos in a folder and its subfolders, named by their path inside it. */
async function photosIn(dir: DirectoryHandle, prefix = ''): Promise<File[]> {
  const out: File[] = [];
  for await (const entry of dir.values()) {
    if (entry.kind === 'directory') out.push(...(await photosIn(entry, `${prefix}${entry.name}/`)));
    else {
      const file = await entry.getFile();
      if (isPhotoFile(file))
        out.push(new File([file], `${prefix}${file.name}`, { type: file.type }));
    }
  }
  return out;
}

@customElement('lab-region-audit')
export class LabRegionAudit extends LitElement {
  static override styles = [
    theme,
    labPanelStyles,
    css`
      /* A row of buttons, no labelled fields: centred rather than aligned on their bottoms. */
      .row {
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
      details ul {
        max-height: 16rem;
        overflow: auto;
        font-size: 0.9rem;
      }
    `,
  ];

  /** Browsers without a directory picker offer "Choose photos…" alone. */
  private readonly folderPicker = directoryPicker() !== undefined;
  @property({ type: Boolean }) running = false;
  @property({ attribute: false }) progress: { done: number; total: number } | null = null;
  @property({ attribute: false }) summary: AuditSummary | null = null;
  @property({ attribute: false }) rows: AuditRow[] = [];
  @property() method = 'gradcam';
  @property() layer = '';

  private emit(name: string, detail: unknown = null): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private async onFolder(): Promise<void> {
    const picker = directoryPicker();
    if (!picker) return;
    try {
      const dir = await picker.call(window);
      this.emit('audit-files', { files: await photosIn(dir) });
    } catch (error) {
      if ((error as Error)?.name === 'AbortError') return;
      this.emit('lab-error', { message: 'The folder could not be read.', detail: String(error) });
    }
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
                @click=${() => this.onFolder()}
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
