/**
 * Settings and about: the backend and threads, the model, storage use and persistence, and
 * installing the app. Raises `install`, `retry-model`, `request-persist`.
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { theme } from './theme';
import { definitionListStyles } from './definition-list.styles';

export interface AboutView {
  backendText: string;
  isolated: boolean;
  modelText: string;
  modelFailed: boolean;
  storageText: string;
  persistedText: string;
  persisted: boolean | null;
  install: 'installed' | 'available' | 'ios' | 'unavailable';
  version: string;
}

@customElement('rc-about')
export class RcAbout extends LitElement {
  static override styles = [
    theme,
    definitionListStyles,
    css`
      :host {
        display: grid;
        gap: 1rem;
      }
      dl {
        gap: 0.4rem 0.75rem;
      }
      dd {
        overflow-wrap: anywhere;
      }
      h2 {
        margin: 0;
        font-size: 1.2rem;
      }
      ol {
        margin: 0;
        padding-left: 1.25rem;
      }
    `,
  ];

  @property({ attribute: false }) view: AboutView | null = null;

  private emit(name: string): void {
    this.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true }));
  }

  override render() {
    const v = this.view;
    if (!v) return nothing;
    return html`
      <h2>Engine</h2>
      <dl>
        <dt>Backend</dt>
        <dd>${v.backendText}</dd>
        <dt>Isolation</dt>
        <dd>
          ${v.isolated ? 'cross-origin isolated (threads allowed)' : 'not isolated (no threads)'}
        </dd>
        <dt>Model</dt>
        <dd data-testid="model-info">${v.modelText}</dd>
      </dl>
      ${v.modelFailed ? html`<button type="button" @click=${() => this.emit('retry-model')}>Try loading the model again</button>` : nothing}
      <h2>Storage</h2>
      <dl>
        <dt>Used</dt>
        <dd>${v.storageText}</dd>
        <dt>Kept safe</dt>
        <dd data-testid="persisted">${v.persistedText}</dd>
      </dl>
      ${
        v.persisted === false
          ? html`<button type="button" @click=${() => this.emit('request-persist')}>
              Ask to keep surveys safe
            </button>`
          : nothing
      }
      <h2>Install</h2>
      ${
        v.install === 'installed'
          ? html`<p>RoadCAM is installed.</p>`
          : v.install === 'available'
            ? html`<button
                type="button"
                class="primary"
                data-testid="install"
                @click=${() => this.emit('install')}
              >
                Install RoadCAM on this phone
              </button>`
            : v.install === 'ios'
              ? html`<p>To install on iPhone or iPad (Safari):</p>
                  <ol>
                    <li>Tap the Share button (the square with an arrow).</li>
                    <li>Choose "Add to Home Screen".</li>
                    <li>Tap "Add". RoadCAM then opens from its icon and works offline.</li>
                  </ol>`
              : html`<p class="muted">
                  Your browser does not offer an install button here. In Chrome, use the menu and
                  "Install app" or "Add to Home screen".
                </p>`
      }
      <p class="muted">RoadCAM ${v.version}. Photos and surveys stay on this phone until synced.</p>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-about': RcAbout;
  }
}
