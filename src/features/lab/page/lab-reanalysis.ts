/**
 * Re-analysis of stored surveys by a new road model: each run with its progress and a
 * Pause / Resume button, and the surveys of the chosen run with the old verdict beside the new
 * one, disagreements first. Raises `run-start`, `run-pause`, `run-resume`, `run-retry`, `run-select`,
 * `disagreements-only`.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { theme } from '../../../components/theme';
import { labelTitle } from '../../../model/label-titles';

export interface RunView {
  id: string;
  modelName: string;
  version: string;
  state: 'running' | 'paused' | 'done';
  done: number;
  total: number;
  stoppedReason?: string;
}

export interface VerdictView {
  label: string;
  /** The probability of the verdict's label (a pothole model's). */
  probability: number;
  /** A road-damage model's analysis: the damage types it found. */
  types?: string[];
  /** The verdict was in a "not sure" band. */
  notSure?: boolean;
}

export interface ResultView {
  surveyId: string;
  createdAt: string;
  thumbnailUrl: string | null;
  old: VerdictView | null;
  oldModel: string;
  new: VerdictView | null;
  error: string | null;
  disagree: boolean;
}

export interface ReanalysisModelChoice {
  ref: string;
  name: string;
}

/**
 * "Pothole 91%" for a pothole model's verdict; a road-damage model's names the types it found
 * ("Pothole, Crack"), or "Good road", "Not a road", "Not sure".
 */
export function verdictText(v: VerdictView | null): string {
  if (!v) return '—';
  if (v.label === 'not-a-road') return 'Not a road';
  if (v.types) {
    if (v.types.length) return v.types.map(labelTitle).join(', ');
    return v.notSure ? 'Not sure' : 'Good road';
  }
  // A road-damage survey's result saved before the types were kept.
  if (v.label === 'damage') return 'Damage';
  return `${v.label === 'pothole' ? 'Pothole' : 'Good road'} ${(v.probability * 100).toFixed(0)}%`;
}

