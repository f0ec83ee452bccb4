/**
 * The surveys on the phone, newest first, with filters by verdict and sync state, the storage
 * used, and the sync header ("N waiting to sync", the last sync time, "Sync now"). Raises
 * `filter-change`, `open-survey` and `sync-now`.
 */
import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { SYNC_FILTERS, TYPE_FILTERS, VERDICT_FILTERS, VERDICT_TITLES } from '../ui/survey-filters';
import { theme } from './theme';

export interface SurveyListItem {
  id: string;
  createdAt: string;
  verdictKey: 'pothole' | 'normal' | 'damage' | 'not-a-road' | 'unanalysed';
  /** The verdict in words when the view words it (road-damage models: "Crack, patch"). */
  title?: string;
  /** Probability of the verdict's label, 0..1, when analysed. */
  probability: number | null;
  lowConfidence: boolean;
  syncState: string;
  /** Why sync failed, in a few words ("conflict with the server"), when it did. */
  syncProblem?: string;
  severity: number | null;
  hasPosition: boolean;
  notes: string;
  /** The engineer's answer in a word or two ("corrected (Wrong)"); absent before they answer. */
  answer?: string | null;
  thumbnailUrl: string;
}

/** The sync header's content (the shell words it from the outbox's status). */
export interface SyncSummary {
  waiting: number;
  waitingText: string;
  lastSyncText: string;
  syncing: boolean;
  /** Why sync is stopped or waiting, or null. */
  problem: string | null;
}

// "Sync now" stays enabled while a sync runs: a tap then retries at once instead of waiting
// out the backoff (the outbox shares the running sync).

