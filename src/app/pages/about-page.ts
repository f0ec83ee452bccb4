/**
 * Settings and about: sync settings ("Test connection", "Save"), model updates (installed model,
 * what changed, re-analyse, go back: src/features/model-update), the engine and the model,
 * storage, installing. Each visit reads the storage estimate and the saved sync settings again.
 */
import { consume } from '@lit/context';
import { Task } from '@lit/task';
import { html, LitElement } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import '../../components/rc-about';
import '../../components/rc-sync-settings';
import '../../features/model-update/page/rc-model-update';
import { modelUpdateText } from '../../features/model-update/shared/update-text';
import type { SyncSettingsView } from '../../components/rc-sync-settings';
import { appServicesContext, FollowAppState } from '../app-context';
import type { AppServices } from '../services/app-services';
import { aboutView } from '../views/about-view';
import { pageStyles } from './page.styles';

type SettingsForm = { serverUrl: string; token: string };

@customElement('rc-about-page')
export class RcAboutPage extends LitElement {
  static override styles = pageStyles;

  @consume({ context: appServicesContext }) private app!: AppServices;
  private readonly follow = new FollowAppState(this, () => this.app);

  /** Each visit of the page (the shell counts them) reads storage and settings again. */
  @property({ type: Number }) visit = 0;
  @state() private settings: SyncSettingsView | null = null;

  private readonly visitTask = new Task(this, {
    args: () => [this.visit] as const,
    task: async () => {
      const [saved] = await Promise.all([
        this.app.syncService().then((sync) => sync?.settings()),
        this.app.refreshStorage(),
      ]);
      this.settings = {
        serverUrl: saved?.serverUrl ?? '',
        token: saved?.token ?? '',
        origin: location.origin,
        result: this.settings?.result ?? null,
        busy: false,
      };
    },
    onError: (error) => this.app.reportError(error),
  });

  private async onSettings(
    event: CustomEvent<SettingsForm>,
    action: 'checkSettings' | 'storeSettings',
  ): Promise<void> {
    const sync = await this.app.syncService();
    if (!sync || !this.settings) return;
    this.settings = { ...this.settings, ...event.detail, busy: true, result: null };
    const answer = await sync[action](event.detail);
    this.settings = { ...this.settings, ...answer.saved, busy: false, result: answer };
  }

  override render() {
    const { engine, modelStatus, storage, install, modelUpdate, reanalysis } = this.app.state;
    const view = aboutView({
      engine,
      modelStatus,
      storage,
      install,
      isolated: self.crossOriginIsolated === true,
      version: import.meta.env.VITE_APP_VERSION ?? '0.1.0',
    });
    return html`<h2>About this app</h2>
      <rc-sync-settings
        .view=${this.settings}
        @sync-test=${(e: CustomEvent<SettingsForm>) => this.onSettings(e, 'checkSettings')}
        @sync-save=${(e: CustomEvent<SettingsForm>) => this.onSettings(e, 'storeSettings')}
      ></rc-sync-settings>
      <rc-model-update
        .text=${modelUpdateText(modelUpdate, modelStatus)}
        .reanalysis=${reanalysis}
        @model-reanalyse=${() => void this.app.reanalyseStored()}
        @model-go-back=${() => void this.app.goBackModel()}
        @model-dismiss=${() => this.app.dismissModelNews()}
        @model-check=${() => void this.app.checkModelUpdate()}
      ></rc-model-update>
      <rc-about
        .view=${view}
        @install=${() => void this.app.install()}
        @retry-model=${() => this.app.retryModel()}
        @request-persist=${() => this.app.requestPersistence()}
      ></rc-about>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-about-page': RcAboutPage;
  }
}
