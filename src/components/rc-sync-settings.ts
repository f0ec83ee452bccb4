/**
 * Sync settings: the server address and this phone's device token, "Test connection" with its
 * result, and "Save". Raises `sync-test` and `sync-save` with `{ serverUrl, token }` as typed;
 * the shell checks, stores and answers through the properties.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { theme } from './theme';

export interface SyncSettingsView {
  serverUrl: string;
  token: string;
  /** The origin the app came from: the default server. */
  origin: string;
  /** The last "Test connection" answer, or what saving said. */
  result: { ok: boolean; text: string } | null;
  busy: boolean;
}

@customElement('rc-sync-settings')
export class RcSyncSettings extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: grid;
        gap: 0.75rem;
      }
      h2 {
        margin: 0;
        font-size: 1.2rem;
      }
      label {
        display: grid;
        gap: 0.25rem;
        font-weight: 600;
      }
      input {
        font: inherit;
        min-height: 48px;
        padding: 0 0.5rem;
        border: 2px solid var(--rc-border);
        border-radius: 8px;
      }
      .row {
        display: flex;
        gap: 0.75rem;
        flex-wrap: wrap;
      }
      .ok {
        color: var(--rc-normal);
      }
      .bad {
        color: var(--rc-danger);
      }
      p {
        margin: 0;
      }
    `,
  ];

  @property({ attribute: false }) view: SyncSettingsView | null = null;

  private emit(name: 'sync-test' | 'sync-save'): void {
    const root = this.renderRoot;
    const serverUrl = (root.querySelector('#server-url') as HTMLInputElement).value;
    const token = (root.querySelector('#token') as HTMLInputElement).value;
    this.dispatchEvent(
      new CustomEvent(name, { detail: { serverUrl, token }, bubbles: true, composed: true }),
    );
  }

  override render() {
    const v = this.view;
    if (!v) return nothing;
    return html`
      <h2>Sync</h2>
      <p class="muted">
        Surveys upload to your team’s RoadCAM server when there is a network. Leave the address
        empty to use the server this app came from (${v.origin}).
      </p>
      <label
        >Server address
        <input
          id="server-url"
          data-testid="sync-server-url"
          type="url"
          inputmode="url"
          autocomplete="url"
          placeholder=${v.origin}
          .value=${v.serverUrl}
        />
      </label>
      <label
        >Device token
        <input
          id="token"
          data-testid="sync-token"
          type="password"
          autocomplete="off"
          spellcheck="false"
          placeholder="rcd_…"
          .value=${v.token}
        />
      </label>
      <div class="row">
        <button
          type="button"
          data-testid="sync-test"
          ?disabled=${v.busy}
          @click=${() => this.emit('sync-test')}
        >
          Test connection
        </button>
        <button
          type="button"
          class="primary"
          data-testid="sync-save"
          ?disabled=${v.busy}
          @click=${() => this.emit('sync-save')}
        >
          Save
        </button>
      </div>
      <p
        role="status"
        data-testid="sync-settings-result"
        data-ok=${v.result ? String(v.result.ok) : ''}
        class=${v.result ? (v.result.ok ? 'ok' : 'bad') : ''}
      >
        ${v.busy ? 'Checking…' : (v.result?.text ?? '')}
      </p>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-sync-settings': RcSyncSettings;
  }
}
