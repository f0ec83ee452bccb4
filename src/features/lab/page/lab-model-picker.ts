/**
 * Choosing the lab's model: the bundled ones, the models kept on this device, "open model
 * files" (model.json with its shards, and optionally manifest.json and a labels file, several
 * files at once from one picker) or "open a model folder" (a folder `npm run train` wrote: a
 * road-damage model's not-a-road files come with it). Raises `open-bundled`, `open-kept`,
 * `remove-kept`, `files-chosen` (files named by their path inside the folder chosen).
 */
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { theme } from '../../../components/theme';
import { pathInChosenFolder } from '../shared/picked-files';

export interface BundledEntry {
  id: string;
  title: string;
  purpose: string;
  /** False when this build has no such model yet. */
  available: boolean;
}

export interface KeptEntry {
  id: string;
  name: string;
  version: string;
  task: string;
  format: string;
  sizeText: string;
}

@customElement('lab-model-picker')
export class LabModelPicker extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: grid;
        gap: 0.75rem;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      li {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        justify-content: space-between;
        gap: 0.5rem;
        background: var(--rc-surface);
        border-radius: 10px;
        padding: 0.5rem 0.75rem;
      }
      .what {
        flex: 1 1 12rem;
      }
      .what small {
        display: block;
      }
      h3 {
        margin: 0;
        font-size: 1rem;
      }
      .buttons {
        display: flex;
        gap: 0.5rem;
      }
    `,
  ];

  @property({ attribute: false }) bundled: BundledEntry[] = [];
  @property({ attribute: false }) kept: KeptEntry[] = [];
  @property({ type: Boolean }) busy = false;

  private emit(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private onFiles(event: Event): void {
    const input = event.target as HTMLInputElement;
    const files = Array.from(input.files ?? [], (f) => ({ name: pathInChosenFolder(f), blob: f }));
    input.value = '';
    if (files.length) this.emit('files-chosen', { files });
  }

  override render() {
    return html`
      <h3>Bundled models</h3>
      <ul>
        ${this.bundled.map(
          (m) =>
            html`<li data-testid="bundled-model" data-id=${m.id}>
              <span class="what"
                >${m.title}<small class="muted"
                  >${m.available ? m.purpose : 'Not in this build yet.'}</small
                ></span
              >
              <button
                type="button"
                ?disabled=${this.busy || !m.available}
                @click=${() => this.emit('open-bundled', { id: m.id })}
              >
                Open
              </button>
            </li>`,
        )}
      </ul>
      <h3>Your models</h3>
      <label class="button primary" data-testid="model-files-label">
        Open model files…
        <input
          type="file"
          multiple
          accept=".json,.bin,.txt,application/json,application/octet-stream"
          data-testid="model-files"
          ?disabled=${this.busy}
          @change=${this.onFiles}
        />
      </label>
      <label class="button" data-testid="model-folder-label">
        Open a model folder…
        <input
          type="file"
          webkitdirectory
          data-testid="model-folder"
          ?disabled=${this.busy}
          @change=${this.onFiles}
        />
      </label>
      <small class="muted"
        >Choose model.json and all its weight files (*.bin) together; add manifest.json and a labels
        file if you have them. Layers and graph models both work. A folder that
        <code>npm run train</code> wrote opens whole: a road-damage model then re-analyses surveys
        too.</small
      >
      ${
        this.kept.length
          ? html`<ul>
              ${this.kept.map(
                (m) =>
                  html`<li data-testid="kept-model" data-id=${m.id}>
                    <span class="what"
                      >${m.name}
                      <small class="muted"
                        >${m.format} · ${m.task} · v${m.version} · ${m.sizeText} · kept on this
                        device</small
                      ></span
                    >
                    <span class="buttons">
                      <button
                        type="button"
                        ?disabled=${this.busy}
                        @click=${() => this.emit('open-kept', { id: m.id })}
                      >
                        Open
                      </button>
                      <button
                        type="button"
                        class="danger"
                        aria-label=${`Remove ${m.name}`}
                        ?disabled=${this.busy}
                        @click=${() => this.emit('remove-kept', { id: m.id })}
                      >
                        Remove
                      </button>
                    </span>
                  </li>`,
              )}
            </ul>`
          : nothing
      }
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'lab-model-picker': LabModelPicker;
  }
}