@customElement('rc-survey-list')
export class RcSurveyList extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: block;
        min-width: 0;
      }
      .filters {
        display: grid;
        /* minmax(0, …): a select as wide as its longest option must not widen the page. */
        grid-template-columns: repeat(auto-fit, minmax(min(9rem, 100%), 1fr));
        gap: 0.75rem;
        margin-bottom: 0.75rem;
      }
      .filters label {
        display: grid;
        gap: 0.25rem;
        font-weight: 600;
      }
      .filters select {
        width: 100%;
        min-width: 0;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      li button {
        width: 100%;
        display: grid;
        grid-template-columns: 72px minmax(0, 1fr);
        gap: 0.75rem;
        text-align: left;
        overflow-wrap: anywhere;
        padding: 0.4rem;
        border: 2px solid var(--rc-border);
        color: var(--rc-fg);
        font-weight: normal;
        justify-content: stretch;
      }
      img {
        width: 72px;
        height: 72px;
        object-fit: cover;
        border-radius: 6px;
        background: var(--rc-surface);
      }
      .title {
        font-weight: 700;
      }
      .pothole {
        color: var(--rc-pothole);
      }
      .normal {
        color: var(--rc-normal);
      }
      .meta {
        font-size: 0.9rem;
        color: var(--rc-muted);
      }
      .storage {
        margin: 0 0 0.75rem;
      }
      .sync {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
        justify-content: space-between;
        background: var(--rc-surface);
        border-radius: 10px;
        padding: 0.5rem 0.75rem;
        margin-bottom: 0.75rem;
      }
      .sync p {
        margin: 0;
        min-width: 0;
        overflow-wrap: anywhere;
      }
      .sync .problem {
        flex-basis: 100%;
        font-size: 0.9rem;
      }
      .failed {
        color: var(--rc-danger);
        font-weight: 600;
      }
    `,
  ];

  @property({ attribute: false }) items: SurveyListItem[] = [];
  @property() verdictFilter = '';
  @property() typeFilter = '';
  @property() syncFilter = '';
  @property() storageText = '';
  @property({ type: Number }) total = 0;
  @property({ attribute: false }) sync: SyncSummary | null = null;

  private filterChanged(): void {
    const root = this.renderRoot;
    const verdict = (root.querySelector('#verdict-filter') as HTMLSelectElement).value;
    const sync = (root.querySelector('#sync-filter') as HTMLSelectElement).value;
    const type = (root.querySelector('#type-filter') as HTMLSelectElement).value;
    this.dispatchEvent(
      new CustomEvent('filter-change', {
        detail: { verdict, sync, type },
        bubbles: true,
        composed: true,
      }),
    );
  }

  private renderSync() {
    const s = this.sync;
    if (!s) return '';
    return html`<div class="sync">
      <p data-testid="sync-summary" data-waiting=${s.waiting}>
        <strong>${s.waitingText}</strong><br /><span class="muted">${s.lastSyncText}</span>
      </p>
      <button
        type="button"
        class="primary"
        data-testid="sync-now"
        @click=${() => this.dispatchEvent(new CustomEvent('sync-now', { bubbles: true, composed: true }))}
      >
        Sync now
      </button>
      ${s.syncing ? html`<p class="problem" role="status">Syncing…</p>` : ''}
      ${s.problem ? html`<p class="problem" role="status" data-testid="sync-problem">${s.problem}</p>` : ''}
    </div>`;
  }

  override render() {
    return html`
      ${this.renderSync()}
      <p class="storage muted" data-testid="storage">${this.storageText}</p>
      <div class="filters">
        <label
          >Verdict
          <select id="verdict-filter" .value=${this.verdictFilter} @change=${this.filterChanged}>
            <option value="">All</option>
            ${VERDICT_FILTERS.map(
              (f) =>
                html`<option value=${f.value} ?selected=${f.value === this.verdictFilter}>
                  ${f.label}
                </option>`,
            )}
          </select>
        </label>
        <label
          >Damage type
          <select id="type-filter" .value=${this.typeFilter} @change=${this.filterChanged}>
            <option value="">All</option>
            ${TYPE_FILTERS.map(
              (t) =>
                html`<option value=${t.value} ?selected=${t.value === this.typeFilter}>
                  ${t.label}
                </option>`,
            )}
          </select>
        </label>
        <label
          >Sync
          <select id="sync-filter" .value=${this.syncFilter} @change=${this.filterChanged}>
            <option value="">All</option>
            ${SYNC_FILTERS.map(
              (f) =>
                html`<option value=${f.value} ?selected=${f.value === this.syncFilter}>
                  ${f.label}
                </option>`,
            )}
          </select>
        </label>
      </div>
      ${
        this.items.length === 0
          ? html`<p class="muted">
              ${this.total === 0 ? 'No surveys yet: take a photo of the road.' : 'No survey matches these filters.'}
            </p>`
          : html`<ul aria-label="Surveys, newest first">
              ${repeat(
                this.items,
                (item) => item.id,
                (item) =>
                  html`<li
                    data-testid="survey-item"
                    data-id=${item.id}
                    data-verdict=${item.verdictKey}
                    data-title=${item.title ?? VERDICT_TITLES[item.verdictKey]}
                    data-sync-state=${item.syncState}
                    data-answer=${item.answer ?? ''}
                  >
                    <button
                      type="button"
                      @click=${() => this.dispatchEvent(new CustomEvent('open-survey', { detail: { id: item.id }, bubbles: true, composed: true }))}
                    >
                      <img src=${item.thumbnailUrl} alt="" width="72" height="72" />
                      <span>
                        <span class="title ${item.verdictKey}">
                          ${item.title ?? VERDICT_TITLES[item.verdictKey]}${item.probability !== null ? ` ${Math.round(item.probability * 100)}%` : ''}${item.lowConfidence ? ' (not sure)' : ''}
                        </span>
                        <br />
                        <span class="meta">
                          ${new Date(item.createdAt).toLocaleString()} ·
                          ${item.hasPosition ? 'position kept' : 'no position'}
                          ${item.severity ? ` · severity ${item.severity}` : ''}
                          ${item.answer ? html` · <span data-testid="answer">${item.answer}</span>` : ''}
                          ·
                          <span
                            class=${item.syncState === 'failed' ? 'failed' : ''}
                            data-testid="sync-state"
                            >${syncText(item.syncState, item.syncProblem)}</span
                          >
                        </span>
                        ${item.notes ? html`<br /><span class="meta">${item.notes.slice(0, 80)}</span>` : ''}
                      </span>
                    </button>
                  </li>`,
              )}
            </ul>`
      }
    `;
  }
}

/** The sync state in words; a failure with its reason: "sync failed (photo refused)". */
export function syncText(state: string, problem?: string): string {
  switch (state) {
    case 'local':
      return 'on phone only';
    case 'queued':
      return 'waiting to sync';
    case 'uploading':
      return 'uploading';
    case 'synced':
      return 'synced';
    case 'failed':
      return problem ? `sync failed (${problem})` : 'sync failed';
    default:
      return state;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-survey-list': RcSurveyList;
  }
}
