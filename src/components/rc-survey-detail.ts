/**
 * One saved survey: the photo with its heatmap, what was recorded, notes and severity to edit,
 * its sync state (a conflict shown with the server's version beside it), and delete with a
 * confirmation. The page puts the engineer's Right / Wrong in the `correction` slot. Notes are shown as text, never as HTML. Raises `notes-input`,
 * `severity-change`, `delete-request`, `delete-confirm`, `delete-cancel`, `analyse-now`, `back`,
 * `replace-server-version`.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { SurveyVerdict } from '../schema/survey';
import './rc-damage-types';
import type { TypeLine, TypeToggle } from './rc-damage-types';
import './rc-explanation';
import type { MethodChoice } from './rc-explanation';
import type { VerdictSummary } from './rc-verdict';
import type { Region } from './rc-heatmap';
import { syncText } from './rc-survey-list';
import { theme } from './theme';
import { definitionListStyles } from './definition-list.styles';

export interface SurveyDetailView {
  id: string;
  createdAt: string;
  updatedAt: string;
  verdict: SurveyVerdict | null;
  analysisError: string | null;
  positionText: string;
  modelText: string;
  syncState: string;
  syncReason?: string;
  /** The phone's revision (1 when made, +1 per edit). */
  revision: number;
  /** Set when the server holds another version this one cannot replace. */
  conflict: SyncConflictView | null;
  notes: string;
  severity: number | null;
  /** The engineer's Right / Wrong in words ("Wrong: Crack"); null before they answer. */
  answerText?: string | null;
  /** "Corrected by the office: …" once the office reviewed it; null before. */
  officeCorrection?: string | null;
  /** What earlier models said, newest first, when a newer one analysed the photo again. */
  earlierAnalyses?: string[];
  /** Road-damage models: the headline, a heatmap toggle per type, a line per type. */
  damage: { headline: VerdictSummary; toggles: TypeToggle[]; lines: TypeLine[] } | null;
}

export interface SyncConflictView {
  message: string;
  /** What the server holds, when it could be asked; null offline. */
  server: {
    revision: number;
    notes: string;
    severity: number | null;
    updatedAt: string;
    /** Its Right / Wrong answer in words; null when it has none. */
    answerText?: string | null;
  } | null;
  /** A replacement was asked for and is on its way. */
  replacing: boolean;
}

@customElement('rc-survey-detail')
export class RcSurveyDetail extends LitElement {
  static override styles = [
    theme,
    definitionListStyles,
    css`
      :host {
        display: grid;
        gap: 0.75rem;
      }
      fieldset {
        border: 2px solid var(--rc-border);
        border-radius: 10px;
        display: flex;
        gap: 0.5rem;
        flex-wrap: wrap;
      }
      textarea {
        width: 100%;
        min-height: 6rem;
      }
      .notes-label {
        font-weight: 600;
      }
      .confirm {
        border: 2px solid var(--rc-danger);
        border-radius: 10px;
        padding: 0.75rem;
        display: grid;
        gap: 0.5rem;
      }
      .row {
        display: flex;
        gap: 0.75rem;
        flex-wrap: wrap;
      }
      .saved-notes {
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      .office-correction {
        border: 2px solid var(--rc-border);
        border-radius: 10px;
        padding: 0.75rem 1rem;
        margin: 0;
        font-weight: 600;
      }
      .conflict {
        border: 2px solid var(--rc-danger);
        background: #fdeceb;
        color: #5c1510;
        border-radius: 10px;
        padding: 0.75rem 1rem;
        display: grid;
        gap: 0.5rem;
      }
      .conflict h3 {
        margin: 0;
        font-size: 1.05rem;
      }
      .conflict p {
        margin: 0;
      }
      .conflict .text {
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
    `,
  ];

  @property({ attribute: false }) survey: SurveyDetailView | null = null;
  /** Road-damage models: the type whose heatmap is drawn, and its title. */
  @property() selectedType = '';
  @property() heatmapOf = '';
  @property({ attribute: false }) photo: ImageBitmap | null = null;
  @property({ attribute: false }) heatmap: ImageBitmap | null = null;
  @property({ attribute: false }) region: Region = { x: 0, y: 0, width: 1, height: 1 };
  @property({ type: Number }) opacity = 0.5;
  @property() method = 'gradcam';
  @property({ attribute: false }) methods: MethodChoice[] = [];
  @property() whereLooked = '';
  @property({ type: Boolean }) explaining = false;
  @property({ type: Boolean }) confirmingDelete = false;
  @property({ type: Boolean }) canAnalyse = false;
  @property() saveState = '';