@customElement('lab-reanalysis')
export class LabReanalysis extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: grid;
        /* Long model names wrap or shrink their select: the page stays within a 360 px screen. */
        grid-template-columns: minmax(0, 1fr);
        gap: 0.75rem;
      }
      .row > label {
        max-width: 100%;
      }
      select {
        max-width: 100%;
      }
      ul {
        list-style: none;
        padding: 0;
        margin: 0;
        display: grid;
        gap: 0.5rem;
      }
      li.run {
        background: var(--rc-surface);
        border-radius: 10px;
        padding: 0.5rem 0.75rem;
        display: grid;
        gap: 0.4rem;
      }
      li.run[aria-current='true'] {
        outline: 2px solid var(--rc-primary);
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
        justify-content: space-between;
      }
      progress {
        width: 100%;
      }
      table {
        border-collapse: collapse;
        width: 100%;
      }
      th,
      td {
        text-align: left;
        padding: 0.3rem 0.4rem;
        border-bottom: 1px solid var(--rc-border);
        vertical-align: middle;
      }
      tr[data-disagree] {
        background: #fdeceb;
      }
      img {
        width: 56px;
        height: 56px;
        object-fit: cover;
        border-radius: 6px;
        display: block;
      }
      p {
        margin: 0;
      }
    `,
  ];

  @property({ attribute: false }) runs: RunView[] = [];
  @property() selectedRunId = '';
  @property({ attribute: false }) results: ResultView[] = [];
  @property({ type: Boolean }) disagreementsOnly = false;
  @property({ attribute: false }) models: ReanalysisModelChoice[] = [];
  @property({ type: Number }) surveyCount = 0;
  /** Why the background loop stopped (the lab's database failed), or ''. */
  @property() loopError = '';

  private emit(name: string, detail: unknown = null): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private startForm(event: Event): void {
    event.preventDefault();
    const ref = new FormData(event.target as HTMLFormElement).get('model');
    if (ref) this.emit('run-start', { ref: String(ref) });
  }

  override render() {
    const shown = this.disagreementsOnly ? this.results.filter((r) => r.disagree) : this.results;
    const disagreements = this.results.filter((r) => r.disagree).length;
    return html`
      <p class="muted">
        A new road model (pothole or road damage) re-analyses the ${this.surveyCount}
        survey${this.surveyCount === 1 ? '' : 's'} on this device in the background, one photo at a
        time. Each survey keeps its verdict; the new one is shown beside it, so that disagreements
        can be reviewed before the new model goes to the field.
      </p>
      ${
        this.models.length
          ? html`<form class="row" @submit=${this.startForm}>
              <label
                >Re-analyse with
                <select name="model" data-testid="reanalysis-model">
                  ${this.models.map((m) => html`<option value=${m.ref}>${m.name}</option>`)}
                </select></label
              >
              <button type="submit" data-testid="reanalysis-start">Start</button>
            </form>`
          : nothing
      }
      ${
        this.loopError
          ? html`<p role="alert" data-testid="reanalysis-failed">
              The re-analysis stopped: ${this.loopError} What was done is kept.
              <button data-testid="reanalysis-retry" @click=${() => this.emit('run-retry')}>
                Try again
              </button>
            </p>`
          : nothing
      }
      <ul>
        ${this.runs.map(
          (r) =>
            html`<li
              class="run"
              data-testid="reanalysis-run"
              data-id=${r.id}
              data-state=${r.state}
              data-done=${r.done}
              data-total=${r.total}
              aria-current=${r.id === this.selectedRunId ? 'true' : 'false'}
            >
              <div class="row">
                <strong>${r.modelName} v${r.version}</strong>
                <span data-testid="reanalysis-progress"
                  >${r.done} of ${r.total} ·
                  ${r.state === 'running' ? 'running' : r.state === 'paused' ? 'paused' : 'done'}</span
                >
              </div>
              <progress
                max=${r.total || 1}
                .value=${r.done}
                aria-label="Surveys re-analysed"
              ></progress>
              ${r.stoppedReason ? html`<p role="alert">${r.stoppedReason}</p>` : nothing}
              <div class="row">
                ${
                  r.state === 'running'
                    ? html`<button
                        type="button"
                        data-testid="reanalysis-pause"
                        @click=${() => this.emit('run-pause', { id: r.id })}
                      >
                        Pause
                      </button>`
                    : html`<button
                        type="button"
                        data-testid="reanalysis-resume"
                        ?disabled=${r.state === 'done' && r.done >= this.surveyCount}
                        @click=${() => this.emit('run-resume', { id: r.id })}
                      >
                        ${r.state === 'done' ? 'Analyse new surveys' : 'Resume'}
                      </button>`
                }
                <button
                  type="button"
                  ?disabled=${r.id === this.selectedRunId}
                  @click=${() => this.emit('run-select', { id: r.id })}
                >
                  Review
                </button>
              </div>
            </li>`,
        )}
      </ul>
      ${
        this.selectedRunId
          ? html`<div class="row">
                <p data-testid="reanalysis-disagreements">
                  ${disagreements} of ${this.results.length}
                  verdict${this.results.length === 1 ? '' : 's'} changed.
                </p>
                <label
                  ><input
                    type="checkbox"
                    .checked=${this.disagreementsOnly}
                    @change=${(e: Event) =>
                      this.emit('disagreements-only', {
                        value: (e.target as HTMLInputElement).checked,
                      })}
                  />
                  Only disagreements</label
                >
              </div>
              <table data-testid="reanalysis-results">
                <thead>
                  <tr>
                    <th scope="col"><span class="visually-hidden">Photo</span></th>
                    <th scope="col">Taken</th>
                    <th scope="col">Old verdict</th>
                    <th scope="col">New verdict</th>
                  </tr>
                </thead>
                <tbody>
                  ${shown.map(
                    (r) =>
                      html`<tr
                        data-testid="reanalysis-row"
                        data-survey=${r.surveyId}
                        data-old=${r.old?.label ?? ''}
                        data-new=${r.new?.label ?? ''}
                        data-new-types=${r.new?.types?.join(',') ?? ''}
                        ?data-disagree=${r.disagree}
                      >
                        <td>
                          ${r.thumbnailUrl ? html`<img src=${r.thumbnailUrl} alt="" />` : nothing}
                        </td>
                        <td>${new Date(r.createdAt).toLocaleString()}</td>
                        <td>
                          ${verdictText(r.old)}<br /><small class="muted">${r.oldModel}</small>
                        </td>
                        <td>
                          ${r.error ? html`<span role="note">${r.error}</span>` : verdictText(r.new)}
                          ${r.disagree ? html`<br /><strong>changed</strong>` : nothing}
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
          : nothing
      }
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-reanalysis': LabReanalysis;
  }
}