  private emit(name: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private renderConflict(s: SurveyDetailView) {
    const c = s.conflict;
    if (!c) return nothing;
    const server = c.server;
    return html`<section
      class="conflict"
      data-testid="sync-conflict"
      aria-labelledby="conflict-title"
    >
      <h3 id="conflict-title">Sync conflict: not uploaded</h3>
      <p>${c.message}</p>
      ${
        server
          ? html`<p data-testid="server-version">
              On the server (revision ${server.revision},
              ${new Date(server.updatedAt).toLocaleString()}): severity
              ${server.severity ?? 'none'}; answer: ${server.answerText ?? 'none'}; notes:
              <span class="text">${server.notes || '(none)'}</span>
            </p>`
          : html`<p class="muted">The server’s version cannot be shown now (no connection).</p>`
      }
      <p data-testid="phone-version">
        On this phone (revision ${s.revision}): severity ${s.severity ?? 'none'}; answer:
        ${s.answerText ?? 'none'}; notes below.
      </p>
      <p>
        Nothing is overwritten unless you choose to. To keep this phone’s version on the server
        instead:
      </p>
      <div class="row">
        <button
          type="button"
          data-testid="replace-server-version"
          ?disabled=${c.replacing}
          @click=${() => this.emit('replace-server-version', { id: s.id })}
        >
          ${c.replacing ? 'Sending this version…' : 'Replace the server’s version with this one'}
        </button>
      </div>
    </section>`;
  }

  override render() {
    const s = this.survey;
    if (!s) return html`<p>Loading the survey…</p>`;
    return html`
      <div class="row">
        <button type="button" @click=${() => this.emit('back')}>← All surveys</button>
      </div>
      <rc-explanation
        .verdict=${s.verdict}
        .summary=${s.damage?.headline ?? null}
        heatmapOf=${this.heatmapOf}
        verdictReason=${s.analysisError ?? ''}
        .photo=${this.photo}
        .heatmap=${this.heatmap}
        .region=${this.region}
        .opacity=${this.opacity}
        method=${this.method}
        .methods=${this.methods}
        whereLooked=${this.whereLooked}
        ?explaining=${this.explaining}
      >
        ${
          s.damage
            ? html`<rc-damage-types
                slot="before-photo"
                .toggles=${s.damage.toggles}
                .lines=${s.damage.lines}
                selected=${this.selectedType}
                ?busy=${this.explaining}
              ></rc-damage-types>`
            : nothing
        }
      </rc-explanation>
      ${
        !s.verdict && this.canAnalyse
          ? html`<button
              type="button"
              class="primary"
              @click=${() => this.emit('analyse-now', { id: s.id })}
            >
              Analyse now
            </button>`
          : nothing
      }
      <slot name="correction"></slot>
      <dl>
        <dt>Taken</dt>
        <dd>${new Date(s.createdAt).toLocaleString()}</dd>
        <dt>Position</dt>
        <dd data-testid="position">${s.positionText}</dd>
        <dt>Model</dt>
        <dd>${s.modelText}</dd>
        ${
          s.earlierAnalyses?.length
            ? html`<dt>Earlier verdicts</dt>
                <dd data-testid="earlier-analyses">
                  ${s.earlierAnalyses.map((line) => html`<div>${line}</div>`)}
                </dd>`
            : nothing
        }
        <dt>Sync</dt>
        <dd data-testid="sync-state" data-sync-state=${s.syncState}>
          ${syncText(s.syncState)}${s.syncReason && !s.conflict ? `: ${s.syncReason}` : ''}
        </dd>
      </dl>
      ${
        s.officeCorrection
          ? html`<p class="office-correction" data-testid="office-correction" role="note">
              ${s.officeCorrection}
            </p>`
          : nothing
      }
      ${this.renderConflict(s)}
      <fieldset>
        <legend>Severity (1 minor – 5 dangerous)</legend>
        ${[1, 2, 3, 4, 5].map(
          (n) =>
            html`<button
              type="button"
              aria-pressed=${String(s.severity === n)}
              aria-label=${`Severity ${n}`}
              @click=${() => this.emit('severity-change', { id: s.id, severity: s.severity === n ? null : n })}
            >
              ${n}
            </button>`,
        )}
      </fieldset>
      <label class="notes-label" for="notes">Notes</label>
      <textarea
        id="notes"
        maxlength="5000"
        .value=${s.notes}
        @input=${(e: Event) => this.emit('notes-input', { id: s.id, notes: (e.target as HTMLTextAreaElement).value })}
      ></textarea>
      <p class="muted" aria-live="polite">${this.saveState}</p>
      ${s.notes ? html`<p class="saved-notes" data-testid="notes-text">${s.notes}</p>` : nothing}
      ${
        this.confirmingDelete
          ? html`<div class="confirm" role="alertdialog" aria-labelledby="confirm-text">
              <p id="confirm-text">
                Delete this survey and its photo from the phone?
                ${s.syncState === 'synced' ? 'The server keeps its copy.' : 'It has not been synced: it will be lost.'}
              </p>
              <div class="row">
                <button
                  type="button"
                  class="danger primary"
                  @click=${() => this.emit('delete-confirm', { id: s.id })}
                >
                  Delete
                </button>
                <button type="button" @click=${() => this.emit('delete-cancel')}>Keep it</button>
              </div>
            </div>`
          : html`<button
              type="button"
              class="danger"
              @click=${() => this.emit('delete-request', { id: s.id })}
            >
              Delete survey…
            </button>`
      }
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-survey-detail': RcSurveyDetail;
  }
}
